-- One bisection step for every request whose bracket is still open (see fluid-init.sql).
UPDATE fluid SET
  lo_s = CASE WHEN ok THEN lo_s ELSE mid + 1e-4 END,
  hi_s = CASE WHEN ok THEN mid - 1e-4 ELSE hi_s END,
  deadline_s = CASE WHEN ok THEN mid ELSE deadline_s END
FROM (
  SELECT request_idx AS k, mid,
    CASE WHEN round(mid * $tps) >= max_gap THEN true
         WHEN round(mid * $tps) < 1 THEN false
         ELSE hr_miss_rate(hr_deadline_state_skip_first(ts, ts[1], 0, round(mid * $tps)::BIGINT)) <= $target END AS ok
  FROM (SELECT request_idx, ts, max_gap, (lo_s + hi_s) / 2 AS mid FROM fluid WHERE hi_s - lo_s > 1e-4 AND NOT failed)
) AS step
WHERE fluid.request_idx = step.k;
