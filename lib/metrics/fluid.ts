// Fluid token generation rate (metrics.md): 1 / p99 over requests of the smallest per-token deadline that keeps a
// request's miss rate <= 10% with its first token ignored (Etalon's TARGET_DEADLINE_MISS_RATE_FOR_THROUGHPUT).
import { BOOLEAN, DOUBLE } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readSqlFile } from '../store/sql-text.ts';
import { connectToRun, runSqlScript, toNumber } from './run-source.ts';

export const FLUID_TARGET_MISS_RATE = 0.1;
const MAX_STEPS = 200;

export interface FluidResult {
  tokensPerS: number;
  /** p99 of the per-request smallest deadlines, seconds. */
  p99DeadlineS: number;
  /** Etalon's smallest deadline per judged request index, seconds (Infinity for a failed request); exact only
   * with everyRequest, otherwise a bound for requests that cannot be at the p99. */
  perRequest: Map<number, number>;
}

export interface FluidOptions {
  ticksPerS?: number;
  targetMissRate?: number;
  /** Refine every request (exact perRequest values) rather than only those that can be at the p99. */
  everyRequest?: boolean;
}

export async function readFluidRate(instance: DuckDBInstance, requestsParquet: string, opts: FluidOptions = {}): Promise<FluidResult> {
  const conn = await connectToRun(instance, requestsParquet);
  try {
    await bisectDeadlines(conn, opts.targetMissRate ?? FLUID_TARGET_MISS_RATE, opts.ticksPerS ?? 1e9, !opts.everyRequest);
    const r = await conn.runAndReadAll(readSqlFile(import.meta.url, './sql/fluid-result.sql'));
    const p99 = toNumber(r.getRowsJS()[0][0]);
    const per = await conn.runAndReadAll('SELECT request_idx, deadline_s FROM fluid_state');
    const perRequest = new Map<number, number>();
    for (const [idx, d] of per.getRowsJS()) perRequest.set(toNumber(idx), toNumber(d));
    const tokensPerS = Number.isNaN(p99) ? NaN : p99 === Infinity ? 0 : 1 / p99;
    return { tokensPerS, p99DeadlineS: p99, perRequest };
  } finally {
    conn.closeSync();
  }
}

/** Bisection for all requests at once until no bracket that matters is open (about 12 steps that read tokens,
 * on fewer requests each time when pruning for the p99). */
async function bisectDeadlines(conn: DuckDBConnection, target: number, ticksPerS: number, prune: boolean): Promise<void> {
  await runSqlScript(conn, readSqlFile(import.meta.url, './sql/fluid-init.sql'), { tps: ticksPerS, target }, { tps: DOUBLE, target: DOUBLE });
  const step = readSqlFile(import.meta.url, './sql/fluid-step.sql');
  for (let k = 0; k < MAX_STEPS; k++) {
    const rows = await runSqlScript(conn, step, { target, tps: ticksPerS, prune }, { target: DOUBLE, tps: DOUBLE, prune: BOOLEAN });
    if (toNumber(rows[0][0]) === 0) return;
  }
  throw new Error(`fluid token rate: bisection did not close within ${MAX_STEPS} steps`);
}
