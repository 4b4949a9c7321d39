-- Staging tables a writer fills from JS before COPYing them to Parquet. Times arrive as DOUBLE (JS numbers hold
-- integer nanoseconds exactly up to 2^53) and are cast to BIGINT on the way out: appending doubles through data
-- chunks is several times faster than converting every value to a JS bigint.
CREATE OR REPLACE TEMP TABLE stage_run (
  run_id VARCHAR, fingerprint VARCHAR, qps DOUBLE, job_id VARCHAR, model VARCHAR, system VARCHAR, trace VARCHAR,
  seed DOUBLE, started_at VARCHAR, duration_ns DOUBLE, clock VARCHAR, complete BOOLEAN, stop_reason VARCHAR,
  lag_p99_ns DOUBLE, requests INTEGER
);
CREATE OR REPLACE TEMP TABLE stage_requests (
  request_idx INTEGER, scheduled_ns DOUBLE, sent_ns DOUBLE, prompt_tokens_requested INTEGER, prompt_tokens INTEGER,
  output_tokens_requested INTEGER, output_tokens INTEGER, status VARCHAR, http_status INTEGER, error VARCHAR,
  token_source VARCHAR, end_ns DOUBLE, token_ns DOUBLE[]
);
CREATE OR REPLACE TEMP TABLE stage_samples (
  t_ns DOUBLE, running DOUBLE, waiting DOUBLE, kv_usage DOUBLE, preemptions DOUBLE
);
