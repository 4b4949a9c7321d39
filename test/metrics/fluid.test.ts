import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../lib/store/index.ts';
import { makeRequest, makeRun, makeUniformRun } from '../fixtures/store/runs.ts';

const ms = 1_000_000;
let dir: string;
let store: Store;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-fluid-'));
  store = await openStore(dir);
});
test.after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('steady 20 ms gaps give about 50 tokens/s (Etalon\'s bisection lands within 3e-4 s above the gap)', async () => {
  const rate = await store.fluidTokenRate(await store.writeRun(makeUniformRun(5, 20)));
  const deadlineS = 1 / rate;
  assert.ok(deadlineS >= 0.02 && deadlineS <= 0.0203, `deadline ${deadlineS}`);
});

test('one stall in twenty gaps is tolerated by the 10% miss budget; the slow request sets the p99', async () => {
  // request 1: 19 gaps of 10 ms and one 25 ms stall; request 0: steady 40 ms gaps (slowest, so it sets p99)
  const stall = [0, ...Array.from({ length: 19 }, (_, i) => (i + 1) * 10 * ms)].map((t, i) => (i >= 10 ? t + 15 * ms : t));
  const steady = Array.from({ length: 20 }, (_, i) => i * 40 * ms);
  const rate = await store.fluidTokenRate(await store.writeRun(makeRun([makeRequest(0, steady), makeRequest(1, stall)])));
  assert.ok(1 / rate >= 0.0395 && 1 / rate <= 0.0403, `deadline ${1 / rate}`);
});

test('a failed request at the p99 makes the rate 0', async () => {
  const rate = await store.fluidTokenRate(await store.writeRun(makeRun([
    makeRequest(0, [0, 20 * ms]), makeRequest(1, [0, 20 * ms], { status: 'timeout' }),
  ])));
  assert.is(rate, 0);
});

test.run();
