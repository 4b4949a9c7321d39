import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrefillPredictor, prefillTable, profilePaths, readProfileMeta } from '../../lib/profile/cache.ts';
import { virtualMeasure, type Measure } from '../../lib/profile/profile.ts';
import { profileFingerprint } from '../../lib/profile/fingerprint.ts';
import { PrefillFitError } from '../../lib/profile/fit.ts';
import { idleTtftNs } from '../../lib/sim/virtual.ts';
import { buildTreeEnsembleOnnx } from '../fixtures/profile/onnx-models.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';

let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-profile-cache-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

function counting(measure: Measure) {
  const counted = Object.assign(async (n: number, reps: number) => ((counted.calls += 1), measure(n, reps)), { calls: 0 });
  return counted;
}

const created = () => new Date('2026-01-02T03:04:05.000Z');

test('ensurePrefillPredictor profiles, fits and writes the .onnx and .json once, then answers from the cache', async () => {
  const job = simJob({ sim: { scheduler: 'sarathi' } });
  const measure = counting(virtualMeasure(job));
  const first = await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp1', measure, now: created });
  const paths = profilePaths(dir, 'fp1');
  assert.is(first.source.startsWith(`new profile ${paths.onnx}`), true, first.source);
  assert.equal((await readdir(join(dir, 'profiles'))).sort(), ['fp1.json', 'fp1.onnx']);
  assert.is(measure.calls, 2 + 7); // warm-up at both ends, then each length

  const meta = await readProfileMeta(dir, 'fp1');
  assert.ok(meta);
  assert.is(meta.model, 'llama-3-8b');
  assert.is(meta.system, 'sim-sarathi');
  assert.is(meta.created, '2026-01-02T03:04:05.000Z');
  assert.equal(meta.lengths, [256, 512, 1024, 2048, 4096, 8192, 16384]);
  assert.is(meta.fit.chunkTokens, 512);
  assert.ok(meta.fit.worstRelErr < 0.05);

  const again = await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp1', measure, now: created });
  assert.is(again.source, `cached profile ${paths.onnx}`);
  assert.is(measure.calls, 9);
  const lengths = [300, 1000, 6000];
  assert.equal(await again.predictNs(lengths), await first.predictNs(lengths));
  const table = await prefillTable(again, [6000, 300]);
  for (const [n, ns] of table) {
    const truth = idleTtftNs(job.system.sim, 'llama-3-8b', job.parallel, n);
    assert.ok(Math.abs(ns / truth - 1) < 0.05, `${n}: ${ns} vs ${truth}`);
  }
});

test('ensurePrefillPredictor uses the system\'s own ONNX regressor and measures nothing', async () => {
  const path = join(dir, 'etalon-forest.onnx');
  await writeFile(path, buildTreeEnsembleOnnx([{ thresholds: [1000], leaves: [0.02, 0.2] }]));
  const job = simJob({ system: { prefillOnnx: path } });
  const measure = counting(virtualMeasure(job));
  const p = await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp2', measure });
  assert.is(p.source, `user ONNX ${path}`);
  const [short, long] = await p.predictNs([500, 2000]); // float32 leaves: 0.2 s is 200000003 ns
  assert.ok(Math.abs(short - 20e6) < 10 && Math.abs(long - 200e6) < 10, `${short} ${long}`);
  assert.is(measure.calls, 0);
  assert.not.ok(existsSync(join(dir, 'profiles')));
});

test('a broken user ONNX file is reported by name, not silently replaced by a profile', async () => {
  const path = join(dir, 'broken.onnx');
  await writeFile(path, 'not a model');
  const job = simJob({ system: { prefillOnnx: path } });
  try {
    await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp3', measure: virtualMeasure(job) });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, `Prefill predictor ${path} is not a usable ONNX model`);
  }
});

test('a corrupt cached profile is measured again and replaced', async () => {
  const job = simJob();
  await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp4', measure: virtualMeasure(job) });
  const { onnx } = profilePaths(dir, 'fp4');
  await writeFile(onnx, (await readFile(onnx)).subarray(0, 40));
  const lines: string[] = [];
  const p = await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp4', measure: virtualMeasure(job), log: (l) => lines.push(l) });
  assert.ok(p.source.startsWith('new profile'), p.source);
  assert.ok(lines.some((l) => l.includes('cached prefill profile unusable, profiling again')), lines.join('\n'));
});

test('a refused fit names the job and leaves no profile in the cache', async () => {
  const job = simJob();
  const flatThenJump: Measure = async (n, reps) => new Array(reps).fill(n < 4096 ? 100e6 : 400e6);
  try {
    await ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp5', measure: flatThenJump });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PrefillFitError);
    assert.is((e as PrefillFitError).problem, 'poor_fit');
    assert.match((e as Error).message, `job ${job.id}: prefill fit refused`);
  }
  assert.is(await readProfileMeta(dir, 'fp5'), null);
  assert.not.ok(existsSync(profilePaths(dir, 'fp5').onnx));
});

test('two jobs profiling the same server at once both get a predictor and leave one complete profile', async () => {
  const job = simJob();
  const [a, b] = await Promise.all(
    [1, 2].map(() => ensurePrefillPredictor(job, { cacheDir: dir, fingerprint: 'fp6', measure: virtualMeasure(job) })),
  );
  assert.equal(await a.predictNs([777]), await b.predictNs([777]));
  assert.equal((await readdir(join(dir, 'profiles'))).sort(), ['fp6.json', 'fp6.onnx']);
});

test('without a fingerprint the profile is stored under profileFingerprint(job), shared by the job\'s other traces', async () => {
  const job = simJob();
  await ensurePrefillPredictor(job, { cacheDir: dir, measure: virtualMeasure(job) });
  assert.equal((await readdir(join(dir, 'profiles'))).sort(), [`${profileFingerprint(job)}.json`, `${profileFingerprint(job)}.onnx`]);
  const otherTrace = { ...job, id: 'llama-3-8b/sim-vllm/other/tp1-pp1', trace: { ...job.trace, name: 'other' } };
  const p = await ensurePrefillPredictor(otherTrace, { cacheDir: dir, measure: virtualMeasure(otherTrace) });
  assert.ok(p.source.startsWith('cached profile'), p.source);
});

test.run();
