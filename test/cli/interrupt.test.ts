import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// Ctrl-C in the middle of a search: exit 130, completed runs kept, nothing half-written visible.
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-interrupt-'));

test('SIGINT during a search exits 130 and keeps the runs already completed', async () => {
  const child = spawn(process.execPath, ['run.mjs', 'test/fixtures/run/small.yml', '--cache', cache], { env: { ...process.env, FORCE_COLOR: '0' } });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    // Interrupt once the first probe of the search has been stored.
    if (/QPS: (complete|stopped)/.test(err) && child.exitCode === null && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(code, 130, err);
  assert.match(err, /SIGINT: stopping/);
  const runs = fs.readdirSync(path.join(cache, 'runs'));
  assert.ok(runs.length >= 1, 'the completed probes stay in the cache');
  assert.not.ok(fs.existsSync(path.join(cache, 'tmp')) && fs.readdirSync(path.join(cache, 'tmp')).some((d) => runs.includes(d)));
});

test.after(() => fs.rmSync(cache, { recursive: true, force: true }));
test.run();
