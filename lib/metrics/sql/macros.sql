-- Deadline accounting for one request, in the running-max form of metrics.md, on integer ticks (exact: a token
-- exactly on its deadline is on time). ts: token times; a: arrival; dp: first-token deadline after a; dd: the
-- per-token deadline; skip_first: ignore token 0 (base then starts at u_0 instead of 0).
--   u_i = t_i - a - dp - i*dd;  base_i = running max of earlier u (floor 0);  late iff u_i > base_i,
--   and a late token misses 1 + (u_i - base_i) // dd deadlines (integer division; u_i - base_i > 0 there).
-- Returns {u: final base, on: on-time tokens, m: missed deadlines}. list_reduce needs element and accumulator of
-- one type, hence the struct-per-token transform.
CREATE OR REPLACE MACRO hr_deadline_state(ts, a, dp, dd, skip_first) AS
  list_reduce(
    list_transform(CASE WHEN skip_first THEN ts[2:] ELSE ts END,
      lambda t, i: {'u': t - a - dp - (i - 1 + CASE WHEN skip_first THEN 1 ELSE 0 END) * dd, 'on': 0::BIGINT, 'm': 0::BIGINT}),
    lambda acc, x: CASE WHEN x.u <= acc.u THEN {'u': acc.u, 'on': acc.on + 1, 'm': acc.m}
                        ELSE {'u': x.u, 'on': acc.on, 'm': acc.m + 1 + (x.u - acc.u) // dd} END,
    {'u': CASE WHEN skip_first THEN ts[1] - a - dp ELSE 0 END::BIGINT, 'on': 0::BIGINT, 'm': 0::BIGINT});

-- Miss rate from that state: missed / (on-time + missed), 0 when there was nothing to be late for.
CREATE OR REPLACE MACRO hr_miss_rate(state) AS
  CASE WHEN state.on + state.m = 0 THEN 0.0 ELSE state.m / (state.on + state.m) END;
