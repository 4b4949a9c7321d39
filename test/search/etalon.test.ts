import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextEtalonQps, recordEtalon, searchEtalon, startEtalon } from '../../lib/search/etalon.ts';

test('searchEtalon walks Etalon\'s bisection with the doubling right end', async () => {
  const result = await searchEtalon({ startQps: 2, maxIterations: 10, granularityPct: 5 }, (q) => q <= 6.056);
  assert.equal(result.probes.map((p) => p.qps), [2, 3, 3.5, 5.75, 6.88, 6.31, 6.03]);
  assert.is(result.capacityQps, 6.03);
  assert.is(result.failQps, 6.31);
});

test('searchEtalon answers 0 when even the lowest probe fails', async () => {
  const result = await searchEtalon({ startQps: 1, maxIterations: 10, granularityPct: 2.5 }, () => false);
  assert.is(result.capacityQps, 0);
  assert.ok(result.probes.every((p) => !p.pass));
  // bisection towards zero stops when the rounded probe repeats
  assert.is(result.probes.at(-1)!.qps, 0.01);
});

test('searchEtalon stops after maxIterations probes', async () => {
  const result = await searchEtalon({ startQps: 1, maxIterations: 6, granularityPct: 2.5 }, () => true);
  assert.is(result.probes.length, 6);
  assert.is(result.failQps, null);
});

test('recordEtalon refuses a verdict for a QPS that was not handed out', () => {
  const state = startEtalon({ startQps: 1, maxIterations: 10, granularityPct: 2.5 });
  assert.is(nextEtalonQps(state), 1);
  assert.throws(() => recordEtalon(state, 2, true), /expected a verdict for QPS 1, got one for 2/);
});

test.run();
