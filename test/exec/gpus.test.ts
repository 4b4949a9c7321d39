import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectGpus, parseVisibleDevices } from '../../lib/exec/gpus.ts';

const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-gpus-'));
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-nogpus-'));
fs.writeFileSync(path.join(binDir, 'nvidia-smi'), '#!/bin/sh\n[ "$1" = "--query-gpu=index" ] || exit 9\nprintf "0\\n1\\n2\\n3\\n"\n', { mode: 0o755 });
test.after(() => {
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.rmSync(emptyDir, { recursive: true, force: true });
});

async function rejectsWith(fn: () => Promise<unknown>, pattern: RegExp) {
  try {
    await fn();
  } catch (err) {
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('the workflow\'s own list wins and is checked', async () => {
  assert.equal(await detectGpus([4, 5], { CUDA_VISIBLE_DEVICES: '0' }), [4, 5]);
  await rejectsWith(() => detectGpus([1, 1]), /executor.gpus to name each GPU once, got 1 twice/);
  await rejectsWith(() => detectGpus([-1]), /non-negative integers, got `-1`/);
});

test('CUDA_VISIBLE_DEVICES gives the GPUs when set; empty, -1 and NoDevFiles mean none', async () => {
  assert.equal(await detectGpus('auto', { CUDA_VISIBLE_DEVICES: '2, 3' }), [2, 3]);
  for (const none of ['', '-1', 'NoDevFiles']) assert.equal(await detectGpus('auto', { CUDA_VISIBLE_DEVICES: none }), []);
  assert.throws(() => parseVisibleDevices('GPU-5e2b1c3a-aaaa'), /Expected CUDA_VISIBLE_DEVICES to list GPU indexes like 0,1,2, got `GPU-5e2b1c3a-aaaa`/);
});

test('without CUDA_VISIBLE_DEVICES, nvidia-smi lists the GPUs; without nvidia-smi there are none', async () => {
  assert.equal(await detectGpus('auto', { PATH: `${binDir}:/usr/bin:/bin` }), [0, 1, 2, 3]);
  assert.equal(await detectGpus('auto', { PATH: emptyDir }), []);
});

test.run();
