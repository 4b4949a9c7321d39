-- Fluid token rate, step 4: one bisection step (fluid-state.sql) for every request whose bracket is open and that
-- may still matter. Etalon's final answer for a request lies in [lo, hi] with
--   lo = max(lo_s, (lb_ticks - 1) / $tps): a passing midpoint has round(mid * $tps) >= T > lb_ticks - 1;
--   hi = min(deadline_s, ub_ticks / $tps + 3e-4): once a midpoint passed, the search ends with
--        deadline <= left + 2e-4, and left (a failing midpoint + 1e-4) < T / $tps + 1e-4.
-- The p99 needs only the values at ranks floor(h) and ceil(h), h = 0.99 (R - 1) (R judged requests). Etalon's
-- answer is non-decreasing in the threshold T, so a request whose T cannot reach the floor(h)-th smallest lb_ticks
-- (ub_ticks below it) or whose answer cannot reach the floor(h)-th smallest lo is below those ranks; one whose T
-- exceeds the ceil(h)-th smallest ub_ticks, or whose answer exceeds the ceil(h)-th smallest hi, is above them.
-- With $prune such a request is not refined further and keeps a bound on its side: lo below, hi above.
-- Without $prune every request is refined.
CREATE OR REPLACE TEMP TABLE fluid_rank AS
WITH b AS (
  SELECT CASE WHEN failed THEN 'inf'::DOUBLE ELSE lb_ticks END AS lb_t, CASE WHEN failed THEN 'inf'::DOUBLE ELSE ub_ticks END AS ub_t,
    greatest(lo_s, (lb_ticks - 1) / $tps) AS lo, least(deadline_s, (ub_ticks / $tps + 3e-4) * (1 + 1e-9)) AS hi
  FROM fluid_state WHERE included
)
SELECT list_sort(list(lb_t))[floor(0.99 * (count(*) - 1))::BIGINT + 1] AS a_lo_t,
       list_sort(list(ub_t))[ceil(0.99 * (count(*) - 1))::BIGINT + 1] AS b_hi_t,
       list_sort(list(lo))[floor(0.99 * (count(*) - 1))::BIGINT + 1] AS a_lo,
       list_sort(list(hi))[ceil(0.99 * (count(*) - 1))::BIGINT + 1] AS b_hi
FROM b;

UPDATE fluid_state SET pruned = true,
  deadline_s = CASE WHEN ub_ticks < a_lo_t OR least(deadline_s, (ub_ticks / $tps + 3e-4) * (1 + 1e-9)) < a_lo
    THEN greatest(lo_s, (lb_ticks - 1) / $tps) ELSE deadline_s END
FROM fluid_rank
WHERE $prune AND NOT pruned AND NOT failed
  AND (ub_ticks < a_lo_t OR least(deadline_s, (ub_ticks / $tps + 3e-4) * (1 + 1e-9)) < a_lo
       OR lb_ticks > b_hi_t OR greatest(lo_s, (lb_ticks - 1) / $tps) > b_hi);

-- Midpoints that need the tokens: from the floor lb_ticks (and one tick) up to the ceiling ub_ticks.
CREATE OR REPLACE TEMP TABLE fluid_ok AS
SELECT s.request_idx,
  hr_miss_rate(hr_deadline_state_skip_first(l.ts, l.ts[1], 0, round((s.lo_s + s.hi_s) / 2 * $tps)::BIGINT)) <= $target AS ok
FROM fluid_state s JOIN fluid_lists l USING (request_idx)
WHERE s.hi_s - s.lo_s > 1e-4 AND NOT s.pruned AND NOT s.failed
  AND round((s.lo_s + s.hi_s) / 2 * $tps) >= greatest(1, s.lb_ticks) AND round((s.lo_s + s.hi_s) / 2 * $tps) < s.ub_ticks;

UPDATE fluid_state SET
  lo_s = CASE WHEN ok THEN lo_s ELSE mid + 1e-4 END,
  hi_s = CASE WHEN ok THEN mid - 1e-4 ELSE hi_s END,
  deadline_s = CASE WHEN ok THEN mid ELSE deadline_s END
FROM (
  SELECT s.request_idx AS k, (s.lo_s + s.hi_s) / 2 AS mid,
    coalesce(o.ok, round((s.lo_s + s.hi_s) / 2 * $tps) >= s.ub_ticks) AS ok
  FROM fluid_state s LEFT JOIN fluid_ok o USING (request_idx)
  WHERE s.hi_s - s.lo_s > 1e-4 AND NOT s.pruned AND NOT s.failed
) AS step
WHERE fluid_state.request_idx = step.k;

SELECT count(*) AS open FROM fluid_state WHERE hi_s - lo_s > 1e-4 AND NOT pruned AND NOT failed;
