-- Figures of one run for `run.mjs bench`: percentiles over requests (TTFT, TPOT, E2E) and pooled gaps (TBT),
-- over the requests that completed; failures are counted beside them. $run_id is the run.
WITH m AS (SELECT * FROM request_metrics WHERE run_id = $run_id),
ok AS (SELECT * FROM m WHERE NOT failed),
gaps AS (SELECT unnest(tbt_s) AS g FROM ok)
SELECT
  (SELECT count(*) FROM m) AS requests,
  (SELECT count(*) FROM m WHERE failed) AS failed,
  (SELECT quantile_cont(ttft_s, [0.5, 0.9, 0.99]) FROM ok) AS ttft,
  (SELECT quantile_cont(g, [0.5, 0.9, 0.99]) FROM gaps) AS tbt,
  (SELECT quantile_cont(tpot_s, [0.5, 0.9, 0.99]) FROM ok) AS tpot,
  (SELECT quantile_cont(e2e_s, [0.5, 0.9, 0.99]) FROM ok) AS e2e,
  (SELECT sum(output_tokens) FROM m) AS output_tokens,
  (SELECT duration_ns / 1e9 FROM runs WHERE run_id = $run_id) AS duration_s
