// `calibrate` end to end: it starts the simulated engine as a child process, so it is behind HEADROOM_HEAVY=1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/calibrate.ts';

const heavy = process.env.HEADROOM_HEAVY === '1';

(heavy ? test : test.skip)('calibrate drives the simulated engine and writes the ceiling it found', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'headroom-cal-'));
  try {
    const code = await main(['--seconds', '1', '--start-qps', '4', '--max-qps', '16', '--workers', '1', '--max-lag', '1s'], { cacheDir });
    assert.is(code, 0);
    const out = JSON.parse(readFileSync(join(cacheDir, 'calibration.json'), 'utf8'));
    const steps = out.results['1'].steps;
    assert.equal(steps.map((s: { qps: number }) => s.qps), [4, 8, 16]);
    assert.is(out.results['1'].best.qps, 16, 'a 1 s lag bound holds at 16 QPS of short requests');
    assert.ok(steps.every((s: { ok: number; requests: number }) => s.ok === s.requests));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('calibrate refuses a malformed lag bound before starting anything', async () => {
  try {
    await main(['--max-lag', 'soon'], { cacheDir: '/nonexistent' });
    assert.unreachable('expected a usage error');
  } catch (err) {
    assert.is((err as Error).name, 'UsageError');
    assert.match((err as Error).message, /expected --max-lag to be a duration like 10ms, got `soon`/);
  }
});

test.run();
