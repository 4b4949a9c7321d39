import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../lib/store/index.ts';
import { makeRequest, makeRun, makeUniformRun } from '../fixtures/store/runs.ts';
import { readFluidRate } from '../../lib/metrics/fluid.ts';
import { openMetricsInstance } from '../../lib/metrics/golden.ts';

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

test('refining only the requests that can be at the p99 gives the same rate as refining all', async () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const requests = Array.from({ length: 300 }, (_, i) => {
    let t = 0;
    const offsets = Array.from({ length: 5 + (i % 40) }, () => (t += Math.round((5 + rand() * 40 + (rand() < 0.05 ? 200 : 0)) * ms)));
    return makeRequest(i, offsets, i === 3 ? { status: 'timeout' } : {});
  });
  const id = await store.writeRun(makeRun(requests));
  const instance = await openMetricsInstance();
  try {
    const path = join(dir, 'runs', id, 'requests.parquet');
    const all = await readFluidRate(instance, path, { everyRequest: true });
    const pruned = await readFluidRate(instance, path);
    assert.ok(all.tokensPerS > 0);
    assert.is(pruned.tokensPerS, all.tokensPerS);
  } finally {
    instance.closeSync();
  }
});

test.run();
