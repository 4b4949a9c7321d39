-- Fluid token rate, after the first screen: for the requests it left open (few), the largest gap is a closer
-- ceiling on T than the span (with dd at or above every gap no token is late).
UPDATE fluid_bounds SET ub_ticks = least(ub_ticks, g.max_gap)
FROM (SELECT l.request_idx, list_max(list_transform(list_zip(l.ts[2:], l.ts[:-2]), lambda p: p[1] - p[2])) AS max_gap
      FROM fluid_lists l JOIN fluid_bounds b USING (request_idx) WHERE b.open) AS g
WHERE fluid_bounds.request_idx = g.request_idx;
