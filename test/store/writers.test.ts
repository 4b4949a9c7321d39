// Real writer processes: killed mid-write, and four at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../lib/store/index.ts';
import { makeUniformRun } from '../fixtures/store/runs.ts';

const WRITER = fileURLToPath(new URL('../fixtures/store/writer.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'headroom-writers-')); dirs.push(d); return d; };
test.after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function startWriter(dir: string, runs: number, requests: number, tokens: number, tag: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(runs), String(requests), String(tokens), tag],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

test('a writer killed with SIGKILL mid-run leaves no visible run and a store that works', async () => {
  const dir = freshDir();
  await (await openStore(dir)).close(); // the schema files exist before the writer starts
  const child = startWriter(dir, 1, 2000, 100, 'killed'); // 200k tokens: long enough to be caught in the act
  const done = exited(child);
  const tmp = join(dir, 'tmp');
  const deadline = Date.now() + 20_000;
  while (readdirSync(tmp).length === 0) {
    if (Date.now() > deadline) assert.unreachable('the writer never started its run');
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  const { signal } = await done;
  assert.is(signal, 'SIGKILL');
  assert.equal(readdirSync(join(dir, 'runs')), [], 'no run is visible');
  assert.is(readdirSync(tmp).length, 1, 'the dead writer left its temp folder');
  const store = await openStore(dir);
  try {
    assert.equal(readdirSync(tmp), [], 'opening swept the dead writer\'s temp folder');
    assert.equal(await store.listRuns(), []);
    const id = await store.writeRun(makeUniformRun(2, 3));
    assert.equal((await store.listRuns()).map((r) => r.runId), [id]);
  } finally { await store.close(); }
});

test('four writer processes writing 25 runs each leave all 100 runs', async () => {
  const dir = freshDir();
  await (await openStore(dir)).close();
  const writers = ['a', 'b', 'c', 'd'].map((tag) => exited(startWriter(dir, 25, 20, 10, tag)));
  for (const w of await Promise.all(writers)) assert.is(w.code, 0, w.stderr);
  const store = await openStore(dir);
  try {
    const runs = await store.listRuns();
    assert.is(runs.length, 100);
    assert.is(new Set(runs.map((r) => r.runId)).size, 100);
    assert.equal([...new Set(runs.map((r) => r.fingerprint))].sort(), ['fpa', 'fpb', 'fpc', 'fpd']);
    assert.equal(await store.query('SELECT count(*) AS n, sum(tokens_recorded) AS t FROM requests'), [{ n: 2000, t: 20000 }]);
  } finally { await store.close(); }
});

test.run();
