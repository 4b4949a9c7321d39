import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { parseLengthCsv } from '../../lib/load/lengths.ts';
import { createRng } from '../../lib/load/prng.ts';
import { interpolateQuantile, normalCdf, readSyntheticModels, sampleSynthetic } from '../../lib/load/synthetic.ts';

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

test('the normal CDF and quantile interpolation are right at known points', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6);
  assert.is(interpolateQuantile([0, 0.5, 1], [10, 20, 40], 0.75), 30);
  assert.is(interpolateQuantile([0, 0.5, 1], [10, 20, 40], 0), 10);
});

test('every built-in model is a monotone table with a valid correlation', () => {
  for (const [name, m] of Object.entries(readSyntheticModels())) {
    assert.is(m.probs[0], 0, name);
    assert.is(m.probs[m.probs.length - 1], 1, name);
    for (const side of [m.prompt, m.output]) assert.ok(side.every((v, i) => i === 0 || v >= side[i - 1]!), `${name} table is monotone`);
    assert.ok(Math.abs(m.rho) < 1);
  }
});

const tracesDir = fileURLToPath(new URL('../../../shared/traces', import.meta.url));
const files = { sharegpt: 'sharegpt_8k_filtered_stats_llama2_tokenizer.csv', arxiv: 'arxiv_summarization_stats_llama2_tokenizer_filtered_v2.csv', bwb: 'bwb_stats_llama2_tokenizer_filtered_v2.csv' };
const haveTraces = existsSync(tracesDir);

(haveTraces ? test : test.skip)('synthetic means are within 3% of the public traces (heavy arxiv output tail: sampling noise ~1%) they were fitted to', () => {
  const models = readSyntheticModels();
  for (const [name, file] of Object.entries(files)) {
    const rows = parseLengthCsv(readFileSync(`${tracesDir}/${file}`, 'utf8'), file);
    const rng = createRng(3, 'check');
    const synth = Array.from({ length: 40_000 }, () => sampleSynthetic(models[name as keyof typeof models], rng));
    for (const side of [0, 1] as const) {
      const real = mean(rows.map((r) => r[side])), syn = mean(synth.map((s) => s[side]));
      assert.ok(Math.abs(syn / real - 1) < 0.03, `${name} ${side ? 'output' : 'prompt'}: real ${real}, synthetic ${syn}`);
    }
  }
});

test.run();
