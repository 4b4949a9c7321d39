import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMISSION_LOG_HEADER, EmissionLog } from '../../lib/sim/emission-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'headroom-emission-'));
test.after(() => rmSync(dir, { recursive: true }));

function rowsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(EMISSION_LOG_HEADER));
  return text.slice(EMISSION_LOG_HEADER.length).split('\n').filter(Boolean);
}

test('rows wait in memory until a flush with time to spare, and come out in order, exactly', async () => {
  const file = join(dir, 'order.csv');
  let nowNs = 0;
  const origin = 8_449_361_727_649n; // a realistic CLOCK_MONOTONIC reading (2.3 h of uptime)
  const log = new EmissionLog(file, origin, () => nowNs);
  const a = log.openStream('req-a');
  const b = log.openStream('cmpl-sim-7');
  const expected: string[] = [];
  // More rows than the first arrays hold, with flushes in between: growth and compaction keep every row.
  for (let k = 0; k < 50_000; k++) {
    const stream = k % 3 === 0 ? b : a;
    const simNs = 1_000_000 * k + 7;
    const writeNs = simNs + (k % 1000) * 997;
    log.record(stream, k, simNs, writeNs);
    expected.push(`${stream === a ? 'req-a' : 'cmpl-sim-7'},${k},${origin + BigInt(simNs)},${origin + BigInt(writeNs)}`);
    if (k === 20_000) {
      nowNs = 100;
      assert.ok(log.flushUntil(100), 'a deadline already reached writes nothing and reports rows left');
      assert.is(log.pendingRows, 20_001);
      nowNs = 0;
      assert.not.ok(log.flushUntil(1e9), 'time to spare: everything written');
      assert.is(log.pendingRows, 0);
    }
  }
  assert.is(log.pendingRows, 29_999);
  await log.close();
  assert.equal(rowsOf(file), expected);
});

test('a flush against a deadline stops when the clock reaches it', async () => {
  const file = join(dir, 'deadline.csv');
  let nowNs = 0;
  // Each clock read advances 1 ms: the deadline is reached after a few slices.
  const log = new EmissionLog(file, 1n, () => (nowNs += 1_000_000));
  const s = log.openStream('x');
  for (let k = 0; k < 10_000; k++) log.record(s, k, k, k + 1);
  assert.ok(log.flushUntil(3_500_000));
  const left = log.pendingRows;
  assert.ok(left > 0 && left < 10_000, `${left} rows left`);
  await log.close();
  const rows = rowsOf(file);
  assert.is(rows.length, 10_000);
  assert.is(rows[9_999], 'x,9999,10000,10001');
});

test('an origin too large for exact doubles still gives exact times', async () => {
  const file = join(dir, 'big.csv');
  const origin = 2n ** 62n + 3n;
  const log = new EmissionLog(file, origin, () => 0);
  log.record(log.openStream('r_1'), 0, 123_456_789_012, 123_456_789_999);
  await log.close();
  assert.equal(rowsOf(file), [`r_1,0,${origin + 123_456_789_012n},${origin + 123_456_789_999n}`]);
});

test.run();
