// Golden metric cases (Etalon's own metric code; format in ../shared/golden/README.md) run through the
// product's path: cases become runs written by the store, then the store's SQL evaluates them.
// Inputs are decimal seconds; they are loaded at 1 tick = 1 ps (ticksPerS 1e12) so that rounding them to whole
// ticks stays far below the 1e-9 relative tolerance (whole ns would move a 0.0116 s gap by up to 4e-8 relative).
// The SQL is the same; only the ticks-per-second scale it divides by differs.
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { RequestEvents, RunEvents, Slo } from '../types.ts';
import type { Store } from '../store/index.ts';
import { readSqlFile } from '../store/sql-text.ts';
import { evaluateRun } from './evaluate.ts';
import { readFluidRate } from './fluid.ts';
import { connectToRun, toNumber } from './run-source.ts';
import { formatValueName } from './slo-values.ts';

export const GOLDEN_TICKS_PER_S = 1e12;
const S = GOLDEN_TICKS_PER_S;
const REL_TOL = 1e-9;
const ANY: Slo['appliesTo'] = { models: null, systems: null, traces: null };

export interface RequestMissCase {
  ttft: number; tbt: number[]; ttft_deadline: number; tbt_deadline: number; ignore_first_token: boolean;
  expect_exact: { miss_rate: number; missed: number; total: number };
}
export interface MinTbtCase { tbt: number[]; target_miss_rate: number; expect: { min_tbt_deadline: number }; tolerance: number }
export type SloCheck =
  | { slo_type: 'deadline'; tbt_slo: number; deadline_miss_rate_slo: number; deadline_miss_rate_percentile: number;
      expect: { deadline_miss_rate: number; under_slo: boolean } }
  | { slo_type: 'tbt_ttft'; tbt_slo: number; tbt_percentile: number; ttft_slo: number; ttft_percentile: number;
      expect: { tbt: number; ttft: number; under_slo: boolean } }
  | { slo_type: 'ttft_tpot'; tpot_slo: number; tpot_percentile: number; ttft_slo: number; ttft_percentile: number;
      expect: { ttft: number; tpot: number; under_slo: boolean } };
export interface SloRunCase {
  requests: { ttft: number; tbt: number[]; prompt_tokens: number; ttft_deadline: number }[];
  checks: SloCheck[];
  expect_throughput: unknown;
}

export interface SectionResult { passed: number; failed: number; skipped: number; failures: string[] }

const ticks = (s: number) => Math.round(s * S);

/** A request whose first token comes ttft after arrival (t = 0), then one token per gap. */
function goldenRequest(idx: number, ttft: number, gaps: number[], promptTokens = 1): RequestEvents {
  const tokenNs = [ticks(ttft)];
  for (const g of gaps) tokenNs.push(tokenNs[tokenNs.length - 1] + ticks(g));
  return {
    idx, scheduledNs: 0, sentNs: 0, promptTokensRequested: promptTokens, promptTokens, outputTokensRequested: tokenNs.length,
    outputTokens: tokenNs.length, status: 'ok', httpStatus: 200, error: null, tokenSource: 'sim', tokenNs, endNs: tokenNs[tokenNs.length - 1],
  };
}

function goldenRun(name: string, requests: RequestEvents[]): RunEvents {
  return {
    fingerprint: `golden${name}`, qps: 1, jobId: `golden/${name}`, model: 'golden', system: 'etalon', trace: name, seed: 0,
    startedAt: new Date(0).toISOString(), durationNs: 0, clock: 'virtual', complete: true, stopReason: null, lagP99Ns: 0,
    requests, serverSamples: [],
  };
}

const requestsPath = (store: Store, runId: string) => join(store.dir, 'runs', runId, 'requests.parquet');

function relClose(got: number, want: number, rel: number): boolean {
  if (got === want) return true;
  return Math.abs(got - want) <= rel * Math.max(Math.abs(want), Math.abs(got));
}

export async function checkRequestMissCases(store: Store, instance: DuckDBInstance, cases: RequestMissCase[]): Promise<SectionResult> {
  const res: SectionResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  if (cases.length === 0) return res;
  const runId = await store.writeRun(goldenRun('request_deadline_miss', cases.map((c, i) => goldenRequest(i, c.ttft, c.tbt))));
  const conn = await connectToRun(instance, requestsPath(store, runId));
  try {
    await conn.run('CREATE OR REPLACE TEMP TABLE miss_params (request_idx INTEGER, dp BIGINT, dd BIGINT, skip_first BOOLEAN)');
    const ap = await conn.createAppender('miss_params');
    cases.forEach((c, i) => {
      ap.appendInteger(i); ap.appendBigInt(BigInt(ticks(c.ttft_deadline))); ap.appendBigInt(BigInt(ticks(c.tbt_deadline)));
      ap.appendBoolean(c.ignore_first_token); ap.endRow();
    });
    ap.closeSync();
    const rows = (await conn.runAndReadAll(readSqlFile(import.meta.url, './sql/request-miss.sql'))).getRowsJS();
    for (const [idx, missed, total, rate] of rows) {
      const i = toNumber(idx);
      const want = cases[i].expect_exact;
      const got = { missed: toNumber(missed), total: toNumber(total), miss_rate: toNumber(rate) };
      if (got.missed === want.missed && got.total === want.total && relClose(got.miss_rate, want.miss_rate, 1e-15)) res.passed++;
      else { res.failed++; res.failures.push(`request_deadline_miss[${i}]: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`); }
    }
  } finally {
    conn.closeSync();
  }
  return res;
}

