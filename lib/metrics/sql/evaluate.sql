-- Every figure the SLOs of one run need, in one pass over the run's requests.
-- Inputs: view run_requests (one run's requests.parquet); temp tables eval_deadlines(slo_idx, dd, slack) and
-- eval_prefill(prompt_tokens, prefill); $tps = ticks per second (1e9: times are ns); $pcts = every percentile asked;
-- $dyn = some SLO bounds TTFT minus the predicted prefill (ttft_dyn).
-- Output rows: (metric, slo_idx, q) where q[k] is the quantile_cont at $pcts[k]; metric 'missing_prefill' lists
-- prompt lengths a deadline SLO or a dynamic TTFT bound needs and the prefill table lacks. Failed requests count
-- at +infinity (TTFT, dynamic TTFT, TPOT, one pooled TBT gap) and at miss rate 1 (metrics.md, "Failures count"),
-- whatever their prompt length.
WITH req AS MATERIALIZED (
  SELECT request_idx, scheduled_ns AS a, sent_ns, coalesce(prompt_tokens, prompt_tokens_requested) AS p,
    token_ns AS ts, (status <> 'ok' OR len(token_ns) = 0) AS failed
  FROM run_requests
),
per_request AS MATERIALIZED (
  SELECT
    CASE WHEN failed THEN 'inf'::DOUBLE ELSE (ts[1] - a) / $tps END AS ttft,
    -- NULL where the prefill table lacks the prompt length (listed in missing_prefill, never judged)
    CASE WHEN failed THEN 'inf'::DOUBLE ELSE (ts[1] - a - f.prefill) / $tps END AS ttft_dyn,
    CASE WHEN failed THEN 'inf'::DOUBLE WHEN len(ts) < 2 THEN 0.0 ELSE (ts[-1] - ts[1]) / (len(ts) - 1) / $tps END AS tpot,
    (sent_ns - a) / $tps AS lag,
    p, NOT failed AND f.prefill IS NULL AS no_prefill
  FROM req r LEFT JOIN eval_prefill f ON f.prompt_tokens = r.p
),
-- Two unnests in one SELECT advance together: gap k = t[k+1] - t[k] without a lambda or a window.
gaps AS (
  SELECT (unnest(ts[2:]) - unnest(ts[:-2])) / $tps AS g FROM req WHERE NOT failed
  UNION ALL SELECT 'inf'::DOUBLE FROM req WHERE failed
),
-- Deadline SLOs that share (dd, slack) share the pass over the tokens; MATERIALIZED keeps the join that fans
-- the result out to each SLO from being pushed under the list_reduce.
-- (A CASE around list_reduce made it several times slower, hence the UNION ALL for failed requests.)
miss AS MATERIALIZED (
  SELECT d.dd, d.slack, hr_miss_rate(hr_deadline_state(r.ts, r.a, f.prefill + d.slack, d.dd)) AS miss
  FROM req r CROSS JOIN (SELECT DISTINCT dd, slack FROM eval_deadlines) d
  LEFT JOIN eval_prefill f ON f.prompt_tokens = r.p
  WHERE NOT r.failed
  UNION ALL
  SELECT d.dd, d.slack, 1.0
  FROM req r CROSS JOIN (SELECT DISTINCT dd, slack FROM eval_deadlines) d WHERE r.failed
),
deadline AS (
  SELECT e.slo_idx, m.miss FROM miss m JOIN eval_deadlines e USING (dd, slack)
)
SELECT 'ttft' AS metric, NULL::INTEGER AS slo_idx, quantile_cont(ttft, $pcts) AS q FROM per_request
UNION ALL SELECT 'tpot', NULL, quantile_cont(tpot, $pcts) FROM per_request
UNION ALL SELECT 'lag', NULL, [quantile_cont(lag, 0.99)] FROM per_request
UNION ALL SELECT 'requests', NULL, [count(*)::DOUBLE] FROM per_request
UNION ALL SELECT 'tbt', NULL, quantile_cont(g, $pcts) FROM gaps
UNION ALL SELECT 'miss_rate', slo_idx, quantile_cont(miss, $pcts) FROM deadline GROUP BY slo_idx
UNION ALL SELECT 'ttft_dyn', NULL, quantile_cont(ttft_dyn, $pcts) FROM per_request WHERE $dyn
UNION ALL SELECT 'missing_prefill', NULL, list(DISTINCT p::DOUBLE ORDER BY p::DOUBLE)
  FROM per_request WHERE no_prefill AND ($dyn OR EXISTS (SELECT 1 FROM eval_deadlines)) HAVING count(*) > 0
