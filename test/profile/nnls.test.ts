import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { solveNnls } from '../../lib/profile/nnls.ts';

const near = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-15, `${what}: got ${got}, want ${want}`);

test('solveNnls recovers exact non-negative coefficients, even with columns spanning eight decades', () => {
  const ns = [256, 512, 1024, 2048, 4096, 8192, 16384];
  const want = [0.012, 2.5e-5, 1.1e-9];
  const rows = ns.map((n) => [1, n, n * n]);
  const ys = rows.map((r) => r.reduce((s, x, j) => s + x * want[j], 0));
  const { coef, weightedSse } = solveNnls(rows, ys, ys.map((y) => 1 / y));
  want.forEach((w, j) => near(coef[j], w, 1e-9, `coef ${j}`));
  assert.ok(weightedSse < 1e-20);
});

test('solveNnls clamps a coefficient that least squares would make negative, and matches the 1-D optimum', () => {
  // y = 2 - x on x = 0..3 wants a negative slope; with slope forced to 0 the best constant is the mean.
  const rows = [0, 1, 2, 3].map((x) => [1, x]);
  const ys = [2, 1, 0, -1];
  const { coef } = solveNnls(rows, ys, [1, 1, 1, 1]);
  assert.is(coef[1], 0);
  near(coef[0], 0.5, 1e-12, 'constant');
});

test('solveNnls returns all zeros when every target is negative', () => {
  const { coef } = solveNnls([[1], [2]], [-1, -2], [1, 1]);
  assert.equal(coef, [0]);
});

test('solveNnls skips dependent column sets instead of dividing by zero', () => {
  // The two columns are equal; any split of the weight is optimal, and the answer must still fit exactly.
  const rows = [1, 2, 3].map((x) => [x, x]);
  const { coef, weightedSse } = solveNnls(rows, [2, 4, 6], [1, 1, 1]);
  near(coef[0] + coef[1], 2, 1e-12, 'sum');
  assert.ok(weightedSse < 1e-20);
});

test('solveNnls names the mismatch when rows and targets differ in length', () => {
  assert.throws(() => solveNnls([[1], [2]], [1], [1, 1]), /expected 2 targets and weights, got 1 and 2/);
});

test.run();
