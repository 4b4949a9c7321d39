// Everything the report shows about a workflow's jobs, read from the cache: the newest stored capacity of each
// job x SLO whose probes are runs of the job's current fingerprint (a capacity found before the workflow
// changed is not shown as the current one), how many runs are cached, and the prefill profile if one exists.
import type { Workflow } from '../types.ts';
import type { PlannedJob } from '../plan/plan.ts';
import type { Store } from '../store/index.ts';
import { fillSql, quoteSql, readSqlFile } from '../store/sql-text.ts';
import { readProfileMeta, type PrefillProfileMeta } from '../profile/cache.ts';
import { profileFingerprint } from '../profile/fingerprint.ts';
import { formatJobLabels, type JobReport, type ProbePoint, type ReportData, type SloResult } from './model.ts';

export async function readReportData(store: Store, workflow: Workflow, planned: PlannedJob[], cacheDir: string): Promise<ReportData> {
  const runsByFingerprint = await readRunIds(store, planned);
  const stored = planned.length === 0 ? [] : await store.query(fillSql(readSqlFile(import.meta.url, './sql/capacities.sql'), {
    workflow: quoteSql(workflow.name),
    jobs: planned.map((p) => quoteSql(p.job.id)).join(', '),
  }));
  const jobs: JobReport[] = [];
  const labels = formatJobLabels(planned.map((p) => p.job));
  for (const { job, fingerprint } of planned) {
    const runIds = runsByFingerprint.get(fingerprint) ?? new Set<string>();
    const results: SloResult[] = [];
    for (const slo of job.slos) {
      // Rows come newest first: the first that belongs to this fingerprint is the current result.
      for (const row of stored) {
        if (row.job_id !== job.id || row.slo !== slo.name) continue;
        const probes = parseProbes(row.probes_json);
        if (!probes.every((p) => runIds.has(p.runId))) continue;
        results.push({
          slo,
          capacityQps: Number(row.capacity_qps),
          failQps: row.fail_qps === null ? null : Number(row.fail_qps),
          benchmarkSeconds: Number(row.benchmark_seconds),
          probes,
          capacityRunId: capacityRunOf(probes),
          writtenAt: String(row.written_at),
        });
        break;
      }
    }
    jobs.push({ job, label: labels.get(job.id) ?? job.id, fingerprint, cachedRuns: runIds.size, results, profile: await readJobProfile(cacheDir, job, fingerprint) });
  }
  return { title: workflow.name, description: workflow.description, workflowFile: workflow.file, jobs };
}

async function readRunIds(store: Store, planned: PlannedJob[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (planned.length === 0) return out;
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/runs-of.sql'), {
    fingerprints: [...new Set(planned.map((p) => quoteSql(p.fingerprint)))].join(', '),
  }));
  for (const r of rows) {
    const fp = String(r.fingerprint);
    if (!out.has(fp)) out.set(fp, new Set());
    out.get(fp)!.add(String(r.run_id));
  }
  return out;
}

interface StoredProbe {
  qps: number;
  run_id: string;
  valid: boolean | null;
  pass: boolean | null;
  cached: boolean | null;
  values_json: string | null;
}

export function parseProbes(json: unknown): ProbePoint[] {
  const list = JSON.parse(String(json ?? '[]')) as StoredProbe[];
  return list.map((p) => ({
    qps: Number(p.qps),
    runId: String(p.run_id),
    valid: p.valid === true,
    pass: p.pass === true,
    cached: p.cached === true,
    values: p.values_json ? (JSON.parse(p.values_json) as Record<string, number | null>) : {},
  }));
}

/** The run of the highest valid passing probe (the latest of equals), or null when none passed. */
export function capacityRunOf(probes: ProbePoint[]): string | null {
  let best: ProbePoint | null = null;
  for (const p of probes) if (p.valid && p.pass && (best === null || p.qps >= best.qps)) best = p;
  return best?.runId ?? null;
}

/**
 * The job's prefill profile: under the profile fingerprint (shared by every job on the same server), else under
 * the job fingerprint (the name older caches used).
 */
async function readJobProfile(cacheDir: string, job: PlannedJob['job'], fingerprint: string): Promise<PrefillProfileMeta | null> {
  return (await readProfileMeta(cacheDir, profileFingerprint(job))) ?? (await readProfileMeta(cacheDir, fingerprint));
}
