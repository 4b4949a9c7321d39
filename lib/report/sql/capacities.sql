-- Every stored capacity of one workflow's jobs, newest first; data.ts keeps the newest whose probes are all runs
-- of the job's current fingerprint. {{workflow}}: quoted literal; {{jobs}}: quoted job ids.
SELECT job_id, slo, capacity_qps, fail_qps, benchmark_seconds, written_at,
  to_json(probes)::VARCHAR AS probes_json
FROM capacities
WHERE workflow = {{workflow}} AND job_id IN ({{jobs}})
ORDER BY written_at DESC
