// How well the prefill predictor follows the simulator's true prefill curve, against an Etalon-style random forest
// on the same 7 points, inside the profiled range and beyond it; plus the ONNX predictor's cost.
//   node --import tsx bench/profile-fit.ts
// Prints markdown tables for bench/RESULTS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitPrefill, predictPrefillNs, type PrefillFit } from '../lib/profile/fit.ts';
import { loadPredictor, writePredictorOnnx } from '../lib/profile/onnx.ts';
import { normalizeSimSettings } from '../lib/sim/defaults.ts';
import { idleTtftNs } from '../lib/sim/virtual.ts';

const LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// scikit-learn's RandomForestRegressor as Etalon uses it (100 trees, bootstrap, grown to purity) on one feature:
// each tree is a step function with splits at midpoints between the distinct lengths of its bootstrap sample.
function randomForest(points: { x: number; y: number }[], trees = 100, seed = 1): (x: number) => number {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const forest = Array.from({ length: trees }, () => {
    const sample = points.map(() => points[Math.floor(rand() * points.length)]);
    const byX = new Map<number, number[]>();
    for (const p of sample) byX.set(p.x, [...(byX.get(p.x) ?? []), p.y]);
    const xs = [...byX.keys()].sort((a, b) => a - b);
    const leaves = xs.map((x) => byX.get(x)!.reduce((a, b) => a + b, 0) / byX.get(x)!.length);
    const cuts = xs.slice(1).map((x, i) => (x + xs[i]) / 2);
    return (x: number) => leaves[cuts.filter((c) => x > c).length];
  });
  return (x) => forest.reduce((sum, t) => sum + t(x), 0) / trees;
}

interface Row {
  label: string;
  fitWorst: number;
  fitMedian: number;
  rfWorst: number;
  rfMedian: number;
  fitAt32k: number;
  rfAt32k: number;
}

function evaluate(label: string, truth: (n: number) => number, chunkTokens: number | null): Row {
  const points = LENGTHS.map((n) => ({ promptTokens: n, ttftNs: truth(n) }));
  const fit: PrefillFit = fitPrefill(points, { chunkTokens });
  const rf = randomForest(points.map((p) => ({ x: p.promptTokens, y: p.ttftNs })));
  const fitErr: number[] = [];
  const rfErr: number[] = [];
  for (let n = 256; n <= 16384; n += 16) {
    const t = truth(n);
    fitErr.push(Math.abs(predictPrefillNs(fit, n) / t - 1));
    rfErr.push(Math.abs(rf(n) / t - 1));
  }
  const t32 = truth(32768);
  return {
    label,
    fitWorst: Math.max(...fitErr),
    fitMedian: median(fitErr),
    rfWorst: Math.max(...rfErr),
    rfMedian: median(rfErr),
    fitAt32k: predictPrefillNs(fit, 32768) / t32 - 1,
    rfAt32k: rf(32768) / t32 - 1,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

console.log('### Fit vs the simulator\'s true idle TTFT (profile: 7 powers of two 256..16384, error on every 16 tokens)\n');
console.log('| model / hardware / CPU / scheduler | fit worst | fit median | RF worst | RF median | fit at 32k | RF at 32k |');
console.log('|---|---|---|---|---|---|---|');
const rows: Row[] = [];
for (const model of ['llama-3-8b', 'llama-3-70b', 'mixtral-8x7b']) {
  for (const hardware of ['h100', 'a100']) {
    for (const cpuProfile of ['vllm-0.5', 'none']) {
      for (const scheduler of ['vllm', 'sarathi'] as const) {
        const settings = normalizeSimSettings({ scheduler, hardware, cpuProfile });
        const parallel = { tp: model === 'llama-3-8b' ? 1 : 4, pp: 1 };
        const truth = (n: number) => idleTtftNs(settings, model, parallel, n);
        const row = evaluate(`${model} tp${parallel.tp} / ${hardware} / ${cpuProfile} / ${scheduler}`, truth, scheduler === 'sarathi' ? settings.maxNumBatchedTokens : null);
        rows.push(row);
        console.log(`| ${row.label} | ${pct(row.fitWorst)} | ${pct(row.fitMedian)} | ${pct(row.rfWorst)} | ${pct(row.rfMedian)} | ${signed(row.fitAt32k)} | ${signed(row.rfAt32k)} |`);
      }
    }
  }
}
console.log(`\nMedians over the ${rows.length} cases: fit worst ${pct(median(rows.map((r) => r.fitWorst)))}, RF worst ${pct(median(rows.map((r) => r.rfWorst)))}; ` +
  `fit median ${pct(median(rows.map((r) => r.fitMedian)))}, RF median ${pct(median(rows.map((r) => r.rfMedian)))}; ` +
  `at 32k tokens fit ${signed(median(rows.map((r) => r.fitAt32k)))}, RF ${signed(median(rows.map((r) => r.rfAt32k)))}.\n`);

// ONNX predictor: load time, batch latency, agreement with the JS fit.
const dir = await mkdtemp(join(tmpdir(), 'headroom-bench-profile-'));
try {
  const settings = normalizeSimSettings({ scheduler: 'sarathi' });
  const fit = fitPrefill(LENGTHS.map((n) => ({ promptTokens: n, ttftNs: idleTtftNs(settings, 'llama-3-8b', { tp: 1, pp: 1 }, n) })), { chunkTokens: 512 });
  const path = join(dir, 'p.onnx');
  await writePredictorOnnx(path, fit);
  const loadMs: number[] = [];
  let predictor = await loadPredictor(path);
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    predictor = await loadPredictor(path);
    loadMs.push(performance.now() - t0);
  }
  const lengths = Array.from({ length: 16384 }, (_, i) => i + 1);
  const batchMs: number[] = [];
  const oneMs: number[] = [];
  let got: number[] = [];
  for (let i = 0; i < 9; i++) {
    let t0 = performance.now();
    got = await predictor.predictNs(lengths);
    batchMs.push(performance.now() - t0);
    t0 = performance.now();
    await predictor.predictNs([1000]);
    oneMs.push(performance.now() - t0);
  }
  const maxRel = Math.max(...lengths.map((n, i) => Math.abs(got[i] / predictPrefillNs(fit, n) - 1)));
  console.log('### ONNX predictor (Sarathi fit with chunk term; median of 9)\n');
  console.log('| load + self-check | predict 1 length | predict 16384 lengths | max relative diff vs JS fit |');
  console.log('|---|---|---|---|');
  console.log(`| ${median(loadMs).toFixed(1)} ms | ${median(oneMs).toFixed(2)} ms | ${median(batchMs).toFixed(1)} ms | ${maxRel.toExponential(1)} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
