import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgressPrinter, formatProgress, type Progress } from '../../lib/load/progress.ts';

const p = (elapsedS: number): Progress => ({
  offeredQps: 2.5, total: 100, sent: 40, completed: 30, failed: 2, inFlight: 8, elapsedNs: elapsedS * 1e9, remainingNs: (40 - elapsedS) * 1e9,
});

test('the line names offered QPS, counts, in flight, elapsed and remaining', () => {
  assert.is(formatProgress(p(16)), '2.50 qps offered | sent 40/100 | done 30 | failed 2 | in flight 8 | 16.0s elapsed, 24.0s to last arrival');
});

test('on a terminal the line is rewritten in place', () => {
  const out: string[] = [];
  const printer = createProgressPrinter({ isTTY: true, write: (s) => out.push(s) });
  printer.onProgress(p(1));
  printer.onProgress(p(1.2));
  printer.end();
  assert.is(out.length, 3);
  assert.ok(out.every((s) => s.startsWith('\r\x1b[2K')));
  assert.ok(out[2]!.endsWith('\n') && !out[0]!.includes('\n'));
});

test('elsewhere, plain lines at most every interval, and the final state', () => {
  const out: string[] = [];
  const printer = createProgressPrinter({ isTTY: false, write: (s) => out.push(s) }, { plainEveryNs: 5e9, label: '[job]' });
  for (let t = 0; t <= 12; t += 0.2) printer.onProgress(p(Number(t.toFixed(1))));
  printer.end();
  assert.equal(out.map((s) => s.match(/(\d+\.\d)s elapsed/)![1]), ['0.0', '5.0', '10.0', '12.0']);
  assert.ok(out.every((s) => s.startsWith('[job] ') && s.endsWith('\n') && !s.includes('\r')));
});

test.run();
