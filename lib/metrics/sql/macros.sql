-- Deadline accounting for one request, in the running-max form of metrics.md, on integer ticks (exact: a token
-- exactly on its deadline is on time). ts: token times; a: arrival; dp: first-token deadline after a; dd: the
-- per-token deadline.
--   u_i = t_i - a - dp - i*dd;  base_i = running max of earlier u, floor 0;  late iff u_i > base_i,
--   and a late token misses 1 + (u_i - base_i) // dd deadlines (integer division; u_i - base_i > 0 there).
-- Returns {u: final base, on: on-time tokens, m: missed deadlines}. list_reduce wants element and accumulator of
-- one type, hence the struct per token, which also carries dd: a reduce lambda that read the outer column dd gave
-- wrong counts on lists of unequal length (DuckDB 1.5.6); its cost is per list position, so the step stays simple.
CREATE OR REPLACE MACRO hr_deadline_state(ts, a, dp, dd) AS
  list_reduce(
    list_transform(ts, lambda t, i: {'u': t - a - dp - (i - 1) * dd, 'on': 0::BIGINT, 'm': 0::BIGINT, 'd': dd::BIGINT}),
    lambda acc, x: {'u': greatest(acc.u, x.u), 'on': acc.on + (x.u <= acc.u)::BIGINT,
                    'm': acc.m + CASE WHEN x.u <= acc.u THEN 0 ELSE 1 + (x.u - acc.u) // x.d END, 'd': x.d},
    {'u': 0::BIGINT, 'on': 0::BIGINT, 'm': 0::BIGINT, 'd': dd::BIGINT});

-- The same with the first token ignored (Etalon's should_ignore_first_token): token 0 is not judged and the base
-- starts at u_0 rather than 0.
CREATE OR REPLACE MACRO hr_deadline_state_skip_first(ts, a, dp, dd) AS
  list_reduce(
    list_transform(ts[2:], lambda t, i: {'u': t - a - dp - i * dd, 'on': 0::BIGINT, 'm': 0::BIGINT, 'd': dd::BIGINT}),
    lambda acc, x: {'u': greatest(acc.u, x.u), 'on': acc.on + (x.u <= acc.u)::BIGINT,
                    'm': acc.m + CASE WHEN x.u <= acc.u THEN 0 ELSE 1 + (x.u - acc.u) // x.d END, 'd': x.d},
    {'u': (ts[1] - a - dp)::BIGINT, 'on': 0::BIGINT, 'm': 0::BIGINT, 'd': dd::BIGINT});

-- Miss rate from that state: missed / (on-time + missed), 0 when there was nothing to be late for.
CREATE OR REPLACE MACRO hr_miss_rate(state) AS
  CASE WHEN state.on + state.m = 0 THEN 0.0 ELSE state.m / (state.on + state.m) END;
