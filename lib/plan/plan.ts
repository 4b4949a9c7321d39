import path from 'node:path';
import type { Job, Slo, Workflow } from '../types.ts';
import { formatTtftLabel } from '../metrics/slo-values.ts';
import { formatDuration } from '../workflow/duration.ts';
import { jobFingerprint } from './fingerprint.ts';

export interface PlannedJob {
  job: Job;
  fingerprint: string;
}

/** Selects jobs by `--only`: a substring of the id, or a pattern where * matches anything. */
export function selectJobs(jobs: Job[], only: string | null): Job[] {
  if (!only) return jobs;
  if (jobs.some((j) => j.id === only)) return jobs.filter((j) => j.id === only);
  const re = new RegExp(only.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return jobs.filter((j) => re.test(j.id));
}

export async function fingerprintJobs(workflow: Workflow, jobs: Job[], cacheDir: string): Promise<PlannedJob[]> {
  const ctx = { baseDir: path.dirname(workflow.file), cacheDir };
  const out: PlannedJob[] = [];
  for (const job of jobs) out.push({ job, fingerprint: await jobFingerprint(job, ctx) });
  return out;
}

export function formatSlo(slo: Slo): string {
  const pct = (p: number) => `p${+(p * 100).toFixed(3)}`;
  switch (slo.type) {
    case 'deadline':
      return `${slo.name}: deadline tbt ${formatDuration(slo.tbtNs)}, ttft slack ${formatDuration(slo.ttftSlackNs)}, miss rate <= ${slo.maxMissRate} at ${pct(slo.percentile)}`;
    case 'tbt_ttft':
      return `${slo.name}: TBT ${pct(slo.tbt.percentile)} <= ${formatDuration(slo.tbt.maxNs)} and ${formatTtftLabel(slo.ttft)} ${pct(slo.ttft.percentile)} <= ${formatDuration(slo.ttft.maxNs)}`;
    case 'ttft_tpot':
      return `${slo.name}: ${formatTtftLabel(slo.ttft)} ${pct(slo.ttft.percentile)} <= ${formatDuration(slo.ttft.maxNs)} and TPOT ${pct(slo.tpot.percentile)} <= ${formatDuration(slo.tpot.maxNs)}`;
  }
}

export function formatSystem(job: Job): string {
  const s = job.system;
  if (s.engine === 'sim') {
    const sim = s.sim;
    return `${s.name} (sim ${sim.scheduler}, ${job.model.simModel} on ${sim.hardware}, budget ${sim.maxNumBatchedTokens} tokens, ${sim.clock} time)`;
  }
  if (s.engine === 'external') return `${s.name} (external ${s.url})`;
  return `${s.name} (${s.engine}, tp ${job.parallel.tp}, pp ${job.parallel.pp})`;
}

export function formatTrace(job: Job): string {
  const t = job.trace;
  const l = t.lengths;
  const lengths =
    l.type === 'synthetic' ? `synthetic ${l.name}` : l.type === 'csv' ? `csv ${l.url ?? path.basename(l.path)}` : l.type === 'fixed' ? `fixed ${l.prompt}/${l.output}` : `${l.type} ${l.prompt.join('-')}/${l.output.join('-')}`;
  return `${t.name} (${lengths}, ${t.arrivals.type} arrivals, ${t.requests} requests, cap ${t.maxTotalTokens} tokens, seed ${t.seed})`;
}

export interface PlanLineInfo {
  cachedRuns: number | null;
  gpus: number[] | null;
  /** Which round of the packing runs it (jobs of one wave run at once). */
  wave: number | null;
}

/** The plan as text: what --dry-run prints. */
export function formatPlan(workflow: Workflow, planned: PlannedJob[], info: Map<string, PlanLineInfo>): string {
  const lines = [`Plan for ${workflow.name} (${path.relative(process.cwd(), workflow.file) || workflow.file}): ${planned.length} job${planned.length === 1 ? '' : 's'}`];
  for (const { job, fingerprint } of planned) {
    const i = info.get(job.id);
    lines.push('', `${job.id}`);
    lines.push(`  model        ${job.model.name} (${job.model.hfId})`);
    lines.push(`  system       ${formatSystem(job)}`);
    lines.push(`  trace        ${formatTrace(job)}`);
    lines.push(`  slos         ${job.slos.map(formatSlo).join('\n               ')}`);
    lines.push(`  fingerprint  ${fingerprint}`);
    lines.push(`  cached       ${i?.cachedRuns === null || i?.cachedRuns === undefined ? 'no cache yet' : `${i.cachedRuns} run${i.cachedRuns === 1 ? '' : 's'}`}`);
    if (job.gpus > 0) lines.push(`  gpus         ${i?.gpus ? `${i.gpus.join(',')} (wave ${i.wave})` : `${job.gpus} (no GPUs found here; placed at run time)`}`);
  }
  lines.push('', `search: ${workflow.search.strategy}, start ${workflow.search.startQps} QPS, at most ${workflow.search.maxIterations} probes per SLO, granularity ${workflow.search.granularityPct}%`);
  return lines.join('\n');
}
