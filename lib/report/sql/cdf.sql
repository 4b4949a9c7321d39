-- TTFT (over requests) and TBT (over the pooled gaps) at the fractions {{fractions}} for the runs {{runs}}, with
-- how many values there were in all (total) and how many are finite (ok): as in metrics.md, a failed request is
-- one +infinity TTFT and one +infinity gap, so its real partial gaps are not pooled.
WITH r AS (
  SELECT run_id, (status <> 'ok' OR len(token_ns) = 0) AS failed, token_ns, scheduled_ns
  FROM requests WHERE run_id IN ({{runs}})
),
ttft AS (
  SELECT run_id, count(*) AS total, count(*) FILTER (WHERE NOT failed) AS ok,
    quantile_cont((token_ns[1] - scheduled_ns) / 1e9, {{fractions}}) FILTER (WHERE NOT failed) AS q
  FROM r GROUP BY run_id
),
gaps AS (
  SELECT run_id, unnest(CASE WHEN failed THEN [NULL::DOUBLE]
                             ELSE list_transform(token_ns[2:], lambda t, i: (t - token_ns[i]) / 1e9) END) AS g
  FROM r
),
tbt AS (
  SELECT run_id, count(*) AS total, count(g) AS ok, quantile_cont(g, {{fractions}}) AS q FROM gaps GROUP BY run_id
)
SELECT run_id, 'TTFT' AS metric, total::DOUBLE AS total, ok::DOUBLE AS ok, q FROM ttft
UNION ALL
SELECT run_id, 'TBT', total::DOUBLE, ok::DOUBLE, q FROM tbt
