// Probes for one job's search: each is a run in the store keyed by fingerprint and QPS. Before benchmarking a
// QPS, the runs already stored there are asked first; a complete run is evidence for every SLO (re-evaluated
// by SQL, so new or changed SLOs are judged without a benchmark), an early-stopped one only for the SLOs it
// settled. A new run is watched by settle.ts and stopped once every SLO it was run for is settled, or when a
// scout's budget is spent; its stop reason records which SLOs it is evidence for.

import type { Job, PrefillTable, RequestEvents, RunEvents, Slo, SloVerdict } from '../types.ts';
import type { RunInfo, Store } from '../store/index.ts';
import { readSqlFile } from '../store/sql-text.ts';
import { needsPrefillTable } from '../metrics/slo-prefill.ts';
import { startSettle } from './settle.ts';
import { formatStopReason, parseStopReason, sloKey } from './stop-reason.ts';

export type ShouldStop = (reqs: readonly RequestEvents[], nowNs: number) => boolean;

export interface ProbeDeps {
  store: Store;
  fingerprint: string;
  runProbe(qps: number, opts: { shouldStop?: ShouldStop }): Promise<RunEvents>;
  prefill: PrefillTable | null | ((promptLengths: number[]) => Promise<PrefillTable>);
  log?: (line: string) => void;
}

/** What one stored run says about one SLO. */
export interface RunEvidence {
  run: RunInfo;
  /** null: the run is no evidence for this SLO (stopped before it settled). */
  verdict: SloVerdict | null;
  /** The run was a scout that ran out of budget with this SLO open. */
  scouted: boolean;
  valid: boolean;
  /** Whether this search ran it (false: it was in the store already). */
  ranNow: boolean;
}

const RUN_SHAPE_SQL = readSqlFile(import.meta.url, './sql/run-shape.sql');

function sameQps(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
}

