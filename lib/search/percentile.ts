// Counting rules that make a percentile certain before all values are in. The percentile is linear
// interpolation between order statistics (numpy's default, DuckDB quantile_cont): with n values sorted
// ascending x[0..n-1] and h = (n - 1) * p, it lies between x[floor h] and x[floor h + 1]. So:
//   - if at least n - floor(h) values are above the bound, x[floor h] is, and so is the percentile;
//   - if at least floor(h) + 2 values are at or below the bound, x[floor h + 1] is, and so is the percentile,
//     whatever the other values turn out to be (+infinity included).
// Both counts grow with n, so an upper bound on n keeps them safe. A tiny epsilon leans each rule to the
// strict side when (n - 1) * p lands within float error of an integer without being one (the SQL side could
// compute it a hair differently); an exact integer is trusted.

const EPS = 1e-9;

function lowIndex(n: number, p: number, lean: 1 | -1): number {
  const h = (n - 1) * p;
  return Number.isInteger(h) ? h : Math.floor(h + lean * EPS);
}

/** How many of n values must exceed the bound before the p-percentile certainly does. */
export function countToFail(n: number, p: number): number {
  if (n <= 0) return Infinity;
  return Math.max(1, n - lowIndex(n, p, -1));
}

/** How many of n values must be within the bound before the p-percentile certainly is. */
export function countToPass(n: number, p: number): number {
  if (n <= 0) return Infinity;
  return Math.min(n, lowIndex(n, p, 1) + 2);
}
