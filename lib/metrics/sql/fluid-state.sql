-- Fluid token rate, step 3: Etalon's search (metric_utils.py, find_min_tbt_deadline_to_meet), a bisection over
-- [0, 1e10] s that moves each end 1e-4 s past the midpoint and stops when the bracket is 1e-4 s wide. Its answer
-- lies up to ~3e-4 s above the exact minimum; we keep Etalon's search so rates stay comparable with Etalon's, in
-- double seconds as Etalon does. Each midpoint is judged on integer ticks (dd = round(mid * $tps)).
-- Midpoints at or above ub_ticks pass and those below lb_ticks (or judged at 0 ticks) fail without looking at
-- tokens, so the recursive part takes every step it can on scalars only; fluid-step.sql does the rest. A request the screens closed (fluid-screen.sql) is not searched:
-- it keeps a bound on its side of the p99, which is all the p99 needs (fluid-step.sql says why): below, the floor
-- (lb_ticks - 1) / $tps of its answer; above, the ceiling ub_ticks / $tps + 3e-4.
CREATE OR REPLACE TEMP TABLE fluid_state AS
WITH RECURSIVE easy(request_idx, k, lo_s, hi_s, deadline_s, lb_ticks, ub_ticks) AS (
  SELECT request_idx, 0, 0.0::DOUBLE, 1e10::DOUBLE, 1e10::DOUBLE, lb_ticks, ub_ticks FROM fluid_bounds WHERE open
  UNION ALL
  SELECT request_idx, k + 1,
    CASE WHEN pass THEN lo_s ELSE mid + 1e-4 END, CASE WHEN pass THEN mid - 1e-4 ELSE hi_s END,
    CASE WHEN pass THEN mid ELSE deadline_s END, lb_ticks, ub_ticks
  FROM (SELECT *, (lo_s + hi_s) / 2 AS mid, round((lo_s + hi_s) / 2 * $tps) >= ub_ticks AS pass FROM easy
        WHERE hi_s - lo_s > 1e-4) AS e
  WHERE pass OR round(mid * $tps) < greatest(1, lb_ticks)
),
closed AS (
  SELECT request_idx, CASE WHEN failed THEN 'inf'::DOUBLE WHEN side = -1 THEN greatest((lb_ticks - 1) / $tps, 0)
    ELSE (ub_ticks / $tps + 3e-4) * (1 + 1e-9) END AS v
  FROM fluid_bounds WHERE NOT open
)
SELECT b.request_idx, b.failed, true AS included, b.ub_ticks, b.lb_ticks,
  coalesce(e.lo_s, c.v) AS lo_s, coalesce(e.hi_s, c.v) AS hi_s, coalesce(e.deadline_s, c.v) AS deadline_s,
  NOT b.open AND NOT b.failed AS pruned
FROM fluid_bounds b LEFT JOIN (SELECT * FROM easy QUALIFY k = max(k) OVER (PARTITION BY request_idx)) e USING (request_idx)
  LEFT JOIN closed c USING (request_idx);