function quoteSql(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export class JobProbes {
  readonly runs: RunInfo[] = [];
  private evaluations = new Map<string, Map<string, { verdict: SloVerdict; valid: boolean }>>();
  private ranNow = new Set<string>();
  private prefillTable: PrefillTable | null = null;
  private promptLengths: number[] | null = null;
  private totalOutputTokens: number | null = null;

  constructor(
    private readonly job: Job,
    private readonly deps: ProbeDeps,
  ) {}

  /** Loads the runs stored for this fingerprint. */
  async load(): Promise<void> {
    const runs = await this.deps.store.listRuns({ fingerprint: this.deps.fingerprint });
    this.runs.push(...runs);
  }

  private log(line: string): void {
    this.deps.log?.(line);
  }

  private async readRunShape(runId: string): Promise<{ lengths: number[]; outputTokens: number }> {
    const rows = await this.deps.store.query(RUN_SHAPE_SQL.replaceAll('{{run_id}}', quoteSql(runId)));
    const row = rows[0] ?? {};
    const lengths = Array.isArray(row.prompt_lengths) ? (row.prompt_lengths as unknown[]).map(Number) : [];
    return { lengths, outputTokens: Number(row.output_tokens_requested ?? 0) };
  }

  /** A prefill table covering the given prompt lengths (the deps' table, or one made by its function). */
  private async prefillFor(lengths: number[]): Promise<PrefillTable | null> {
    const p = this.deps.prefill;
    if (p === null || p instanceof Map) return p;
    const missing = lengths.filter((l) => !this.prefillTable?.has(l));
    if (missing.length > 0) {
      const more = await p(missing);
      this.prefillTable = new Map([...(this.prefillTable ?? []), ...more]);
    }
    return this.prefillTable;
  }

  /** Verdicts of every job SLO for a run, evaluated once by SQL. */
  private async evaluate(run: RunInfo): Promise<Map<string, { verdict: SloVerdict; valid: boolean }>> {
    let e = this.evaluations.get(run.runId);
    if (e) return e;
    const needsPrefill = this.job.slos.some(needsPrefillTable);
    let prefill: PrefillTable | null = null;
    if (needsPrefill || this.promptLengths === null) {
      const shape = await this.readRunShape(run.runId);
      this.promptLengths ??= shape.lengths;
      this.totalOutputTokens ??= shape.outputTokens;
      if (needsPrefill) prefill = await this.prefillFor(shape.lengths);
    }
    const ev = await this.deps.store.evaluate(run.runId, this.job.slos, { prefill, maxLagNs: this.job.client.maxLagNs });
    e = new Map(ev.verdicts.map((v) => [v.slo, { verdict: v, valid: ev.valid }]));
    this.evaluations.set(run.runId, e);
    return e;
  }

  /** What a stored run says about one SLO. */
  async evidenceOf(run: RunInfo, slo: Slo): Promise<RunEvidence> {
    const ranNow = this.ranNow.has(run.runId);
    const stop = parseStopReason(run.stopReason);
    const key = sloKey(slo);
    // a lagging run is no evidence of a pass whatever it settled, and must not steer a scout up either:
    // it is judged (and, being invalid, counts as a ceiling) like a complete run
    const lagging = run.lagP99Ns > this.job.client.maxLagNs;
    if (!run.complete && !stop.settled.has(key) && !lagging) {
      return { run, verdict: null, scouted: stop.scouted.has(key), valid: true, ranNow };
    }
    const e = (await this.evaluate(run)).get(slo.name);
    if (!e) throw new Error(`evaluating run ${run.runId}: no verdict for SLO "${slo.name}"`);
    return { run, verdict: e.verdict, scouted: false, valid: e.valid, ranNow };
  }

  runsAt(qps: number): RunInfo[] {
    return this.runs.filter((r) => sameQps(r.qps, qps));
  }

  /**
   * Evidence at qps for the SLOs in `open`: from stored runs when they decide all of them, else from a new run
   * (a scout when scoutBudgetNs is set). Returns the evidence per SLO name, for every job SLO the run speaks to.
   */
  async probe(
    qps: number,
    open: readonly Slo[],
    scoutBudgetNs: number | null,
    opts: { full?: boolean } = {},
  ): Promise<Map<string, RunEvidence>> {
    for (const run of this.runsAt(qps)) {
      const ev = await Promise.all(open.map((s) => this.evidenceOf(run, s)));
      const decided = ev.every((e) => e.verdict !== null || (scoutBudgetNs !== null && e.scouted));
      if (decided) return new Map(ev.map((e, i) => [open[i].name, e]));
    }
    const run = await this.runNew(qps, open, scoutBudgetNs, opts.full ?? false);
    const ev = await Promise.all(this.job.slos.map((s) => this.evidenceOf(run, s)));
    return new Map(ev.map((e, i) => [this.job.slos[i].name, e]));
  }

  private async runNew(qps: number, open: readonly Slo[], scoutBudgetNs: number | null, full: boolean): Promise<RunInfo> {
    const prefill = this.promptLengths && this.job.slos.some(needsPrefillTable)
      ? await this.prefillFor(this.promptLengths)
      : this.deps.prefill instanceof Map ? this.deps.prefill : null;
    const settler = startSettle(this.job.slos, {
      totalRequests: this.job.trace.requests,
      totalOutputTokens: this.totalOutputTokens ?? this.job.trace.requests * this.job.trace.maxTotalTokens,
      prefill,
    });
    let settled: ReadonlyMap<string, boolean> = new Map();
    let outOfBudget = false;
    const shouldStop: ShouldStop = (reqs, nowNs) => {
      settled = settler.update(reqs, nowNs);
      if (open.every((s) => settled.has(s.name))) return true;
      outOfBudget = scoutBudgetNs !== null && nowNs >= scoutBudgetNs;
      return outOfBudget;
    };
    const events = await this.deps.runProbe(qps, full ? {} : { shouldStop });
    const stopped = !events.complete;
    const run: RunEvents = {
      ...events,
      complete: !stopped,
      stopReason: stopped
        ? formatStopReason({
            settled: this.job.slos.filter((s) => settled.has(s.name)),
            scouted: outOfBudget ? open.filter((s) => !settled.has(s.name)) : [],
          })
        : null,
    };
    const runId = await this.deps.store.writeRun(run);
    this.ranNow.add(runId);
    const info: RunInfo = {
      runId, fingerprint: run.fingerprint, qps: run.qps, jobId: run.jobId, model: run.model, system: run.system,
      trace: run.trace, seed: run.seed, startedAt: run.startedAt, durationNs: run.durationNs, clock: run.clock,
      complete: run.complete, stopReason: run.stopReason, lagP99Ns: run.lagP99Ns, requests: run.requests.length,
    };
    this.runs.push(info);
    if (this.promptLengths === null) {
      this.promptLengths = [...new Set(run.requests.map((r) => r.promptTokens ?? r.promptTokensRequested))].sort((a, b) => a - b);
      this.totalOutputTokens = run.requests.reduce((s, r) => s + r.outputTokensRequested, 0);
    }
    const names = (slos: Slo[]) => slos.map((s) => s.name).join(', ') || 'none';
    const settledSlos = this.job.slos.filter((s) => settled.has(s.name));
    const scoutedSlos = outOfBudget ? open.filter((s) => !settled.has(s.name)) : [];
    const why = `settled: ${names(settledSlos)}${scoutedSlos.length > 0 ? `; scout out of budget for ${names(scoutedSlos)}` : ''}`;
    const what = stopped ? `stopped at ${(run.durationNs / 1e9).toFixed(0)} s (${why})` : `complete, ${(run.durationNs / 1e9).toFixed(0)} s`;
    this.log(`${qps} QPS: ${what}`);
    return info;
  }
}
