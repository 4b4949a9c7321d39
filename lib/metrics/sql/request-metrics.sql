-- Per-request figures in seconds (metrics.md): a = scheduled_ns, t_i = token_ns[i + 1].
-- failed: the request errored, timed out, was cancelled or produced no token; SLO percentiles count such a request
-- at +infinity (miss rate 1), whatever partial figures it has here.
CREATE OR REPLACE VIEW request_metrics AS
SELECT
  run_id, request_idx, status, (status <> 'ok' OR len(token_ns) = 0) AS failed,
  coalesce(prompt_tokens, prompt_tokens_requested) AS prompt_tokens, len(token_ns)::INTEGER AS output_tokens,
  (token_ns[1] - scheduled_ns) / 1e9 AS ttft_s,
  (token_ns[1] - sent_ns) / 1e9 AS ttft_sent_s,
  list_transform(token_ns[2:], lambda t, i: (t - token_ns[i]) / 1e9) AS tbt_s,
  CASE WHEN len(token_ns) < 2 THEN 0.0 ELSE (token_ns[-1] - token_ns[1]) / (len(token_ns) - 1) / 1e9 END AS tpot_s,
  (token_ns[-1] - scheduled_ns) / 1e9 AS e2e_s,
  (token_ns[-1] - scheduled_ns) / 1e9 / len(token_ns) AS normalized_latency_s,
  len(token_ns) / ((token_ns[-1] - scheduled_ns) / 1e9) AS output_tokens_per_s,
  (sent_ns - scheduled_ns) / 1e9 AS lag_s
FROM requests;
