-- Step 3: tokens per second = 1 / (p99 over requests of the smallest deadline, seconds). Requests with fewer than
-- two tokens have no gap to judge and are left out; failed requests count at +infinity (rate 0 if they reach p99).
SELECT quantile_cont(CASE WHEN failed THEN 'inf'::DOUBLE ELSE deadline_s END, 0.99) AS p99_s, count(*) AS requests
FROM fluid WHERE failed OR len(ts) >= 2
