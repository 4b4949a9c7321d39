import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countToFail, countToPass } from '../../lib/search/percentile.ts';

// numpy's linear percentile, for checking the counting rules against the definition
function quantile(values: number[], p: number): number {
  const x = values.slice().sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  return h === lo ? x[lo] : x[lo] + (h - lo) * (x[hi] - x[lo]);
}

test('countToFail: that many values above the bound put the percentile above it, one fewer may not', () => {
  for (const n of [1, 2, 7, 10, 100, 101, 1000]) {
    for (const p of [0.5, 0.9, 0.99, 1]) {
      const k = countToFail(n, p);
      const bad = Array.from({ length: n }, (_, i) => (i < k ? 2 : 0));
      assert.ok(quantile(bad, p) > 1, `n=${n} p=${p} k=${k}`);
      if (k > 1) {
        const fewer = Array.from({ length: n }, (_, i) => (i < k - 1 ? 1.000001 : 0));
        assert.ok(quantile(fewer, p) <= 1, `n=${n} p=${p} k-1 should not decide`);
      }
    }
  }
  assert.is(countToFail(1000, 0.99), 11);
  assert.is(countToFail(1000, 0.9), 101);
});

test('countToPass: that many values within the bound keep the percentile within it even if the rest are huge', () => {
  for (const n of [1, 2, 7, 10, 100, 1000]) {
    for (const p of [0.5, 0.9, 0.99, 1]) {
      const k = countToPass(n, p);
      const vals = Array.from({ length: n }, (_, i) => (i < k ? 1 : 1e300));
      assert.ok(quantile(vals, p) <= 1, `n=${n} p=${p} k=${k}`);
    }
  }
  assert.is(countToPass(1000, 0.9), 901);
  assert.is(countToPass(10, 1), 10);
});

test.run();
