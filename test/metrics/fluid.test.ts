import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../lib/store/index.ts';
import { makeRequest, makeRun, makeUniformRun } from '../fixtures/store/runs.ts';
import { packedCountBits, readFluidRate } from '../../lib/metrics/fluid.ts';
import { openMetricsInstance } from '../../lib/metrics/golden.ts';

const ms = 1_000_000;

/** Etalon's find_min_tbt_deadline_to_meet (first token ignored), written out independently: double bisection over
 * [0, 1e10] s with 1e-4 s steps, each midpoint judged on whole ns by the schedule form of metrics.md. */
function etalonMinDeadlineS(tokenNs: number[], target = 0.1): number {
  const rate = (dd: number) => {
    let next = tokenNs[0] + dd, missed = 0, onTime = 0;
    for (const t of tokenNs.slice(1)) {
      if (t <= next) { onTime++; next += dd; } else { missed += 1 + Math.floor((t - next) / dd); next = t + dd; }
    }
    return missed + onTime === 0 ? 0 : missed / (missed + onTime);
  };
  let left = 0, right = 1e10, deadline = 1e10;
  while (right - left > 1e-4) {
    const mid = (left + right) / 2;
    if (rate(Math.round(mid * 1e9)) > target) left = mid + 1e-4;
    else { deadline = mid; right = mid - 1e-4; }
  }
  return deadline;
}

/** numpy's default percentile (linear between order statistics). */
function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = q * (s.length - 1);
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.ceil(h)] ?? s[lo]) - s[lo]);
}

/** Gaps of 5-45 ms with stalls, some chunks of several tokens (zero gaps) and some gaps on exact 10 ms steps. */
function randomOffsets(rand: () => number, n: number): number[] {
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    if (i > 0) {
      const u = rand();
      t += u < 0.1 ? 0 : u < 0.2 ? 10 * ms * Math.ceil(rand() * 4) : Math.round((5 + rand() * 40 + (rand() < 0.05 ? 200 : 0)) * ms);
    }
    return t;
  });
}
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

test('every request gets exactly the deadline Etalon\'s bisection finds, and the p99 of those is the rate', async () => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const requests = Array.from({ length: 400 }, (_, i) => makeRequest(i, randomOffsets(rand, 2 + (i * 7) % 60)));
  const id = await store.writeRun(makeRun(requests));
  const instance = await openMetricsInstance();
  try {
    const path = join(dir, 'runs', id, 'requests.parquet');
    const all = await readFluidRate(instance, path, { everyRequest: true });
    const want = requests.map((r) => etalonMinDeadlineS(r.tokenNs));
    for (const r of requests) assert.is(all.perRequest.get(r.idx), want[r.idx], `request ${r.idx}`);
    const pruned = await readFluidRate(instance, path);
    // the same order statistics; interpolation rounding may differ in the last bit
    assert.ok(Math.abs(pruned.p99DeadlineS / percentile(want, 0.99) - 1) < 1e-15, `p99 ${pruned.p99DeadlineS}`);
    assert.is(pruned.p99DeadlineS, all.p99DeadlineS);
  } finally {
    instance.closeSync();
  }
});

// Heavier: many requests of mixed lengths, paces and stall rates, so the screens search well above their floor.
if (process.env.HEADROOM_HEAVY === '1') {
  test('on 4000 mixed requests the p99 is that of Etalon\'s bisection run on each request', async () => {
    let seed = 4;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const requests = Array.from({ length: 4000 }, (_, i) => {
      const n = 2 + Math.floor(rand() ** 2 * 400), pace = 5 + rand() * 45, stall = rand() * 0.08, chunky = rand() < 0.3;
      let t = 0;
      const offsets = Array.from({ length: n }, (_, j) => (j === 0 ? 0 : (t += chunky && rand() < 0.3 ? 0
        : Math.round((pace * (0.5 + rand()) + (rand() < stall ? 100 + rand() * 900 : 0)) * ms))));
      return makeRequest(i, offsets, rand() < 0.003 ? { status: 'timeout' } : {});
    });
    const id = await store.writeRun(makeRun(requests));
    const instance = await openMetricsInstance();
    try {
      const got = await readFluidRate(instance, join(dir, 'runs', id, 'requests.parquet'));
      const want = percentile(requests.map((r) => (r.status === 'ok' ? etalonMinDeadlineS(r.tokenNs) : Infinity)), 0.99);
      assert.ok(Number.isFinite(want));
      assert.ok(Math.abs(got.p99DeadlineS / want - 1) < 1e-15, `p99 ${got.p99DeadlineS}, Etalon ${want}`);
    } finally {
      instance.closeSync();
    }
  });
}

test('a run 1000 hours long, too long for the packed miss count, gets the same rate the slower way', async () => {
  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const offsets = Array.from({ length: 120 }, (_, i) => randomOffsets(rand, 10 + (i % 30)));
  const near = makeRun(offsets.map((o, i) => makeRequest(i, o)));
  const far = makeRun(offsets.map((o, i) => makeRequest(i, o, { scheduledNs: i === 119 ? 1000 * 3600e9 : i * 100 * ms })));
  assert.ok(2 ** packedCountBits(1000 * 3600e9 + 10e9) < 1000 * 3600e9 / 50e6);
  const a = await store.fluidTokenRate(await store.writeRun(near));
  const b = await store.fluidTokenRate(await store.writeRun(far));
  assert.ok(a > 0);
  assert.is(b, a);
});

test('packedCountBits leaves the count what a BIGINT holds beside twice the span', () => {
  assert.is(packedCountBits(1e12), 21); // 1000 s on ns ticks: 2^41 for the deadline part
  assert.is(packedCountBits(0), 61);
  assert.is(packedCountBits(NaN), 0);
});

test.run();
