-- The first {{limit}} requests of run {{run}} (read from {{requests}}, its own file) in schedule order: arrival,
-- first and last token, in seconds.
-- A request that produced no token ends where the client gave up on it (end_ns).
SELECT request_idx AS idx, scheduled_ns / 1e9 AS arrival_s, token_ns[1] / 1e9 AS first_s,
  coalesce(token_ns[-1], end_ns) / 1e9 AS last_s, status
FROM {{requests}} WHERE run_id = {{run}}
ORDER BY request_idx LIMIT {{limit}}
