-- Deadline accounting per request with per-request deadlines (the golden request cases), through the same macro
-- the SLO evaluation uses. Inputs: run_requests; temp table miss_params(request_idx, dp, dd, skip_first).
SELECT request_idx, s.m AS missed, s.on + s.m AS total, hr_miss_rate(s) AS miss_rate
FROM (
  SELECT r.request_idx, CASE WHEN p.skip_first THEN hr_deadline_state_skip_first(r.token_ns, r.scheduled_ns, p.dp, p.dd)
              ELSE hr_deadline_state(r.token_ns, r.scheduled_ns, p.dp, p.dd) END AS s
  FROM run_requests r JOIN miss_params p USING (request_idx)
)
ORDER BY request_idx
