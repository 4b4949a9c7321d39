-- TTFT (over requests) and TBT (over the pooled gaps) at the fractions {{fractions}} for the runs {{runs}}, read
-- from {{requests}} (their own files), with how many values there were in all (total) and how many are finite
-- (ok): as in metrics.md, a failed request is one +infinity TTFT and one +infinity gap, so its real partial gaps
-- are not pooled.
-- Quantiles are linear between order statistics (quantile_cont's definition) read off one sorted list: asking
-- quantile_cont for 200 fractions at once sorted the values again for each (measured 20x slower on 300k gaps).
WITH r AS (
  SELECT run_id, (status <> 'ok' OR len(token_ns) = 0) AS failed, token_ns, scheduled_ns
  FROM {{requests}} WHERE run_id IN ({{runs}})
),
vals AS (
  SELECT run_id, 'TTFT' AS metric, CASE WHEN failed THEN NULL ELSE (token_ns[1] - scheduled_ns) / 1e9 END AS v FROM r
  UNION ALL
  SELECT run_id, 'TBT', unnest(CASE WHEN failed THEN [NULL::DOUBLE]
                                    ELSE list_transform(token_ns[2:], lambda t, i: (t - token_ns[i]) / 1e9) END)
  FROM r
),
sorted AS (
  SELECT run_id, metric, count(*)::DOUBLE AS total, list_sort(list(v) FILTER (WHERE v IS NOT NULL)) AS s
  FROM vals GROUP BY run_id, metric
)
-- h = (n - 1) f; value = s[floor h] + (h - floor h) (s[floor h + 1] - s[floor h]), indices from 0 (SQL adds 1)
SELECT run_id, metric, total, len(s)::DOUBLE AS ok,
  list_transform({{fractions}}, lambda f:
    s[floor((len(s) - 1) * f)::BIGINT + 1]
    + ((len(s) - 1) * f - floor((len(s) - 1) * f))
      * (s[least(floor((len(s) - 1) * f)::BIGINT + 2, len(s))] - s[floor((len(s) - 1) * f)::BIGINT + 1])) AS q
FROM sorted WHERE len(s) > 0
