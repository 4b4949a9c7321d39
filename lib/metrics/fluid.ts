// Fluid token generation rate (metrics.md): 1 / p99 over requests of the smallest per-token deadline that keeps a
// request's miss rate <= 10% with its first token ignored (Etalon's TARGET_DEADLINE_MISS_RATE_FOR_THROUGHPUT).
import { DOUBLE } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readSqlFile } from '../store/sql-text.ts';
import { connectToRun, toNumber } from './run-source.ts';

export const FLUID_TARGET_MISS_RATE = 0.1;
const MAX_STEPS = 200;

export interface FluidResult {
  tokensPerS: number;
  /** p99 of the per-request smallest deadlines, seconds. */
  p99DeadlineS: number;
  /** Smallest deadline per request index, seconds (Infinity for a failed request). */
  perRequest: Map<number, number>;
}

export async function readFluidRate(instance: DuckDBInstance, requestsParquet: string, ticksPerS = 1e9,
  targetMissRate = FLUID_TARGET_MISS_RATE): Promise<FluidResult> {
  const conn = await connectToRun(instance, requestsParquet);
  try {
    await bisectDeadlines(conn, targetMissRate, ticksPerS);
    const r = await conn.runAndReadAll(readSqlFile(import.meta.url, './sql/fluid-result.sql'));
    const p99 = toNumber(r.getRowsJS()[0][0]);
    const per = await conn.runAndReadAll('SELECT request_idx, CASE WHEN failed THEN NULL ELSE deadline_s END FROM fluid');
    const perRequest = new Map<number, number>();
    for (const [idx, lo] of per.getRowsJS()) perRequest.set(toNumber(idx), lo === null ? Infinity : toNumber(lo));
    const tokensPerS = Number.isNaN(p99) ? NaN : p99 === Infinity ? 0 : 1 / p99;
    return { tokensPerS, p99DeadlineS: p99, perRequest };
  } finally {
    conn.closeSync();
  }
}

/** Bisection for all requests at once, one UPDATE per step, until every bracket is closed (about 47 steps from
 * Etalon's [0, 1e10] s; only steps whose midpoint is below a request's largest gap read its tokens). */
async function bisectDeadlines(conn: DuckDBConnection, target: number, ticksPerS: number): Promise<void> {
  await conn.run(readSqlFile(import.meta.url, './sql/fluid-init.sql'), { tps: ticksPerS }, { tps: DOUBLE });
  const step = readSqlFile(import.meta.url, './sql/fluid-step.sql');
  for (let k = 0; k < MAX_STEPS; k++) {
    const r = await conn.run(step, { target, tps: ticksPerS }, { target: DOUBLE, tps: DOUBLE });
    if (r.rowsChanged === 0) return;
  }
  throw new Error(`fluid token rate: bisection did not close within ${MAX_STEPS} steps`);
}
