// SLO verdicts for one run: every SLO of the list from one pass of lib/metrics/sql/evaluate.sql.
import { BOOLEAN, DOUBLE, LIST, listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { PercentileBound, PrefillTable, Slo, SloVerdict } from '../types.ts';
import { readSqlFile } from '../store/sql-text.ts';
import { connectToRun, toNumber } from './run-source.ts';
import { formatValueName, ttftFigure } from './slo-values.ts';
import { needsPrefillTable } from './slo-prefill.ts';

export interface Evaluation {
  runId: string;
  valid: boolean;
  invalidReason: string | null;
  verdicts: SloVerdict[];
}

export interface EvaluateOptions {
  /** Predicted prefill time per prompt length (in ticks); deadline SLOs and dynamic TTFT bounds need it. */
  prefill?: PrefillTable | null;
  /** A run whose p99 client lag (sent - scheduled) exceeds this many ticks is invalid. Default 10 ms. */
  maxLagNs?: number;
  /** Ticks per second of the stored times: 1e9 (ns) in the product; the golden cases load finer ticks. */
  ticksPerS?: number;
}

export const DEFAULT_MAX_LAG_NS = 10_000_000;

interface Figures {
  ttft: number[];
  /** TTFT minus predicted prefill, over requests (only when some TTFT bound is dynamic). */
  ttftDyn: number[];
  tpot: number[];
  tbt: number[];
  missRate: Map<number, number[]>;
  lagP99S: number;
  requests: number;
  missingPrefill: number[];
}

export async function evaluateRun(instance: DuckDBInstance, runId: string, requestsParquet: string, slos: Slo[],
  opts: EvaluateOptions = {}): Promise<Evaluation> {
  const tps = opts.ticksPerS ?? 1e9;
  const maxLagNs = opts.maxLagNs ?? DEFAULT_MAX_LAG_NS;
  const deadlines = slos.flatMap((s, i) => (s.type === 'deadline' ? [{ i, s }] : []));
  const needing = slos.filter(needsPrefillTable);
  if (needing.length > 0 && !opts.prefill) {
    const named = needing.map((s) => `${s.type === 'deadline' ? 'deadline' : 'dynamic-TTFT'} SLO "${s.name}"`).join(', ');
    throw new Error(`evaluating run ${runId}: ${named} needs a ` +
      `prefill table (predicted prefill time per prompt length), got none; profile the model first or pass opts.prefill`);
  }
  const dyn = slos.some((s) => s.type !== 'deadline' && ttftFigure(s.ttft) === 'ttft_dyn');
  const pcts = [...new Set(slos.flatMap(percentilesOf))];
  if (pcts.length === 0) pcts.push(0.5);
  const conn = await connectToRun(instance, requestsParquet);
  try {
    await conn.run('CREATE OR REPLACE TEMP TABLE eval_deadlines (slo_idx INTEGER, dd BIGINT, slack BIGINT); ' +
      'CREATE OR REPLACE TEMP TABLE eval_prefill (prompt_tokens INTEGER, prefill BIGINT)');
    await appendInts(conn, 'eval_deadlines', deadlines.map(({ i, s }) => s.type === 'deadline' ? [i, s.tbtNs, s.ttftSlackNs] : []));
    await appendInts(conn, 'eval_prefill', [...(opts.prefill ?? new Map()).entries()].map(([p, ns]) => [p, ns]));
    const figures = await readFigures(conn, pcts, tps, dyn);
    if (figures.missingPrefill.length > 0) {
      throw new Error(`evaluating run ${runId}: the prefill table has no entry for prompt length(s) ` +
        `${figures.missingPrefill.slice(0, 10).join(', ')}${figures.missingPrefill.length > 10 ? ', ...' : ''}; ` +
        `expected one for every prompt length of the run`);
    }
    const at = (list: number[], p: number) => list[pcts.indexOf(p)] ?? NaN;
    const verdicts = slos.map((s, i) => verdictOf(s, i, figures, at, tps));
    let invalidReason: string | null = null;
    if (figures.requests === 0) invalidReason = 'the run has no requests';
    else if (!Number.isFinite(figures.lagP99S)) invalidReason = 'no request of the run was sent';
    else if (figures.lagP99S > maxLagNs / tps) {
      invalidReason = `client lag p99 ${(figures.lagP99S * 1e3).toFixed(3)} ms exceeds the ${(maxLagNs / tps * 1e3).toFixed(3)} ms bound`;
    }
    return { runId, valid: invalidReason === null, invalidReason, verdicts };
  } finally {
    conn.closeSync();
  }
}

function percentilesOf(s: Slo): number[] {
  if (s.type === 'deadline') return [s.percentile];
  if (s.type === 'tbt_ttft') return [s.tbt.percentile, s.ttft.percentile];
  return [s.ttft.percentile, s.tpot.percentile];
}

function verdictOf(s: Slo, i: number, f: Figures, at: (l: number[], p: number) => number, tps: number): SloVerdict {
  const values: Record<string, number> = {};
  const within = (name: string, v: number, bound: number) => {
    values[name] = v;
    return v <= bound; // NaN (no data) fails
  };
  // A dynamic TTFT bound is judged on TTFT minus predicted prefill, under its own value name.
  const ttftWithin = (b: PercentileBound) =>
    within(formatValueName(ttftFigure(b), b.percentile), at(b.minusPredictedPrefill === true ? f.ttftDyn : f.ttft, b.percentile), b.maxNs / tps);
  let pass: boolean;
  if (s.type === 'deadline') {
    pass = within(formatValueName('miss_rate', s.percentile), at(f.missRate.get(i) ?? [], s.percentile), s.maxMissRate);
  } else if (s.type === 'tbt_ttft') {
    const a = within(formatValueName('tbt', s.tbt.percentile), at(f.tbt, s.tbt.percentile), s.tbt.maxNs / tps);
    const b = ttftWithin(s.ttft);
    pass = a && b;
  } else {
    const a = ttftWithin(s.ttft);
    const b = within(formatValueName('tpot', s.tpot.percentile), at(f.tpot, s.tpot.percentile), s.tpot.maxNs / tps);
    pass = a && b;
  }
  return { slo: s.name, type: s.type, pass, values };
}

async function readFigures(conn: DuckDBConnection, pcts: number[], tps: number, dyn: boolean): Promise<Figures> {
  const reader = await conn.runAndReadAll(readSqlFile(import.meta.url, './sql/evaluate.sql'),
    { tps, pcts: listValue(pcts), dyn }, { tps: DOUBLE, pcts: LIST(DOUBLE), dyn: BOOLEAN }); // typed: a percentile of 1 is no integer
  const f: Figures = { ttft: [], ttftDyn: [], tpot: [], tbt: [], missRate: new Map(), lagP99S: NaN, requests: 0, missingPrefill: [] };
  for (const row of reader.getRowsJS()) {
    const [metric, sloIdx, q] = row as [string, number | null, unknown[] | null];
    const list = (q ?? []).map(toNumber);
    if (metric === 'ttft') f.ttft = list;
    else if (metric === 'ttft_dyn') f.ttftDyn = list;
    else if (metric === 'tpot') f.tpot = list;
    else if (metric === 'tbt') f.tbt = list;
    else if (metric === 'lag') f.lagP99S = list[0];
    else if (metric === 'requests') f.requests = list[0];
    else if (metric === 'missing_prefill') f.missingPrefill = list;
    else if (metric === 'miss_rate') f.missRate.set(toNumber(sloIdx), list);
  }
  return f;
}

async function appendInts(conn: DuckDBConnection, table: string, rows: number[][]): Promise<void> {
  const appender = await conn.createAppender(table);
  try {
    for (const [a, ...rest] of rows) {
      appender.appendInteger(a);
      for (const v of rest) appender.appendBigInt(BigInt(v));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
