// Built-in synthetic length distributions (sharegpt, arxiv, bwb) fitted to the public Etalon traces by
// bench/load-fit-synthetic.ts: each marginal (prompt, output) is a quantile table, and the two are joined by a
// Gaussian copula whose correlation is that of the traces' normal scores. So the marginals match the traces to
// the table's resolution and the prompt/output dependence (rank correlation) is kept, with no trace data shipped.
import { readFileSync } from 'node:fs';
import type { Rng } from './prng.ts';
import { sampleNormal } from './prng.ts';

export interface SyntheticModel {
  /** Probabilities of the quantile tables, ascending from 0 to 1. */
  probs: number[];
  prompt: number[];
  output: number[];
  /** Correlation of the Gaussian copula. */
  rho: number;
  /** Where the fit came from, and the size of the trace. */
  source: string;
  rows: number;
}

export type SyntheticName = 'sharegpt' | 'arxiv' | 'bwb';

let models: Record<SyntheticName, SyntheticModel> | null = null;

export function readSyntheticModels(): Record<SyntheticName, SyntheticModel> {
  models ??= JSON.parse(readFileSync(new URL('./synthetic.json', import.meta.url), 'utf8'));
  return models!;
}

/** Standard normal CDF (erf by Abramowitz and Stegun 7.1.26, error < 1.5e-7: far below a table step). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Linear interpolation in a quantile table at probability u. */
export function interpolateQuantile(probs: number[], values: number[], u: number): number {
  if (u <= probs[0]!) return values[0]!;
  let lo = 0, hi = probs.length - 1;
  if (u >= probs[hi]!) return values[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (probs[mid]! <= u) lo = mid;
    else hi = mid;
  }
  const w = (u - probs[lo]!) / (probs[hi]! - probs[lo]!);
  return values[lo]! + w * (values[hi]! - values[lo]!);
}

export function sampleSynthetic(model: SyntheticModel, rng: Rng): [number, number] {
  const z1 = sampleNormal(rng);
  const z2 = model.rho * z1 + Math.sqrt(1 - model.rho * model.rho) * sampleNormal(rng);
  const prompt = Math.max(1, Math.round(interpolateQuantile(model.probs, model.prompt, normalCdf(z1))));
  const output = Math.max(1, Math.round(interpolateQuantile(model.probs, model.output, normalCdf(z2))));
  return [prompt, output];
}