export async function checkMinTbtCases(store: Store, instance: DuckDBInstance, cases: MinTbtCase[]): Promise<SectionResult> {
  const res: SectionResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  // Etalon feeds [0] + tbt with the first token ignored: the request starts at its first token.
  const byTarget = new Map<number, number[]>();
  cases.forEach((c, i) => byTarget.set(c.target_miss_rate, [...(byTarget.get(c.target_miss_rate) ?? []), i]));
  for (const [target, idxs] of byTarget) {
    const runId = await store.writeRun(goldenRun('min_tbt_deadline', idxs.map((i) => goldenRequest(i, 0, cases[i].tbt))));
    const fluid = await readFluidRate(instance, requestsPath(store, runId), { ticksPerS: S, targetMissRate: target, everyRequest: true });
    for (const i of idxs) {
      const got = fluid.perRequest.get(i) ?? NaN;
      const c = cases[i];
      if (Math.abs(got - c.expect.min_tbt_deadline) <= c.tolerance) res.passed++;
      else { res.failed++; res.failures.push(`min_tbt_deadline[${i}]: expected ${c.expect.min_tbt_deadline} +- ${c.tolerance}, got ${got}`); }
    }
  }
  return res;
}

function sloOf(c: SloCheck, k: number): Slo {
  const name = `check${k}`;
  if (c.slo_type === 'deadline') {
    return { name, type: 'deadline', tbtNs: ticks(c.tbt_slo), ttftSlackNs: 0, maxMissRate: c.deadline_miss_rate_slo,
      percentile: c.deadline_miss_rate_percentile, appliesTo: ANY };
  }
  if (c.slo_type === 'tbt_ttft') {
    return { name, type: 'tbt_ttft', tbt: { maxNs: ticks(c.tbt_slo), percentile: c.tbt_percentile },
      ttft: { maxNs: ticks(c.ttft_slo), percentile: c.ttft_percentile }, appliesTo: ANY };
  }
  return { name, type: 'ttft_tpot', ttft: { maxNs: ticks(c.ttft_slo), percentile: c.ttft_percentile },
    tpot: { maxNs: ticks(c.tpot_slo), percentile: c.tpot_percentile }, appliesTo: ANY };
}

/** Golden expectation names -> our SloVerdict.values names. */
function expectedValues(c: SloCheck): Record<string, number> {
  if (c.slo_type === 'deadline') return { [formatValueName('miss_rate', c.deadline_miss_rate_percentile)]: c.expect.deadline_miss_rate };
  if (c.slo_type === 'tbt_ttft') {
    return { [formatValueName('tbt', c.tbt_percentile)]: c.expect.tbt, [formatValueName('ttft', c.ttft_percentile)]: c.expect.ttft };
  }
  return { [formatValueName('ttft', c.ttft_percentile)]: c.expect.ttft, [formatValueName('tpot', c.tpot_percentile)]: c.expect.tpot };
}

export async function checkSloRunCases(store: Store, instance: DuckDBInstance, runs: SloRunCase[]): Promise<SectionResult> {
  const res: SectionResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const [r, run] of runs.entries()) {
    const runId = await store.writeRun(goldenRun(`slo_runs${r}`, run.requests.map((q, i) => goldenRequest(i, q.ttft, q.tbt, q.prompt_tokens))));
    const prefill = new Map<number, number>();
    for (const q of run.requests) {
      const had = prefill.get(q.prompt_tokens);
      if (had !== undefined && had !== ticks(q.ttft_deadline)) throw new Error(`slo_runs[${r}]: prompt length ${q.prompt_tokens} has two TTFT deadlines; a prefill table cannot express that`);
      prefill.set(q.prompt_tokens, ticks(q.ttft_deadline));
    }
    const slos = run.checks.map(sloOf);
    const ev = await evaluateRun(instance, runId, requestsPath(store, runId), slos, { prefill, ticksPerS: S, maxLagNs: Number.MAX_SAFE_INTEGER });
    run.checks.forEach((c, k) => {
      const v = ev.verdicts[k];
      const want = expectedValues(c);
      const bad = Object.entries(want).filter(([name, x]) => !relClose(v.values[name], x, REL_TOL));
      if (bad.length === 0 && v.pass === c.expect.under_slo) { res.passed++; return; }
      res.failed++;
      res.failures.push(`slo_runs[${r}].checks[${k}] ${c.slo_type}: expected ${JSON.stringify(want)} under_slo=${c.expect.under_slo}, ` +
        `got ${JSON.stringify(v.values)} pass=${v.pass}`);
    });
    if (run.expect_throughput === null || run.expect_throughput === undefined) continue;
    // Etalon's deadline-based rate: [tpot_based, tbt_based, deadline_based]; its 1e-4 s bisection bounds the match.
    const t = run.expect_throughput as number[] | Record<string, number>;
    const deadlineBased = Array.isArray(t) ? t[2] : Object.entries(t).find(([k]) => /deadline|fluid/.test(k))?.[1];
    if (typeof deadlineBased !== 'number') { res.skipped++; continue; }
    const fluid = await readFluidRate(instance, requestsPath(store, runId), { ticksPerS: S });
    if (Math.abs(1 / fluid.tokensPerS - 1 / deadlineBased) <= 2e-4) res.passed++;
    else { res.failed++; res.failures.push(`slo_runs[${r}].expect_throughput: expected deadline-based rate ${deadlineBased}, got ${fluid.tokensPerS}`); }
  }
  return res;
}

/** An in-memory DuckDB with the metrics macros, for evaluating runs outside a Store. */
export async function openMetricsInstance(): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(readSqlFile(import.meta.url, './sql/macros.sql'));
  conn.closeSync();
  return instance;
}
