CREATE OR REPLACE TEMP TABLE stage_capacities (
  row_idx INTEGER, job_id VARCHAR, slo VARCHAR, capacity_qps DOUBLE, fail_qps DOUBLE, benchmark_seconds DOUBLE
);
CREATE OR REPLACE TEMP TABLE stage_probes (
  row_idx INTEGER, probe_idx INTEGER, qps DOUBLE, run_id VARCHAR, valid BOOLEAN, pass BOOLEAN,
  benchmark_seconds DOUBLE, cached BOOLEAN, values_json VARCHAR
);
