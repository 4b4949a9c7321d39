// Percentiles as the metrics define them: linear interpolation between order statistics (DuckDB quantile_cont).

/** `sorted` ascending, p in [0, 1]. */
export function quantileCont(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
