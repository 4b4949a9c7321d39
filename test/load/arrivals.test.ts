import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildUnitArrivals, parseTimestampsCsv, scaleArrivalsNs } from '../../lib/load/arrivals.ts';

const gaps = (t: number[]) => t.slice(1).map((v, i) => v - t[i]!);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

test('static arrivals are evenly spaced at 1/qps', () => {
  assert.equal(scaleArrivalsNs(buildUnitArrivals({ type: 'static' }, 4, 1), 4), [0, 250_000_000, 500_000_000, 750_000_000]);
});

test('poisson gaps have mean 1/qps and cv 1; Etalon clipping caps them at 3/qps', () => {
  const free = gaps(buildUnitArrivals({ type: 'poisson', etalonClip: false }, 50_000, 3));
  const m = mean(free);
  const sd = Math.sqrt(mean(free.map((g) => (g - m) ** 2)));
  assert.ok(Math.abs(m - 1) < 0.02, `mean ${m}`);
  assert.ok(Math.abs(sd / m - 1) < 0.03, `cv ${sd / m}`);
  assert.ok(Math.max(...free) > 3);
  const clipped = gaps(buildUnitArrivals({ type: 'poisson', etalonClip: true }, 50_000, 3));
  assert.ok(Math.max(...clipped) <= 3 + 1e-9);
  // Same stream: gaps below the cap are unchanged.
  assert.is(clipped[0], Math.min(free[0]!, 3));
});

test('gamma gaps have mean 1/qps and the requested cv', () => {
  for (const cv of [0.5, 2]) {
    const g = gaps(buildUnitArrivals({ type: 'gamma', cv }, 80_000, 11));
    const m = mean(g);
    const sd = Math.sqrt(mean(g.map((x) => (x - m) ** 2)));
    assert.ok(Math.abs(m - 1) < 0.04, `cv ${cv}: mean ${m}`);
    assert.ok(Math.abs(sd / m - cv) < 0.06 * cv, `cv ${cv}: measured ${sd / m}`);
  }
});

test('timestamps are rescaled to the QPS and replayed when the run is longer than the trace', () => {
  const ts = parseTimestampsCsv('arrival_time\n100\n101\n103\n104\n', 't.csv');
  const unit = buildUnitArrivals({ type: 'timestamps', path: 't.csv' }, 6, 1, ts);
  // 3 gaps over 4 s -> rate 0.75/s, rescaled to mean gap 1
  assert.equal(unit.map((u) => Number(u.toFixed(6))), [0, 0.75, 2.25, 3, 4, 4.75]);
  assert.equal(scaleArrivalsNs(unit, 2).slice(0, 3), [0, 375_000_000, 1_125_000_000]);
});

test('timestamps may be date-times; a bad cell names file and row', () => {
  assert.equal(parseTimestampsCsv('arrival_time\n2024-01-01T00:00:00Z\n2024-01-01T00:00:02Z\n', 'd.csv').map((t) => t - 1704067200), [0, 2]);
  assert.throws(() => parseTimestampsCsv('arrival_time\n1\nsoon\n', 'd.csv'), /d\.csv: row 3: expected an arrival time/);
});

test.run();
