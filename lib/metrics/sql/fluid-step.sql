-- One bisection step (fluid-init.sql) for every request whose bracket is open and that may still matter.
-- Etalon's final answer for a request lies in [max(lo_s, (lb_ticks - 1) / $tps), deadline_s] (a midpoint is judged
-- at round(mid * $tps) ticks, hence the tick of margin). The p99 needs only the values at ranks
-- floor(h) and ceil(h), h = 0.99 (R - 1); a request whose whole interval lies below the floor(h)-th smallest lo_s,
-- or above the ceil(h)-th smallest deadline_s, cannot be at those ranks and stays on its side, so with $prune it
-- is not refined further (its stored value is then only a bound). Without $prune every request is refined.
CREATE OR REPLACE TEMP TABLE fluid_bounds AS
SELECT list_sort(list(greatest(lo_s, (lb_ticks - 1) / $tps)))[floor(0.99 * (count(*) - 1))::BIGINT + 1] AS a_lo,
       list_sort(list(deadline_s))[ceil(0.99 * (count(*) - 1))::BIGINT + 1] AS b_hi
FROM fluid_state WHERE included;

UPDATE fluid_state SET pruned = true
FROM fluid_bounds
WHERE $prune AND NOT pruned AND NOT failed AND (deadline_s < a_lo OR greatest(lo_s, (lb_ticks - 1) / $tps) > b_hi);

-- Midpoints that need the tokens: from the floor lb_ticks (and one tick) up to the largest gap.
CREATE OR REPLACE TEMP TABLE fluid_ok AS
SELECT s.request_idx,
  hr_miss_rate(hr_deadline_state_skip_first(l.ts, l.ts[1], 0, round((s.lo_s + s.hi_s) / 2 * $tps)::BIGINT)) <= $target AS ok
FROM fluid_state s JOIN fluid_lists l USING (request_idx)
WHERE s.hi_s - s.lo_s > 1e-4 AND NOT s.pruned AND NOT s.failed
  AND round((s.lo_s + s.hi_s) / 2 * $tps) >= greatest(1, s.lb_ticks) AND round((s.lo_s + s.hi_s) / 2 * $tps) < s.max_gap;

UPDATE fluid_state SET
  lo_s = CASE WHEN ok THEN lo_s ELSE mid + 1e-4 END,
  hi_s = CASE WHEN ok THEN mid - 1e-4 ELSE hi_s END,
  deadline_s = CASE WHEN ok THEN mid ELSE deadline_s END
FROM (
  SELECT s.request_idx AS k, (s.lo_s + s.hi_s) / 2 AS mid,
    coalesce(o.ok, round((s.lo_s + s.hi_s) / 2 * $tps) >= s.max_gap) AS ok
  FROM fluid_state s LEFT JOIN fluid_ok o USING (request_idx)
  WHERE s.hi_s - s.lo_s > 1e-4 AND NOT s.pruned AND NOT s.failed
) AS step
WHERE fluid_state.request_idx = step.k;

SELECT count(*) AS open FROM fluid_state WHERE hi_s - lo_s > 1e-4 AND NOT pruned AND NOT failed;
