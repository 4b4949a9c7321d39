-- Fluid token generation rate, step 1 (metrics.md): per request, the smallest per-token deadline dd keeping its
-- miss rate <= $target with the first token ignored. We find Etalon's answer (fluid-state.sql) from brackets on
-- the exact threshold T (in ticks): a request passes at dd iff dd >= T, because both the late-token count and the
-- missed-deadline count are non-increasing in dd (token i is late iff dd < min over j < i of (c_i - c_j)/(i - j),
-- and a late token misses 1 + floor(min_j (c_i - c_j)/dd - (i - j)) deadlines; c_i = t_i - t_0).
-- Bounds here need no pass over the tokens:
-- lb_ticks: every dd below it fails. The misses add up to more than max_i (c_i / dd - i) >= c_K / dd - K
-- (K judged tokens), and a rate <= r needs misses <= r K / (1 - r), hence T > c_K / (K + r K / (1 - r)).
-- ub_ticks: every dd at or above it passes. The span c_K is at least every gap, and with dd >= every gap no token
-- is late. fluid-screen.sql tightens both.
-- Requests with fewer than two tokens have no gap to judge and are left out; failed requests are in at +infinity.
-- The token lists are read from the run once, here; fluid_lists then keeps those of the requests still open.
CREATE OR REPLACE TEMP TABLE fluid_lists AS
SELECT request_idx, status <> 'ok' OR len(token_ns) = 0 AS failed, token_ns AS ts
FROM run_requests WHERE status <> 'ok' OR len(token_ns) >= 2;

CREATE OR REPLACE TEMP TABLE fluid_bounds AS
SELECT request_idx, failed, len(ts) - 1 AS k,
  CASE WHEN failed THEN 'inf'::DOUBLE ELSE (ts[-1] - ts[1]) / (len(ts) - 1 + $target * (len(ts) - 1) / (1 - $target)) * (1 - 1e-9) END AS lb_ticks,
  CASE WHEN failed THEN 'inf'::DOUBLE ELSE greatest(ts[-1] - ts[1], 1) END AS ub_ticks,
  NOT failed AS open, 0 AS side
FROM fluid_lists;

DELETE FROM fluid_lists WHERE failed;

-- The first screen's deadline: the p99 rank's lower bound less a tick, so every request at or above that rank
-- fails there. Also the run's first token, span and most judged tokens, which size the packed accumulator of
-- hr_fluid_missed.
SELECT list_sort(list(lb_ticks))[floor(0.99 * (count(*) - 1))::BIGINT + 1] AS lb_at_p99,
  (SELECT min(ts[1]) FROM fluid_lists) AS t0, (SELECT max(ts[-1]) - min(ts[1]) FROM fluid_lists) AS span,
  max(k) AS max_k
FROM fluid_bounds;
