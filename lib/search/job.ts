// The capacity search of one job, for every SLO it carries, with the store as its memory: probes already run
// (by this search, an earlier one, or one that was killed) are reused, so a repeated search with nothing
// undecided benchmarks nothing, and one with new or changed SLOs benchmarks only what they still need.

import type { Capacity, Job, ProbeResult, Slo } from '../types.ts';
import type { RunInfo } from '../store/index.ts';
import { readBracket, type QpsVerdict } from './bracket.ts';
import { searchEtalon } from './etalon.ts';
import { HEADROOM_TUNING, scoutBudgetNs, searchHeadroom, startHeadroomSlo, type HeadroomSlo, type HeadroomTuning } from './headroom.ts';
import { JobProbes, type ProbeDeps, type RunEvidence } from './probes.ts';

export type SearchDeps = ProbeDeps;

/** One SLO's probes as this search used them, and what each cost (split among the SLOs it was run for). */
class Ledger {
  private used = new Map<string, Map<string, RunEvidence>>();
  private seconds = new Map<string, number>();

  note(slo: string, evidence: RunEvidence): void {
    let m = this.used.get(slo);
    if (!m) this.used.set(slo, (m = new Map()));
    if (!m.has(evidence.run.runId)) m.set(evidence.run.runId, evidence);
  }

  /** Splits a new run's seconds among the SLOs it was run for, so a job's rows add up to what it cost. */
  charge(run: RunInfo, slos: readonly string[]): void {
    for (const slo of slos) this.seconds.set(slo, (this.seconds.get(slo) ?? 0) + run.durationNs / 1e9 / slos.length);
  }

  probesOf(slo: string): { probes: ProbeResult[]; seconds: number } {
    const entries = [...(this.used.get(slo)?.values() ?? [])].filter((e) => e.verdict !== null);
    const probes = entries.map((e) => ({
      qps: e.run.qps,
      runId: e.run.runId,
      valid: e.valid,
      verdicts: [e.verdict!],
      benchmarkSeconds: e.ranNow ? e.run.durationNs / 1e9 : 0,
      cached: !e.ranNow,
    }));
    return { probes, seconds: this.seconds.get(slo) ?? 0 };
  }
}

/** A run's verdict as search evidence: invalid (lagging) runs never count as a pass. */
function passOf(e: RunEvidence): boolean | null {
  if (e.verdict === null) return null;
  return e.valid && e.verdict.pass;
}

async function searchWithEtalon(job: Job, probes: JobProbes, ledger: Ledger): Promise<Capacity[]> {
  const out: Capacity[] = [];
  for (const slo of job.slos) {
    const result = await searchEtalon(job.search, async (qps) => {
      const before = probes.runs.length;
      // Etalon runs every probe in full: no early stop
      const evidence = (await probes.probe(qps, [slo], null, { full: true })).get(slo.name)!;
      if (probes.runs.length > before) ledger.charge(evidence.run, [slo.name]);
      ledger.note(slo.name, evidence);
      return passOf(evidence) === true;
    });
    const { probes: used, seconds } = ledger.probesOf(slo.name);
    out.push({ jobId: job.id, slo: slo.name, capacityQps: result.capacityQps, failQps: result.failQps, probes: used, benchmarkSeconds: seconds });
  }
  return out;
}

/** Seeds every SLO's state with what the stored runs already say. */
async function readKnown(job: Job, probes: JobProbes, ledger: Ledger): Promise<HeadroomSlo[]> {
  const known = job.slos.map((s) => startHeadroomSlo(s.name));
  for (const run of probes.runs) {
    for (const [i, slo] of job.slos.entries()) {
      const e = await probes.evidenceOf(run, slo);
      const pass = passOf(e);
      if (pass !== null) {
        known[i].verdicts.push({ qps: run.qps, pass });
        ledger.note(slo.name, e);
      } else if (e.scouted) known[i].scouted.push(run.qps);
    }
  }
  return known;
}

async function searchWithHeadroom(job: Job, probes: JobProbes, ledger: Ledger, tuning: HeadroomTuning): Promise<Capacity[]> {
  const byName = new Map<string, Slo>(job.slos.map((s) => [s.name, s]));
  const known = await readKnown(job, probes, ledger);
  const result = await searchHeadroom(
    job.slos.map((s) => s.name),
    job.search,
    async (plan) => {
      const open = plan.open.map((n) => byName.get(n)!);
      const budgetNs = plan.scout ? scoutBudgetNs(plan.qps, job.trace.requests, tuning) : null;
      const before = probes.runs.length;
      const evidence = await probes.probe(plan.qps, open, budgetNs);
      const verdicts = new Map<string, boolean>();
      const scouted: string[] = [];
      for (const [name, e] of evidence) {
        const pass = passOf(e);
        if (pass !== null) {
          verdicts.set(name, pass);
          ledger.note(name, e);
        } else if (e.scouted && plan.open.includes(name)) scouted.push(name);
      }
      if (probes.runs.length > before) ledger.charge(probes.runs[probes.runs.length - 1], plan.open);
      return { verdicts, scouted };
    },
    { known, tuning },
  );
  return job.slos.map((slo) => {
    const b = result.brackets.get(slo.name) ?? readBracket([] as QpsVerdict[]);
    const { probes: used, seconds } = ledger.probesOf(slo.name);
    return { jobId: job.id, slo: slo.name, capacityQps: b.passQps ?? 0, failQps: b.failQps, probes: used, benchmarkSeconds: seconds };
  });
}

/** Searches the capacity of one job for each of its SLOs (one Capacity per SLO, in the job's SLO order). */
export async function searchJob(job: Job, deps: SearchDeps, opts: { tuning?: HeadroomTuning } = {}): Promise<Capacity[]> {
  const probes = new JobProbes(job, deps);
  await probes.load();
  const ledger = new Ledger();
  const caps = job.search.strategy === 'etalon'
    ? await searchWithEtalon(job, probes, ledger)
    : await searchWithHeadroom(job, probes, ledger, opts.tuning ?? HEADROOM_TUNING);
  for (const c of caps) {
    const bracket = `[${c.capacityQps}, ${c.failQps ?? '∞'})`;
    deps.log?.(`${c.slo}: capacity ${c.capacityQps} QPS, bracket ${bracket}, ${c.benchmarkSeconds.toFixed(0)} s benchmarked`);
  }
  return caps;
}
