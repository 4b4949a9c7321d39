// Bounded Zipf over the integers [min, max]: P(v) is proportional to (v - min + 1)^-theta, so min is the most
// likely value. Sampled by inverting the exact discrete CDF (binary search over the cumulative table), not by
// rounding a continuous power law, so every value has its exact probability. (Etalon's generator has the same
// rank-to-value mapping but samples with YCSB's closed-form approximation, whose normaliser skips the last rank
// and whose exponent 1/(1 - theta) is undefined at theta = 1; this one is exact for every theta >= 0.)
import type { Rng } from './prng.ts';

const MAX_RANGE = 1 << 22;

export interface ZipfSampler {
  sample(rng: Rng): number;
  /** P(value), for tests and reports. */
  probability(value: number): number;
}

export function createZipf(min: number, max: number, theta: number): ZipfSampler {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max) {
    throw new Error(`Zipf lengths: expected integers min <= max, got [${min}, ${max}]`);
  }
  if (!(theta >= 0) || !Number.isFinite(theta)) throw new Error(`Zipf lengths: expected theta >= 0, got ${theta}`);
  const n = max - min + 1;
  if (n > MAX_RANGE) throw new Error(`Zipf lengths: expected a range of at most ${MAX_RANGE} values, got ${n}`);
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) {
    sum += Math.pow(k, -theta);
    cdf[k - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  cdf[n - 1] = 1;
  return {
    sample(rng) {
      const u = rng.next();
      let lo = 0, hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      return min + lo;
    },
    probability(value) {
      if (value < min || value > max) return 0;
      const i = value - min;
      return cdf[i]! - (i > 0 ? cdf[i - 1]! : 0);
    },
  };
}
