import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitPrefill, predictPrefillNs } from '../../lib/profile/fit.ts';
import { loadPredictor, prefillTable, writePredictorOnnx } from '../../lib/profile/onnx.ts';
import { buildPrefillOnnx } from '../../lib/profile/onnx-build.ts';
import { vllmIdleTtftNs, sarathiIdleTtftNs } from '../fixtures/profile/synthetic-prefill.ts';
import {
  buildThreeFeatureOnnx,
  buildTreeEnsembleOnnx,
  buildTwoColumnOutputOnnx,
} from '../fixtures/profile/onnx-models.ts';

const POW2 = [256, 512, 1024, 2048, 4096, 8192, 16384];
let dir = '';
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-onnx-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

for (const [name, curve, chunkTokens] of [
  ['quadratic', vllmIdleTtftNs, null],
  ['quadratic with chunk term', sarathiIdleTtftNs, 512],
] as const) {
  test(`an exported ${name} fit loads back and predicts what the JS fit does, within float32 precision`, async () => {
    const fit = fitPrefill(POW2.map((n) => ({ promptTokens: n, ttftNs: curve(n) })), { chunkTokens });
    const path = join(dir, `${name.replaceAll(' ', '-')}.onnx`);
    await writePredictorOnnx(path, fit, { model: 'llama-3-8b' });
    const predictor = await loadPredictor(path);
    assert.is(predictor.source, path);
    const lengths = [1, 100, 256, 511, 512, 513, 3000, 16384, 20000, 65536];
    const got = await predictor.predictNs(lengths);
    lengths.forEach((n, i) => {
      const want = predictPrefillNs(fit, n);
      assert.ok(Math.abs(got[i] - want) <= 1e-6 * want + 1, `${n} tokens: onnx ${got[i]} ns, js ${want} ns`);
    });
  });
}

test('writePredictorOnnx leaves no temp file behind', async () => {
  const fit = fitPrefill(POW2.map((n) => ({ promptTokens: n, ttftNs: vllmIdleTtftNs(n) })));
  const sub = await mkdtemp(join(dir, 'clean-'));
  await writePredictorOnnx(join(sub, 'p.onnx'), fit);
  assert.equal(await readdir(sub), ['p.onnx']);
});

test('prefillTable maps each distinct prompt length to its predicted ns', async () => {
  const fit = fitPrefill(POW2.map((n) => ({ promptTokens: n, ttftNs: vllmIdleTtftNs(n) })));
  const path = join(dir, 'table.onnx');
  await writeFile(path, buildPrefillOnnx(fit));
  const table = await prefillTable(await loadPredictor(path), [700, 300, 700, 5000]);
  assert.equal([...table.keys()], [300, 700, 5000]);
  for (const [n, ns] of table) assert.ok(Math.abs(ns / predictPrefillNs(fit, n) - 1) < 1e-6);
  assert.is(await prefillTable(await loadPredictor(path), []).then((t) => t.size), 0);
});

const forest = [
  { thresholds: [384, 768, 1536, 3072], leaves: [0.017, 0.022, 0.035, 0.063, 0.125] },
  { thresholds: [1000, 5000], leaves: [0.019, 0.07, 0.3] },
];
const forestAt = (n: number) =>
  forest.reduce((s, t) => s + t.leaves[t.thresholds.filter((th) => n > th).length], 0) / forest.length;

for (const opts of [{}, { inputType: 'double' as const }, { outputRank: 1 as const }]) {
  test(`a user's tree-ensemble regressor (ai.onnx.ml opset 3, ${JSON.stringify(opts)}) predicts its leaf averages`, async () => {
    const path = join(dir, `forest-${Object.keys(opts).join('') || 'plain'}.onnx`);
    await writeFile(path, buildTreeEnsembleOnnx(forest, opts));
    const predictor = await loadPredictor(path);
    const lengths = [256, 500, 1200, 2000, 4000, 9000];
    const got = await predictor.predictNs(lengths);
    lengths.forEach((n, i) => assert.ok(Math.abs(got[i] - forestAt(n) * 1e9) < 10, `${n}: ${got[i]}`));
  });
}

test('a tree ensemble at ai.onnx.ml opset 5 is refused with the runtime reason', async () => {
  const path = join(dir, 'forest-ml5.onnx');
  await writeFile(path, buildTreeEnsembleOnnx(forest, { mlOpset: 5 }));
  const msg = await rejection(loadPredictor(path));
  assert.ok(msg.startsWith(`Prefill predictor ${path} is not a usable ONNX model: expected a serialized ONNX`), msg);
  assert.match(msg, /deprecated/);
  assert.ok(msg.endsWith("; convert it again with skl2onnx's target_opset={'': 17, 'ai.onnx.ml': 3}"), msg);
});

test('a corrupt file is refused, naming the file, what was expected and what was found', async () => {
  const fit = fitPrefill(POW2.map((n) => ({ promptTokens: n, ttftNs: vllmIdleTtftNs(n) })));
  const path = join(dir, 'truncated.onnx');
  const good = buildPrefillOnnx(fit);
  await writeFile(path, good.subarray(0, good.length - 20));
  const msg = await rejection(loadPredictor(path));
  assert.ok(
    msg.startsWith(
      `Prefill predictor ${path} is not a usable ONNX model: expected a serialized ONNX ModelProto that ` +
        `onnxruntime accepts, found ${good.length - 20} bytes it rejected (`,
    ),
    msg,
  );
  const text = join(dir, 'notes.onnx');
  await writeFile(text, 'these are not the bytes you are looking for\n');
  assert.match(await rejection(loadPredictor(text)), `Prefill predictor ${text} is not a usable ONNX model`);
});

test('a missing file is refused, naming it', async () => {
  const path = join(dir, 'absent.onnx');
  assert.match(await rejection(loadPredictor(path)), `Cannot read prefill predictor ${path}: ENOENT`);
});

test('a model of three input features is refused as the wrong shape', async () => {
  const path = join(dir, 'three.onnx');
  await writeFile(path, buildThreeFeatureOnnx());
  assert.is(
    await rejection(loadPredictor(path)),
    `Prefill predictor ${path} has the wrong shape: expected input x of shape [N,1], found [N,3]`,
  );
});

test('a model with a two-column output is refused, whether it declares that shape or claims [N,1]', async () => {
  const declared = join(dir, 'two-declared.onnx');
  await writeFile(declared, buildTwoColumnOutputOnnx(true));
  assert.is(
    await rejection(loadPredictor(declared)),
    `Prefill predictor ${declared} has the wrong shape: expected output y of shape [N,1] or [N], found [N,2]`,
  );
  const undeclared = join(dir, 'two-claims-one.onnx');
  await writeFile(undeclared, buildTwoColumnOutputOnnx(false));
  assert.is(
    await rejection(loadPredictor(undeclared)),
    `Prefill predictor ${undeclared} has the wrong shape: expected output y of shape [2,1] or [2] for 2 prompt ` +
      `lengths, found [2,2]`,
  );
});

test('the exported model carries its metadata and the documented input and output names', async () => {
  const fit = fitPrefill(POW2.map((n) => ({ promptTokens: n, ttftNs: vllmIdleTtftNs(n) })));
  const path = join(dir, 'meta.onnx');
  await writePredictorOnnx(path, fit, { model: 'llama-3-8b', system: 'vllm' });
  const text = new TextDecoder('latin1').decode(await readFile(path));
  for (const s of ['prompt_tokens', 'prefill_seconds', 'llama-3-8b', 'vllm']) assert.ok(text.includes(s), s);
});

test.run();
