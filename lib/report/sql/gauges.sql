-- Server gauges scraped during the runs {{runs}} ({{server_samples}}: their files), seconds on the run clock.
SELECT run_id, t_ns / 1e9 AS t_s, running, waiting, kv_usage
FROM {{server_samples}} WHERE run_id IN ({{runs}})
ORDER BY run_id, t_ns
