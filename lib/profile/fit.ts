// Prefill time vs prompt length:
//   t(n) = constS + perTokenS * n + perToken2S * n^2 + perChunkS * ceil(n / chunkTokens),   all coefficients >= 0
//
// Why this shape: prefill is linear work (GEMMs, per-token CPU) plus attention, which grows with n^2, plus a fixed
// cost per request. A server that prefills in chunks (vLLM chunked prefill / Sarathi, SGLang) pays one iteration's
// fixed cost per chunk, a staircase no polynomial follows; the chunk term is used only when the chunk size is known
// and the profile spans more than one chunk with at least 5 lengths. Non-negative coefficients make the curve rise monotonically and
// extrapolate past the longest profiled prompt without bending down (a random forest, as Etalon fits, is flat
// beyond its last point). Residuals are weighted by 1/t so that a 20 ms prompt counts as much as a 2 s one.

import { solveNnls } from './nnls.ts';
import type { PrefillPoint } from './point.ts';

export interface PrefillFit {
  /** Seconds: fixed cost per request. */
  constS: number;
  /** Seconds per prompt token. */
  perTokenS: number;
  /** Seconds per prompt token squared. */
  perToken2S: number;
  /** Seconds per prefill chunk (iteration); 0 when chunkTokens is null. */
  perChunkS: number;
  /** Tokens per prefill chunk, or null for a server that prefills a prompt in one iteration. */
  chunkTokens: number | null;
  /** Root mean square error of the fit over the points, in ns. */
  rmseNs: number;
  /** Largest |fit - measured| / measured over the points, and the prompt length where it occurs. */
  worstRelErr: number;
  worstAtTokens: number;
}

export interface FitLimits {
  /** Refuse a fit whose worst relative error is above this. */
  maxWorstRelErr: number;
  /** Distinct prompt lengths needed: more than the 3 coefficients, so the fit can be checked at all. */
  minLengths: number;
  /** A longer prompt may be this much (relative) faster than a shorter one before the data counts as non-monotone. */
  monotoneTolerance: number;
}

export interface FitOptions extends Partial<FitLimits> {
  /** Prefill chunk size of the server (null or absent: not chunked). */
  chunkTokens?: number | null;
}

export const DEFAULT_FIT_LIMITS: FitLimits = { maxWorstRelErr: 0.15, minLengths: 4, monotoneTolerance: 0.1 };

export type PrefillFitProblem = 'invalid_point' | 'too_few_points' | 'non_monotone' | 'poor_fit';

/** A fit refused, with the reason in words and as a code. */
export class PrefillFitError extends Error {
  readonly problem: PrefillFitProblem;
  constructor(problem: PrefillFitProblem, message: string) {
    super(message);
    this.name = 'PrefillFitError';
    this.problem = problem;
  }
}

/** Fits the prefill curve to measured points; throws PrefillFitError when the data or the fit is poor. */
export function fitPrefill(points: PrefillPoint[], opts: FitOptions = {}): PrefillFit {
  const lim: FitLimits = {
    maxWorstRelErr: opts.maxWorstRelErr ?? DEFAULT_FIT_LIMITS.maxWorstRelErr,
    minLengths: opts.minLengths ?? DEFAULT_FIT_LIMITS.minLengths,
    monotoneTolerance: opts.monotoneTolerance ?? DEFAULT_FIT_LIMITS.monotoneTolerance,
  };
  validatePoints(points, lim);
  const chunk = opts.chunkTokens ?? null;
  if (chunk !== null && !(Number.isInteger(chunk) && chunk > 0)) {
    throw new Error(`fitPrefill: expected chunkTokens to be a positive integer or null, got ${chunk}`);
  }
  // The chunk term needs a profile that spans more than one chunk (within one, ceil(n/chunk) is the constant
  // column again) and a fifth length, so that four coefficients still leave the fit something to be checked on.
  const distinct = new Set(points.map((p) => p.promptTokens)).size;
  const chunked = chunk !== null && Math.max(...points.map((p) => p.promptTokens)) > chunk && distinct >= 5;

  const rows = points.map((p) => {
    const n = p.promptTokens;
    return chunked ? [1, n, n * n, Math.ceil(n / chunk)] : [1, n, n * n];
  });
  const ysS = points.map((p) => p.ttftNs / 1e9);
  const { coef } = solveNnls(rows, ysS, ysS.map((y) => 1 / y));
  const fit: PrefillFit = {
    constS: coef[0],
    perTokenS: coef[1],
    perToken2S: coef[2],
    perChunkS: chunked ? coef[3] : 0,
    chunkTokens: chunked ? chunk : null,
    rmseNs: 0,
    worstRelErr: 0,
    worstAtTokens: points[0].promptTokens,
  };

  let sq = 0;
  for (const p of points) {
    const errNs = predictPrefillNs(fit, p.promptTokens) - p.ttftNs;
    sq += errNs * errNs;
    const rel = Math.abs(errNs) / p.ttftNs;
    if (rel > fit.worstRelErr) [fit.worstRelErr, fit.worstAtTokens] = [rel, p.promptTokens];
  }
  fit.rmseNs = Math.sqrt(sq / points.length);
  if (fit.worstRelErr > lim.maxWorstRelErr) {
    throw new PrefillFitError(
      'poor_fit',
      `prefill fit refused: expected every point within ${pct(lim.maxWorstRelErr)} of the fitted curve, ` +
        `found ${pct(fit.worstRelErr)} off at ${fit.worstAtTokens} tokens (${formatFit(fit)})`,
    );
  }
  return fit;
}

