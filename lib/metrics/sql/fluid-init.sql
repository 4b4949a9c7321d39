-- Fluid token generation rate, step 1 (metrics.md): per request, the smallest per-token deadline dd keeping its
-- miss rate <= $target with the first token ignored, found the way Etalon finds it (metric_utils.py,
-- find_min_tbt_deadline_to_meet): bisection over [0, 1e10] s that moves each end 1e-4 s past the midpoint and
-- stops when the bracket is 1e-4 s wide. Its answer lies up to ~3e-4 s above the exact minimum; we keep Etalon's
-- search so rates stay comparable with Etalon's, in double seconds as Etalon does. Each midpoint is judged on
-- integer ticks (dd = round(mid * $tps)) by the same macro as the deadline SLO.
-- A midpoint at or above the request's largest gap keeps every token on time, so the first ~35 steps are decided
-- without looking at tokens: this recursive part takes them on scalars only; fluid-step.sql does the rest.
-- lb_ticks: a floor under the exact minimum. Every late token raises the running max by u_i - base_i and misses
-- at least that over dd, so missed >= max_i u_i / dd >= c_i / dd - i (c_i = t_i - t_0); a rate <= r needs
-- missed <= r K / (1 - r) with K judged tokens, hence dd >= c_i / (i + r K / (1 - r)) for every i. Midpoints
-- below it fail without a pass over tokens, and it lets the p99 pruning (fluid-step.sql) start at once.
-- Requests with fewer than two tokens have no gap to judge and are left out (included = false); failed requests
-- are in at +infinity.
CREATE OR REPLACE TEMP TABLE fluid_lists AS
SELECT request_idx, token_ns AS ts FROM run_requests WHERE status = 'ok' AND len(token_ns) >= 2;

CREATE OR REPLACE TEMP TABLE fluid_state AS
WITH RECURSIVE req AS (
  SELECT request_idx, (status <> 'ok' OR len(token_ns) = 0) AS failed, len(token_ns) >= 2 AS judged,
    coalesce(list_max(list_transform(token_ns[2:], lambda t, i: t - token_ns[i])), 0) AS max_gap,
    coalesce(list_max(list_transform(token_ns[2:], lambda t, i:
      (t - token_ns[1]) / (i + $target * (len(token_ns) - 1) / (1 - $target)))), 0) * (1 - 1e-9) AS lb_ticks
  FROM run_requests
),
easy(request_idx, k, lo_s, hi_s, deadline_s, max_gap) AS (
  SELECT request_idx, 0, 0.0::DOUBLE, 1e10::DOUBLE, 1e10::DOUBLE, max_gap FROM req WHERE judged AND NOT failed
  UNION ALL
  SELECT request_idx, k + 1, lo_s, (lo_s + hi_s) / 2 - 1e-4, (lo_s + hi_s) / 2, max_gap FROM easy
  WHERE hi_s - lo_s > 1e-4 AND round((lo_s + hi_s) / 2 * $tps) >= max_gap
)
SELECT r.request_idx, r.failed, r.failed OR r.judged AS included, r.max_gap, r.lb_ticks,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.lo_s END AS lo_s,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.hi_s END AS hi_s,
  CASE WHEN r.failed THEN 'inf'::DOUBLE ELSE e.deadline_s END AS deadline_s,
  false AS pruned
FROM req r LEFT JOIN (SELECT * FROM easy QUALIFY k = max(k) OVER (PARTITION BY request_idx)) e USING (request_idx)
WHERE r.failed OR r.judged;
