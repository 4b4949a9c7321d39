// Profiling prefill: one request at a time on an otherwise idle server, a few per prompt length, after a warm-up
// (Etalon sends one request per length with none, so its first point carries the server's cold start).

import type { Job, ProfileSettings } from '../types.ts';
import { idleTtftNs } from '../sim/virtual.ts';
import { medianOf } from './fit.ts';
import { DEFAULT_PROFILE_LENGTHS } from './lengths.ts';
import type { PrefillPoint } from './point.ts';

export type { PrefillPoint } from './point.ts';
export { httpMeasure, type HttpMeasureOptions } from './measure-http.ts';

/** Sends `repetitions` requests of `promptTokens` tokens one after another; returns their TTFTs in ns. */
export interface Measure {
  (promptTokens: number, repetitions: number): Promise<number[]>;
}

/**
 * Measures every length in settings.lengths (default powers of two 256..16384; callers cap them to the context,
 * see profileSettingsFor) and returns the median TTFT per length, shortest first. Warm-up first: one request at
 * the shortest and one at the longest length, discarded, so lazy allocations and compilations are paid before.
 */
export async function profilePrefill(
  settings: ProfileSettings,
  measure: Measure,
  log: (line: string) => void = () => {},
): Promise<PrefillPoint[]> {
  const lengths = [...new Set(settings.lengths.length > 0 ? settings.lengths : DEFAULT_PROFILE_LENGTHS)].sort((a, b) => a - b);
  if (!(Number.isInteger(settings.repetitions) && settings.repetitions >= 1)) {
    throw new Error(`profilePrefill: expected repetitions to be a positive integer, got ${settings.repetitions}`);
  }
  await measure(lengths[0], 1);
  if (lengths.length > 1) await measure(lengths[lengths.length - 1], 1);
  const points: PrefillPoint[] = [];
  for (const n of lengths) {
    const ttfts = await measure(n, settings.repetitions);
    if (ttfts.length !== settings.repetitions) {
      throw new Error(`profilePrefill: expected ${settings.repetitions} TTFTs at ${n} tokens, got ${ttfts.length}`);
    }
    const point = { promptTokens: n, ttftNs: medianOf(ttfts) };
    log(`prefill ${n} tokens: ${(point.ttftNs / 1e6).toFixed(1)} ms (median of ${ttfts.length})`);
    points.push(point);
  }
  return points;
}

/** The simulated engine in virtual time: the TTFT of one request on an idle simulated server (deterministic). */
export function virtualMeasure(job: Job): Measure {
  if (job.system.engine !== 'sim') {
    throw new Error(`virtualMeasure: job ${job.id} runs engine ${job.system.engine}; expected sim (a real server needs httpMeasure)`);
  }
  return async (promptTokens, repetitions) => {
    const ns = idleTtftNs(job.system.sim, job.model.simModel, job.parallel, promptTokens);
    return new Array<number>(repetitions).fill(ns);
  };
}
