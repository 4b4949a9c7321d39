// Fluid token generation rate (metrics.md): 1 / p99 over requests of the smallest per-token deadline that keeps a
// request's miss rate <= 10% with its first token ignored (Etalon's TARGET_DEADLINE_MISS_RATE_FOR_THROUGHPUT).
import { BIGINT, BOOLEAN, DOUBLE } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readSqlFile } from '../store/sql-text.ts';
import { connectToRun, runSqlScript, toNumber } from './run-source.ts';

export const FLUID_TARGET_MISS_RATE = 0.1;
const MAX_STEPS = 200;
/** Screens bisecting around the p99 rank stop after this many, or once this few requests stay open. */
const MAX_SCREENS = 12;
const FEW_OPEN = 32;

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

/** Brackets on each request's exact threshold (fluid-init.sql, fluid-screen.sql), then Etalon's bisection for the
 * requests still open until no bracket that matters is open; midpoints outside a request's bracket need no tokens. */
async function bisectDeadlines(conn: DuckDBConnection, target: number, ticksPerS: number, prune: boolean): Promise<void> {
  const init = await runSqlScript(conn, readSqlFile(import.meta.url, './sql/fluid-init.sql'), { target }, { target: DOUBLE });
  const [lbAtP99, t0, span, maxK] = init[0].map(toNumber);
  const scale = 2 ** packedCountBits(span);
  const screen = readSqlFile(import.meta.url, './sql/fluid-screen.sql');
  const types = { target: DOUBLE, dd: BIGINT, t0: BIGINT, scale: BIGINT, prune: BOOLEAN };
  // Without pruning one screen still narrows every bracket. With it, screens search between the floor and the
  // ceiling of the p99 rank's threshold while many requests stay open; each reads only the open ones. The
  // threshold usually lies just above the floor (3% on bench/metrics.ts's run), so a screen steps up from the
  // floor by 1/64, 1/32, ... of it, or halves the bracket when that is the smaller step.
  let dd = Math.floor(lbAtP99) - 1;
  for (let k = 0; k < (prune ? MAX_SCREENS : 1); k++) {
    // A request's miss count is at most K + span / dd (a late token misses 1 + its gap / dd) and must stay below
    // scale; a run too long for that is searched by the steps alone. Every request passes at dd >= span.
    if (!(Number.isFinite(dd) && dd >= 1 && dd < span && maxK + span / dd < scale - 1)) break;
    const rows = await runSqlScript(conn, screen, { target, dd: BigInt(dd), t0: BigInt(t0), scale: BigInt(scale), prune }, types);
    if (k === 0) await runSqlScript(conn, readSqlFile(import.meta.url, './sql/fluid-ceiling.sql'), {}, {});
    const [aLo, bHi, open] = rows[0].map(toNumber);
    if (open <= FEW_OPEN || !(bHi - aLo > ticksPerS * 1e-4)) break;
    dd = Math.floor(Math.min((aLo + bHi) / 2, aLo * (1 + 2 ** (k - 6))));
  }
  await runSqlScript(conn, readSqlFile(import.meta.url, './sql/fluid-state.sql'), { tps: ticksPerS }, { tps: DOUBLE });
  const step = readSqlFile(import.meta.url, './sql/fluid-step.sql');
  for (let k = 0; k < MAX_STEPS; k++) {
    const rows = await runSqlScript(conn, step, { target, tps: ticksPerS, prune }, { target: DOUBLE, tps: DOUBLE, prune: BOOLEAN });
    if (toNumber(rows[0][0]) === 0) return;
  }
  throw new Error(`fluid token rate: bisection did not close within ${MAX_STEPS} steps`);
}

/** Bits left for the miss count in hr_fluid_missed's BIGINT accumulator once the next deadline (at most twice the
 * run's token span past its first token) has its share. */
export function packedCountBits(spanTicks: number): number {
  if (!Number.isFinite(spanTicks) || spanTicks < 0) return 0;
  return 62 - Math.ceil(Math.log2(2 * spanTicks + 2));
}
