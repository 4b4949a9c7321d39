-- The three files of one run, with their final column types. {{dir}} is the run's temp folder; {{run_id}} its id.
COPY (
  SELECT run_id, fingerprint, qps, job_id, model, system, trace, seed::BIGINT AS seed, started_at,
    now()::TIMESTAMPTZ AS written_at, duration_ns::BIGINT AS duration_ns, clock, complete, stop_reason,
    lag_p99_ns::BIGINT AS lag_p99_ns, requests
  FROM stage_run
) TO '{{dir}}/run.parquet' (FORMAT parquet);
COPY (
  SELECT {{run_id}}::VARCHAR AS run_id, request_idx, scheduled_ns::BIGINT AS scheduled_ns, sent_ns::BIGINT AS sent_ns,
    prompt_tokens_requested, prompt_tokens, output_tokens_requested, output_tokens, status, http_status, error,
    token_source, end_ns::BIGINT AS end_ns, token_ns::BIGINT[] AS token_ns
  FROM stage_requests ORDER BY request_idx
) TO '{{dir}}/requests.parquet' (FORMAT parquet);
COPY (
  SELECT {{run_id}}::VARCHAR AS run_id, t_ns::BIGINT AS t_ns, running, waiting, kv_usage, preemptions::BIGINT AS preemptions
  FROM stage_samples ORDER BY t_ns
) TO '{{dir}}/server_samples.parquet' (FORMAT parquet);
