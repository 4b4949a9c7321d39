// Arrival times. They are drawn once at unit rate (1 request/s) and divided by the QPS, so the same seed gives
// the same sequence of gaps at every QPS, only squeezed: probes at different QPS are then comparable.
// The first request arrives at 0.
import type { ArrivalSpec } from '../types.ts';
import { parseCsv } from './csv.ts';
import { createRng, sampleExp, sampleGamma } from './prng.ts';

/** Arrival offsets in seconds at 1 request/s (mean gap 1); `timestampsSec` feeds the `timestamps` type. */
export function buildUnitArrivals(spec: ArrivalSpec, count: number, seed: number, timestampsSec?: number[]): number[] {
  const rng = createRng(seed, 'arrivals');
  const out = new Array<number>(count);
  let t = 0;
  switch (spec.type) {
    case 'static':
      for (let i = 0; i < count; i++) out[i] = i;
      return out;
    case 'poisson':
      for (let i = 0; i < count; i++) {
        out[i] = t;
        const gap = sampleExp(rng);
        // Etalon caps each gap at 3 mean gaps, which thins the tail of a true Poisson process.
        t += spec.etalonClip ? Math.min(gap, 3) : gap;
      }
      return out;
    case 'gamma': {
      if (!(spec.cv > 0)) throw new Error(`Gamma arrivals: expected cv > 0, got ${spec.cv}`);
      const shape = 1 / (spec.cv * spec.cv);
      for (let i = 0; i < count; i++) {
        out[i] = t;
        t += sampleGamma(rng, shape) / shape;
      }
      return out;
    }
    case 'timestamps':
      if (!timestampsSec) throw new Error(`Timestamp arrivals (${spec.path}): the timestamps were not read`);
      return scaleTimestamps(timestampsSec, count, spec.path);
  }
}

/** Recorded arrival times rescaled to mean rate 1; a trace shorter than the run is replayed back to back. */
function scaleTimestamps(timestampsSec: number[], count: number, source: string): number[] {
  const sorted = [...timestampsSec].sort((a, b) => a - b);
  if (sorted.length < 2) throw new Error(`${source}: expected at least 2 arrival times, found ${sorted.length}`);
  const t0 = sorted[0]!;
  const span = sorted[sorted.length - 1]! - t0;
  if (!(span > 0)) throw new Error(`${source}: expected arrival times spread over time, found all at ${t0}`);
  const rate = (sorted.length - 1) / span;
  const period = sorted.length; // one pass covers sorted.length - 1 mean gaps, plus one gap to the next pass
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const pass = Math.floor(i / sorted.length);
    out[i] = pass * period + (sorted[i % sorted.length]! - t0) * rate;
  }
  return out;
}

/** Arrival seconds from a CSV: column arrival_time, timestamp or the first; numbers or date-times. */
export function parseTimestampsCsv(text: string, source: string): number[] {
  const table = parseCsv(text, source);
  const named = ['arrival_time', 'timestamp', 'arrival_s', 'time'].find((c) => table.columns.includes(c));
  const at = named ? table.columns.indexOf(named) : 0;
  return table.rows.map((row, i) => {
    const cell = row[at] ?? '';
    const num = Number(cell);
    if (cell !== '' && Number.isFinite(num)) return num;
    const ms = Date.parse(cell);
    if (Number.isFinite(ms)) return ms / 1000;
    throw new Error(`${source}: row ${i + 2}: expected an arrival time in seconds or a date-time, got \`${cell}\``);
  });
}

/** Scheduled run-clock times in integer nanoseconds. */
export function scaleArrivalsNs(unitSec: number[], qps: number): number[] {
  if (!(qps > 0)) throw new Error(`Expected a QPS > 0, got ${qps}`);
  return unitSec.map((t) => Math.round((t * 1e9) / qps));
}