/** Predicted prefill time in integer ns for a prompt of n tokens. */
export function predictPrefillNs(fit: PrefillFit, promptTokens: number): number {
  const n = promptTokens;
  const chunks = fit.chunkTokens === null ? 0 : Math.ceil(n / fit.chunkTokens);
  return Math.round((fit.constS + n * (fit.perTokenS + n * fit.perToken2S) + chunks * fit.perChunkS) * 1e9);
}

/** One line, e.g. "t(n) = 12.1 ms + 28.4 us*n + 1.10 ns*n^2; rmse 0.8 ms, worst 3.2% at 256". */
export function formatFit(fit: PrefillFit): string {
  const chunkPart =
    fit.chunkTokens === null ? '' : ` + ${(fit.perChunkS * 1e3).toPrecision(3)} ms*ceil(n/${fit.chunkTokens})`;
  return (
    `t(n) = ${(fit.constS * 1e3).toPrecision(3)} ms + ${(fit.perTokenS * 1e6).toPrecision(3)} us*n + ` +
    `${(fit.perToken2S * 1e9).toPrecision(3)} ns*n^2${chunkPart}; rmse ${(fit.rmseNs / 1e6).toPrecision(3)} ms, ` +
    `worst ${pct(fit.worstRelErr)} at ${fit.worstAtTokens}`
  );
}

function validatePoints(points: PrefillPoint[], lim: FitLimits): void {
  for (const p of points) {
    if (!(Number.isFinite(p.promptTokens) && p.promptTokens > 0 && Number.isFinite(p.ttftNs) && p.ttftNs > 0)) {
      throw new PrefillFitError(
        'invalid_point',
        `prefill fit refused: expected positive finite prompt lengths and TTFTs, found ` +
          `${p.promptTokens} tokens -> ${p.ttftNs} ns`,
      );
    }
  }
  const byLength = medianByLength(points);
  if (byLength.length < lim.minLengths) {
    throw new PrefillFitError(
      'too_few_points',
      `prefill fit refused: expected at least ${lim.minLengths} distinct prompt lengths, found ${byLength.length}` +
        (byLength.length ? ` (${byLength.map((p) => p.promptTokens).join(', ')})` : ''),
    );
  }
  let slowest = byLength[0];
  for (const p of byLength.slice(1)) {
    if (p.ttftNs < slowest.ttftNs * (1 - lim.monotoneTolerance)) {
      throw new PrefillFitError(
        'non_monotone',
        `prefill fit refused: expected prefill time to grow with prompt length, found ` +
          `${ms(p.ttftNs)} at ${p.promptTokens} tokens but ${ms(slowest.ttftNs)} at ${slowest.promptTokens} ` +
          `(more than ${pct(lim.monotoneTolerance)} faster; a noisy or still-warming server?)`,
      );
    }
    if (p.ttftNs > slowest.ttftNs) slowest = p;
  }
}

/** The median TTFT per distinct prompt length, sorted by length. */
export function medianByLength(points: PrefillPoint[]): PrefillPoint[] {
  const groups = new Map<number, number[]>();
  for (const p of points) groups.set(p.promptTokens, [...(groups.get(p.promptTokens) ?? []), p.ttftNs]);
  return [...groups.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([promptTokens, ts]) => ({ promptTokens, ttftNs: medianOf(ts) }));
}

export function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
