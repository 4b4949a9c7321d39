-- One writeCapacities call = one file. {{dir}}: temp folder; {{workflow}}, {{strategy}}: quoted literals.
COPY (
  SELECT now()::TIMESTAMPTZ AS written_at, {{workflow}}::VARCHAR AS workflow, {{strategy}}::VARCHAR AS strategy,
    c.job_id, c.slo, c.capacity_qps, c.fail_qps, c.benchmark_seconds,
    coalesce((
      SELECT list({'qps': p.qps, 'run_id': p.run_id, 'valid': p.valid, 'pass': p.pass,
                   'benchmark_seconds': p.benchmark_seconds, 'cached': p.cached, 'values_json': p.values_json}
                  ORDER BY p.probe_idx)
      FROM stage_probes p WHERE p.row_idx = c.row_idx
    ), []) AS probes
  FROM stage_capacities c ORDER BY c.row_idx
) TO '{{dir}}/capacities.parquet' (FORMAT parquet);
