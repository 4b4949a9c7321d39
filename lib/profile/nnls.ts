// Exact non-negative weighted least squares for a handful of columns.
//
// minimize sum_i w_i^2 * (y_i - sum_j x_ij * beta_j)^2   subject to beta_j >= 0
//
// The problem is convex, so its optimum is the unconstrained least-squares solution on its own support (the
// columns whose coefficient is positive). With k <= ~4 columns there are only 2^k supports: solve each one, keep
// those whose coefficients are all non-negative, and the one with the smallest residual is the exact optimum.
// This avoids an iterative active-set method (Lawson-Hanson) whose stopping rules need tolerances.

export interface NnlsResult {
  /** One coefficient per column, each >= 0. */
  coef: number[];
  /** Weighted sum of squared residuals at coef. */
  weightedSse: number;
}

/** Solves the weighted NNLS above; rows[i][j] = x_ij. Throws when the inputs are not a proper matrix. */
export function solveNnls(rows: number[][], targets: number[], weights: number[]): NnlsResult {
  const m = rows.length;
  const k = m === 0 ? 0 : rows[0].length;
  if (m === 0 || k === 0) throw new Error('solveNnls: expected at least one row and one column, got none');
  if (k > 8) throw new Error(`solveNnls: expected at most 8 columns (it enumerates supports), got ${k}`);
  if (targets.length !== m || weights.length !== m) {
    throw new Error(`solveNnls: expected ${m} targets and weights, got ${targets.length} and ${weights.length}`);
  }
  for (const row of rows) if (row.length !== k) throw new Error(`solveNnls: expected ${k} columns in every row`);

  // Scale each column to a max of 1 so the normal equations stay well conditioned (n^2 reaches 1e8 and more).
  const scale = Array.from({ length: k }, (_, j) => Math.max(...rows.map((r) => Math.abs(r[j]))) || 1);
  const a = rows.map((r, i) => r.map((x, j) => (x / scale[j]) * weights[i]));
  const b = targets.map((y, i) => y * weights[i]);

  let best: NnlsResult = { coef: new Array(k).fill(0), weightedSse: sumSquares(b) };
  for (let mask = 1; mask < 1 << k; mask++) {
    const cols = [...Array(k).keys()].filter((j) => mask & (1 << j));
    const sub = solveLeastSquares(a.map((r) => cols.map((j) => r[j])), b);
    if (!sub || sub.some((c) => c < 0)) continue;
    const coef = new Array(k).fill(0);
    cols.forEach((j, t) => (coef[j] = sub[t]));
    const sse = sumSquares(b.map((y, i) => y - a[i].reduce((s, x, j) => s + x * coef[j], 0)));
    if (sse < best.weightedSse) best = { coef, weightedSse: sse };
  }
  return { coef: best.coef.map((c, j) => c / scale[j]), weightedSse: best.weightedSse };
}

// Unconstrained least squares by the normal equations and Gaussian elimination with partial pivoting;
// null when the columns are (numerically) dependent.
function solveLeastSquares(a: number[][], b: number[]): number[] | null {
  const k = a[0].length;
  const n: number[][] = Array.from({ length: k }, (_, p) =>
    Array.from({ length: k + 1 }, (_, q) =>
      q < k ? a.reduce((s, r) => s + r[p] * r[q], 0) : a.reduce((s, r, i) => s + r[p] * b[i], 0),
    ),
  );
  const diagMax = Math.max(...n.map((r, p) => Math.abs(r[p])));
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(n[r][col]) > Math.abs(n[piv][col])) piv = r;
    if (Math.abs(n[piv][col]) <= 1e-12 * diagMax) return null;
    [n[col], n[piv]] = [n[piv], n[col]];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = n[r][col] / n[col][col];
      for (let q = col; q <= k; q++) n[r][q] -= f * n[col][q];
    }
  }
  return n.map((r, p) => r[k] / r[p]);
}

function sumSquares(v: number[]): number {
  return v.reduce((s, x) => s + x * x, 0);
}
