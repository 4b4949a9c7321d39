-- Fluid token generation rate, step 1 (metrics.md): per request, the smallest per-token deadline dd keeping its
-- miss rate <= $target with the first token ignored, found the way Etalon finds it (metric_utils.py,
-- find_min_tbt_deadline_to_meet): bisection over [0, 1e10] s that moves each end 1e-4 s past the midpoint and
-- stops when the bracket is 1e-4 s wide. Its answer lies up to ~3e-4 s above the exact minimum; we keep Etalon's
-- search so rates stay comparable with Etalon's, in double seconds as Etalon does. Each midpoint is judged on
-- integer ticks (dd = round(mid * $tps)) by the same macro as the deadline SLO.
-- A midpoint at or above the request's largest gap (or the ceiling ub_ticks below) passes, so the first ~35 steps
-- are decided without looking at tokens: the recursive part takes them on scalars only; fluid-step.sql does the
-- rest. (Column max_gap of fluid_state holds that ceiling.)
-- lb_ticks: a floor under the exact minimum. Every late token raises the running max by u_i - base_i and misses
-- at least that over dd, so missed >= max_i u_i / dd >= c_i / dd - i (c_i = t_i - t_0); a rate <= r needs
-- missed <= r K / (1 - r) with K judged tokens, hence dd >= c_i / (i + r K / (1 - r)) for every i. Midpoints
-- below it fail without a pass over tokens, and it lets the p99 pruning (fluid-step.sql) start at once.
-- Requests with fewer than two tokens have no gap to judge and are left out (included = false); failed requests
-- are in at +infinity.
CREATE OR REPLACE TEMP TABLE fluid_lists AS
SELECT request_idx, token_ns AS ts FROM run_requests WHERE status = 'ok' AND len(token_ns) >= 2;

CREATE OR REPLACE TEMP TABLE fluid_gaps AS
SELECT request_idx, unnest(token_ns[2:]) - unnest(token_ns[:-2]) AS x, unnest(token_ns[2:]) - token_ns[1] AS c,
  generate_subscripts(token_ns[2:], 1) AS i, len(token_ns) - 1 AS k
FROM run_requests WHERE status = 'ok' AND len(token_ns) >= 2;

CREATE OR REPLACE TEMP TABLE fluid_state AS
WITH RECURSIVE bounds AS (
  SELECT request_idx, max(x) AS max_gap, quantile_disc(x, 0.95) AS d,
    max(c / (i + $target * k / (1 - $target))) * (1 - 1e-9) AS lb_ticks
  FROM fluid_gaps GROUP BY request_idx
),
-- ub_ticks: a ceiling over the minimum. A token whose gap is <= dd is always on time, and a late one misses at
-- most gap // dd deadlines, so the miss rate is at most M / (N + M) with M = sum of gap // dd over gaps > dd and
-- N = gaps <= dd. When the 95th-percentile gap passes that test it is an upper bound (else the largest gap is):
-- midpoints at or above it pass without a pass over tokens.
ceiling AS (
  SELECT g.request_idx, sum(CASE WHEN g.x > b.d THEN g.x // b.d ELSE 0 END) AS m, count(*) FILTER (WHERE g.x <= b.d) AS n
  FROM fluid_gaps g JOIN bounds b USING (request_idx) WHERE b.d > 0 GROUP BY g.request_idx
),
req AS (
  SELECT r.request_idx, (r.status <> 'ok' OR len(r.token_ns) = 0) AS failed, len(r.token_ns) >= 2 AS judged,
    coalesce(b.lb_ticks, 0) AS lb_ticks,
    coalesce(CASE WHEN c.m / (c.n + c.m) <= $target THEN b.d END, b.max_gap, 0) AS ub_ticks
  FROM run_requests r LEFT JOIN bounds b USING (request_idx) LEFT JOIN ceiling c USING (request_idx)
),
easy(request_idx, k, lo_s, hi_s, deadline_s, ub_ticks) AS (
  SELECT request_idx, 0, 0.0::DOUBLE, 1e10::DOUBLE, 1e10::DOUBLE, ub_ticks FROM req WHERE judged AND NOT failed
  UNION ALL
  SELECT request_idx, k + 1, lo_s, (lo_s + hi_s) / 2 - 1e-4, (lo_s + hi_s) / 2, ub_ticks FROM easy
  WHERE hi_s - lo_s > 1e-4 AND round((lo_s + hi_s) / 2 * $tps) >= ub_ticks
)
SELECT r.request_idx, r.failed, r.failed OR r.judged AS included, r.ub_ticks AS max_gap, r.lb_ticks,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.lo_s END AS lo_s,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.hi_s END AS hi_s,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.deadline_s END AS deadline_s,
  false AS pruned
FROM req r LEFT JOIN (SELECT * FROM easy QUALIFY k = max(k) OVER (PARTITION BY request_idx)) e USING (request_idx)
WHERE r.failed OR r.judged;
