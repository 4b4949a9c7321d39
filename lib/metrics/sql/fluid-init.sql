-- Fluid token generation rate, step 1 (metrics.md): per request, the smallest per-token deadline dd keeping its
-- miss rate <= $target with the first token ignored, found the way Etalon finds it (metric_utils.py,
-- find_min_tbt_deadline_to_meet): bisection over [0, 1e10] s that moves each end 1e-4 s past the midpoint and
-- stops when the bracket is 1e-4 s wide. Its answer lies up to ~3e-4 s above the exact minimum; we keep Etalon's
-- search so capacities stay comparable with Etalon's, in double seconds as Etalon does. Each midpoint is judged on
-- integer ticks (dd = round(mid * $tps)) by the same macro as the deadline SLO.
-- hi_s: the largest gap; any dd at or above it keeps every token on time, so those steps need no pass over tokens.
CREATE OR REPLACE TEMP TABLE fluid AS
SELECT request_idx, token_ns AS ts, (status <> 'ok' OR len(token_ns) = 0) AS failed,
  0.0::DOUBLE AS lo_s, 1e10::DOUBLE AS hi_s, 1e10::DOUBLE AS deadline_s,
  coalesce(list_max(list_transform(token_ns[2:], lambda t, i: t - token_ns[i])), 0) AS max_gap
FROM run_requests;
