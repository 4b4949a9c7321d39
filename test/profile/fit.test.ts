import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitPrefill, predictPrefillNs, medianByLength, PrefillFitError } from '../../lib/profile/fit.ts';
import { vllmIdleTtftNs, sarathiIdleTtftNs } from '../fixtures/profile/synthetic-prefill.ts';

const POW2 = [256, 512, 1024, 2048, 4096, 8192, 16384];
const pointsOf = (f: (n: number) => number, lengths = POW2) => lengths.map((n) => ({ promptTokens: n, ttftNs: f(n) }));

function worstRelErrOnGrid(predict: (n: number) => number, truth: (n: number) => number, stepTokens = 64) {
  let worst = 0;
  for (let n = 256; n <= 16384; n += stepTokens) worst = Math.max(worst, Math.abs(predict(n) / truth(n) - 1));
  return worst;
}

test('fitPrefill recovers the coefficients of an exact quadratic', () => {
  const f = (n: number) => Math.round((0.015 + 2e-5 * n + 1e-9 * n * n) * 1e9);
  const fit = fitPrefill(pointsOf(f));
  assert.ok(Math.abs(fit.constS - 0.015) < 1e-9 && Math.abs(fit.perTokenS - 2e-5) < 1e-12);
  assert.ok(Math.abs(fit.perToken2S - 1e-9) < 1e-15);
  assert.ok(fit.worstRelErr < 1e-6 && fit.rmseNs < 10);
  assert.is(fit.chunkTokens, null);
});

test('fitPrefill follows the documented one-iteration (vLLM) prefill curve within 5% from 256 to 16384 tokens', () => {
  const fit = fitPrefill(pointsOf(vllmIdleTtftNs));
  const worst = worstRelErrOnGrid((n) => predictPrefillNs(fit, n), vllmIdleTtftNs);
  assert.ok(worst < 0.05, `worst relative error ${worst}`);
  for (const c of [fit.constS, fit.perTokenS, fit.perToken2S]) assert.ok(c >= 0);
});

test('fitPrefill follows the chunked (Sarathi, 512 tokens) staircase within 5% once told the chunk size', () => {
  const plain = fitPrefill(pointsOf(sarathiIdleTtftNs));
  const chunked = fitPrefill(pointsOf(sarathiIdleTtftNs), { chunkTokens: 512 });
  const worstPlain = worstRelErrOnGrid((n) => predictPrefillNs(plain, n), sarathiIdleTtftNs);
  const worstChunked = worstRelErrOnGrid((n) => predictPrefillNs(chunked, n), sarathiIdleTtftNs);
  assert.ok(worstChunked < 0.05, `worst relative error with the chunk term ${worstChunked}`);
  assert.ok(worstPlain > worstChunked, `the chunk term should help: ${worstPlain} vs ${worstChunked}`);
  assert.is(chunked.chunkTokens, 512);
  assert.ok(chunked.perChunkS > 0);
});

test('fitPrefill drops the chunk term when the whole profile fits in one chunk', () => {
  const fit = fitPrefill(pointsOf(vllmIdleTtftNs, [256, 512, 1024, 2048]), { chunkTokens: 8192 });
  assert.is(fit.chunkTokens, null);
  assert.is(fit.perChunkS, 0);
});

test('fitPrefill drops the chunk term when four lengths would leave four coefficients nothing to be checked on', () => {
  const fit = fitPrefill(pointsOf(sarathiIdleTtftNs, [256, 1024, 4096, 16384]), { chunkTokens: 512 });
  assert.is(fit.chunkTokens, null);
  assert.ok(fit.worstRelErr > 0, 'a 3-coefficient fit of 4 points has a residual to report');
});

test('fitPrefill extrapolates upward past the longest profiled prompt', () => {
  const fit = fitPrefill(pointsOf(vllmIdleTtftNs, [256, 512, 1024, 2048, 4096]));
  let prev = 0;
  for (let n = 256; n <= 65536; n *= 2) {
    const t = predictPrefillNs(fit, n);
    assert.ok(t > prev, `not rising at ${n}`);
    prev = t;
  }
  // Quadratic growth, not flat like a tree ensemble past its last split.
  assert.ok(predictPrefillNs(fit, 16384) > 3 * predictPrefillNs(fit, 4096));
});

test('fitPrefill weights by relative error, so the short prompts are fitted as well as the long ones', () => {
  const fit = fitPrefill(pointsOf(vllmIdleTtftNs));
  const relAt256 = Math.abs(predictPrefillNs(fit, 256) / vllmIdleTtftNs(256) - 1);
  assert.ok(relAt256 < 0.05, `relative error at 256 tokens ${relAt256}`);
});

test('fitPrefill uses every repetition and medianByLength takes the median per length', () => {
  const pts = POW2.flatMap((n) => [0.98, 1, 1.03].map((k) => ({ promptTokens: n, ttftNs: Math.round(vllmIdleTtftNs(n) * k) })));
  const med = medianByLength(pts);
  assert.equal(med.map((p) => p.promptTokens), POW2);
  assert.equal(med.map((p) => p.ttftNs), POW2.map(vllmIdleTtftNs));
  assert.ok(fitPrefill(pts).worstRelErr < 0.07);
});

function refusal(fn: () => unknown): PrefillFitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PrefillFitError) return e;
    throw e;
  }
  throw new Error('expected the fit to be refused');
}

test('fitPrefill refuses too few distinct lengths, naming them', () => {
  const e = refusal(() => fitPrefill(pointsOf(vllmIdleTtftNs, [256, 512, 1024])));
  assert.is(e.problem, 'too_few_points');
  assert.match(e.message, 'expected at least 4 distinct prompt lengths, found 3 (256, 512, 1024)');
});

test('fitPrefill refuses data where a longer prompt is much faster', () => {
  const pts = pointsOf(vllmIdleTtftNs);
  pts[4] = { promptTokens: 4096, ttftNs: 40e6 }; // 2048 takes ~63 ms
  const e = refusal(() => fitPrefill(pts));
  assert.is(e.problem, 'non_monotone');
  assert.match(e.message, 'found 40.0 ms at 4096 tokens but 63.1 ms at 2048');
});

test('fitPrefill refuses a fit that misses a point by more than 15%, saying where', () => {
  // A step: flat, then a jump at 4096 that no rising quadratic follows.
  const pts = POW2.map((n) => ({ promptTokens: n, ttftNs: n < 4096 ? 100e6 : 400e6 }));
  const e = refusal(() => fitPrefill(pts));
  assert.is(e.problem, 'poor_fit');
  assert.match(e.message, /expected every point within 15.0% of the fitted curve, found \d+\.\d% off at \d+ tokens/);
});

test('fitPrefill refuses non-positive or non-finite measurements', () => {
  const pts = pointsOf(vllmIdleTtftNs);
  pts[2] = { promptTokens: 1024, ttftNs: NaN };
  assert.is(refusal(() => fitPrefill(pts)).problem, 'invalid_point');
});

test.run();
