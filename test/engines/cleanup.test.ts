import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGroupAlive, listGroupMembers } from '../../lib/engines/cleanup.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const runner = path.join(here, '../fixtures/engines/runner.ts');
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-cleanup-'));
const repoRoot = path.resolve(here, '../..');

// Start a runner, wait until its server is up, then do `act` to it; resolves with the server's group id,
// the runner's exit, and whether the group was gone within 5 s of the runner's exit.
async function runAndInterrupt(mode: string, act: (pid: number) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', runner, mode, logDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const pgid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /server pid (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    exited.then(() => reject(new Error(`runner exited early: ${err}`)));
  });
  const members = listGroupMembers(pgid);
  assert.ok(members === null || members.length >= 1, 'the server is running');
  act(child.pid!);
  const exit = await exited;
  const deadline = Date.now() + 5000;
  while (isGroupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const gone = !isGroupAlive(pgid);
  if (!gone) process.kill(-pgid, 'SIGKILL'); // never leave it behind, even when the test fails
  return { pgid, exit, gone, err };
}

// The four runners start together: each spends most of its time waiting (tsx start-up, grace periods), and
// this keeps the suite fast on a small machine.
let scenarios: Record<string, ReturnType<typeof runAndInterrupt>> = {};
test.before(() => {
  scenarios = {
    term: runAndInterrupt('wait', (pid) => process.kill(pid, 'SIGTERM')),
    intOwn: runAndInterrupt('wait-own-handler', (pid) => process.kill(pid, 'SIGINT')),
    crash: runAndInterrupt('crash', () => {}),
    kill: runAndInterrupt('wait', (pid) => process.kill(pid, 'SIGKILL')),
  };
  // Rejections are asserted in the tests; keep them from being reported as unhandled before that.
  for (const p of Object.values(scenarios)) p.catch(() => {});
});
test.after(async () => {
  await Promise.allSettled(Object.values(scenarios));
  fs.rmSync(logDir, { recursive: true, force: true });
});

test('SIGTERM to the runner stops its servers, even ones that ignore SIGTERM, and the runner exits 143', async () => {
  const r = await scenarios.term;
  assert.ok(r.gone, 'server group is gone');
  assert.is(r.exit.code, 143);
});

test('SIGINT with the runner\'s own handler stops the servers and leaves the exit code to the runner', async () => {
  const r = await scenarios.intOwn;
  assert.ok(r.gone);
  assert.is(r.exit.code, 130);
});

test('a crashing runner leaves no server behind', async () => {
  const r = await scenarios.crash;
  assert.match(r.err, /runner crashed/);
  assert.is(r.exit.code, 1);
  assert.ok(r.gone, 'the reaper killed the server group after the runner exited');
});

test('a runner killed with SIGKILL leaves no server behind: the watchdog stops it', async () => {
  const r = await scenarios.kill;
  assert.is(r.exit.signal, 'SIGKILL');
  assert.ok(r.gone, 'the watchdog stopped the server group');
});

test.run();
