-- Tokens per second = 1 / (p99 over requests of the smallest deadline, seconds); failed requests are at +infinity.
SELECT quantile_cont(deadline_s, 0.99) AS p99_s, count(*) AS requests FROM fluid_state WHERE included
