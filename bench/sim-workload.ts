// Shared by the simulator benchmarks: Etalon's traces as schedules (lengths from the public CSVs, clipped to the
// trace's token cap and shuffled with the seed; Poisson arrivals with Etalon's gap clip), built with the load
// generator's own functions so the benchmarks see the same requests a workflow would send. The CSVs are read
// from ../shared/traces (or $HEADROOM_TRACES); without them a benchmark says so and stops.
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScheduledRequest } from '../lib/types.ts';
import { buildUnitArrivals, scaleArrivalsNs } from '../lib/load/arrivals.ts';
import { buildLengths, parseLengthCsv, type LengthPair } from '../lib/load/lengths.ts';

export const TRACES_DIR = process.env.HEADROOM_TRACES ?? fileURLToPath(new URL('../../shared/traces', import.meta.url));

export const TRACES = {
  sharegpt: { file: 'sharegpt_8k_filtered_stats_llama2_tokenizer.csv', maxTotalTokens: 8192 },
  arxiv: { file: 'arxiv_summarization_stats_llama2_tokenizer_filtered_v2.csv', maxTotalTokens: 4096 },
} as const;
export type TraceName = keyof typeof TRACES;

const rowsCache = new Map<string, LengthPair[]>();

export function readTraceRows(name: TraceName): LengthPair[] {
  const path = join(TRACES_DIR, TRACES[name].file);
  if (!existsSync(path)) {
    console.error(`bench: trace ${path} not found (set HEADROOM_TRACES to the folder holding Etalon's CSVs)`);
    process.exit(0);
  }
  let rows = rowsCache.get(path);
  if (!rows) rowsCache.set(path, (rows = parseLengthCsv(readFileSync(path, 'utf8'), path)));
  return rows;
}

/** The run's requests at `qps`: the same lengths and arrival pattern at every QPS for a given seed. */
export function buildTraceSchedule(name: TraceName, requests: number, seed: number, qps: number): ScheduledRequest[] {
  const lengths = buildLengths({ type: 'csv', path: TRACES[name].file, url: null, sha256: null }, requests, seed, TRACES[name].maxTotalTokens, readTraceRows(name));
  const arrivals = scaleArrivalsNs(buildUnitArrivals({ type: 'poisson', etalonClip: true }, requests, seed), qps);
  return lengths.map(([promptTokens, outputTokens], idx) => ({ idx, scheduledNs: arrivals[idx], promptTokens, outputTokens }));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
