import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startGpuPool, validateSshPlacement, type SshHost } from '../../lib/exec/ssh-placement.ts';
import { makeJob } from '../fixtures/slurm/make-job.ts';

const host = (name: string, gpus: number[]): SshHost => ({ host: name, gpus, workdir: '/w' });

test('startGpuPool gives aligned blocks: 2 GPUs start at an even slot, 4 at a multiple of 4', () => {
  const pool = startGpuPool([host('a', [0, 1, 2, 3, 4, 5, 6, 7])]);
  assert.equal(pool.take(1)?.gpus, [0]);
  assert.equal(pool.take(2)?.gpus, [2, 3]);
  assert.equal(pool.take(4)?.gpus, [4, 5, 6, 7]);
  assert.equal(pool.take(1)?.gpus, [1]);
  assert.is(pool.take(1), null);
});

test('startGpuPool rounds odd sizes up to the next power of two for alignment', () => {
  const pool = startGpuPool([host('a', [0, 1, 2, 3, 4, 5, 6, 7])]);
  assert.equal(pool.take(1)?.gpus, [0]);
  assert.equal(pool.take(3)?.gpus, [4, 5, 6]);
  assert.is(pool.take(3), null);
});

test('startGpuPool uses the host GPU ids, not slot numbers', () => {
  const pool = startGpuPool([host('a', [4, 5, 6, 7])]);
  const p = pool.take(2);
  assert.equal(p, { hostIndex: 0, gpus: [4, 5], slots: [0, 1] });
});

test('startGpuPool prefers the host left fullest, keeping whole hosts for big jobs', () => {
  const pool = startGpuPool([host('big', [0, 1, 2, 3]), host('small', [0, 1])]);
  assert.is(pool.take(1)?.hostIndex, 1);
  assert.is(pool.take(1)?.hostIndex, 1);
  assert.equal(pool.take(4), { hostIndex: 0, gpus: [0, 1, 2, 3], slots: [0, 1, 2, 3] });
});

test('startGpuPool frees what is given back, and keeps a retry on its host', () => {
  const pool = startGpuPool([host('a', [0, 1]), host('b', [0, 1])]);
  const first = pool.take(2);
  assert.is(first?.hostIndex, 0);
  assert.is(pool.take(2, 0), null);
  assert.is(pool.take(2)?.hostIndex, 1);
  pool.give(first!);
  assert.equal(pool.take(2, 0)?.gpus, [0, 1]);
});

test('startGpuPool runs jobs needing no GPU one per host by default, spread over hosts', () => {
  const pool = startGpuPool([host('a', [0]), host('b', [])]);
  const x = pool.take(0);
  const y = pool.take(0);
  assert.equal([x?.hostIndex, y?.hostIndex].sort(), [0, 1]);
  assert.is(pool.take(0), null);
  pool.give(x!);
  assert.is(pool.take(0)?.hostIndex, x?.hostIndex);
  assert.is(startGpuPool([host('a', [])], 2).take(0) !== null, true);
});

test('validateSshPlacement names the jobs no host can hold', () => {
  const hosts = [host('a', [0, 1]), host('b', [0, 1, 2, 3])];
  validateSshPlacement([makeJob('m/s/t/tp4', 4)], hosts);
  assert.throws(
    () => validateSshPlacement([makeJob('m/s/t/tp8', 8), makeJob('m/s/t/tp2', 2)], hosts),
    (e: Error) => e.message === 'Expected every job to fit on one ssh host (the largest has 4 GPUs), got m/s/t/tp8 needing 8',
  );
  assert.throws(() => validateSshPlacement([], []), /at least one host/);
});

test.run();
