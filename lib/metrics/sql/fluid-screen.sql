-- Fluid token rate, step 2: judge every open request at one deadline $dd (ticks, the same for all), narrow its
-- bracket on T, and close the requests that cannot be at the p99. The first screen sits just under the p99
-- rank's floor, so only the requests that may be at the p99 stay open; fluid.ts then bisects between the floor
-- and the ceiling of the p99 rank with a few more screens over those.
-- hr_fluid_missed counts missed deadlines (metrics.md, first token ignored) in the schedule form: the next
-- deadline moves on by dd after an on-time token and restarts at t + dd after a late one, which misses
-- 1 + (t - deadline) // dd. Its accumulator is one BIGINT, (next deadline - t0) * scale + misses: the struct
-- form of macros.sql takes several times longer per pass. fluid.ts picks scale so that neither part can
-- overflow (the count stays below scale). dd, t0 and scale must be constants: a reduce lambda whose CASE read a
-- column gave wrong counts (see macros.sql).
CREATE OR REPLACE TEMP MACRO hr_fluid_missed(ts, t0, dd, scale) AS
  list_reduce(ts[2:],
    lambda acc, t: CASE WHEN t - t0 <= acc // scale THEN acc + dd * scale
                        ELSE (t - t0 + dd) * scale + acc % scale + 1 + (t - t0 - acc // scale) // dd END,
    (ts[1] - t0 + dd) * scale) % scale;

-- hr_fluid_late counts the late tokens (L) the same way.
CREATE OR REPLACE TEMP MACRO hr_fluid_late(ts, t0, dd, scale) AS
  list_reduce(ts[2:],
    lambda acc, t: CASE WHEN t - t0 <= acc // scale THEN acc + dd * scale ELSE (t - t0 + dd) * scale + acc % scale + 1 END,
    (ts[1] - t0 + dd) * scale) % scale;

-- The miss count alone often settles it: on-time + missed = K - L + m lies in [K, K + m], so m / K <= r proves a
-- pass (dd >= T) and m / (K + m) > r a failure (dd < T). The rest also count L for the exact rate
-- m / (K - L + m), as hr_miss_rate computes it.
CREATE OR REPLACE TEMP TABLE fluid_screen AS
SELECT request_idx, k, m, CASE WHEN m / k <= $target THEN true WHEN m / (k + m) > $target THEN false END AS ok
FROM (SELECT l.request_idx, b.k, hr_fluid_missed(l.ts, $t0, $dd, $scale) AS m
      FROM fluid_lists l JOIN fluid_bounds b USING (request_idx) WHERE b.open);

-- (Their lists are copied out first: joined straight to fluid_lists, the second count ran over every list.)
CREATE OR REPLACE TEMP TABLE fluid_undecided AS
SELECT request_idx, ts FROM fluid_lists WHERE request_idx IN (SELECT request_idx FROM fluid_screen WHERE ok IS NULL);

CREATE OR REPLACE TEMP TABLE fluid_screen_exact AS
SELECT u.request_idx, s.m / (s.k - hr_fluid_late(u.ts, $t0, $dd, $scale) + s.m) <= $target AS ok
FROM fluid_undecided u JOIN fluid_screen s USING (request_idx);

UPDATE fluid_bounds SET
  ub_ticks = CASE WHEN coalesce(s.ok, e.ok) THEN least(ub_ticks, $dd) ELSE ub_ticks END,
  lb_ticks = CASE WHEN coalesce(s.ok, e.ok) THEN lb_ticks ELSE greatest(lb_ticks, $dd + 1) END
FROM fluid_screen s LEFT JOIN fluid_screen_exact e USING (request_idx)
WHERE fluid_bounds.request_idx = s.request_idx;

-- Only the thresholds at ranks floor(h) and ceil(h), h = 0.99 (R - 1), matter. A request with ub_ticks below the
-- floor(h)-th smallest lb_ticks has a smaller T than the one at rank floor(h) (side -1); one with lb_ticks above
-- the ceil(h)-th smallest ub_ticks has a larger T than the one at rank ceil(h) (side 1). Etalon's answer is
-- non-decreasing in T, so they stay on their side of the p99 whatever their exact values.
CREATE OR REPLACE TEMP TABLE fluid_rank_t AS
SELECT list_sort(list(lb_ticks))[floor(0.99 * (count(*) - 1))::BIGINT + 1] AS a_lo_t,
       list_sort(list(ub_ticks))[ceil(0.99 * (count(*) - 1))::BIGINT + 1] AS b_hi_t
FROM fluid_bounds;

UPDATE fluid_bounds SET open = false, side = CASE WHEN ub_ticks < a_lo_t THEN -1 ELSE 1 END
FROM fluid_rank_t WHERE $prune AND open AND (ub_ticks < a_lo_t OR lb_ticks > b_hi_t);

-- Later screens and the bisection steps read only the lists of open requests.
DELETE FROM fluid_lists WHERE request_idx IN (SELECT request_idx FROM fluid_bounds WHERE NOT open);

SELECT a_lo_t, b_hi_t, (SELECT count(*) FROM fluid_bounds WHERE open) AS open FROM fluid_rank_t;
