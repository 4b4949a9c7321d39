// The simulated engine started as a real child process through its preset, the way a workflow with
// `engine: sim` and a real clock runs it: readiness, metrics scraping, a request, a death mid-job, stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, checkServerAlive, ServerDiedError, type RunningServer } from '../../lib/engines/server.ts';
import { startScraper } from '../../lib/engines/scrape.ts';
import { isGroupAlive } from '../../lib/engines/cleanup.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const haveSim = fs.existsSync(path.join(repoRoot, 'lib/sim/main.ts'));
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-sim-'));
const started: RunningServer[] = [];

function simJob(faults: Record<string, number | null> = {}) {
  const job = makeJob({ id: 'llama8b/sim/fixed/tp2-pp1', tp: 2, system: { name: 'sim', engine: 'sim', startTimeoutNs: 30e9 } });
  job.system.sim = { ...job.system.sim, clock: 'real', faults: { ...job.system.sim.faults, ...faults } };
  return job;
}

test.after.each(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
test.after(() => fs.rmSync(logDir, { recursive: true, force: true }));

test('the sim starts through its preset, waits out its start delay, serves, reports vLLM metrics and stops', async () => {
  if (!haveSim) return console.log('  (skipped: lib/sim/main.ts is not there yet)');
  const t0 = Date.now();
  const server = await startServer(simJob({ startDelayNs: 400e6 }), { gpus: [], logDir, repoRoot, stopGraceMs: 3000 });
  started.push(server);
  assert.ok(Date.now() - t0 >= 400);
  assert.match(fs.readFileSync(server.logPath!, 'utf8'), /headroom-sim listening on http:\/\/127\.0\.0\.1:\d+/);
  const models = (await (await fetch(`${server.baseUrl}/v1/models`)).json()) as { data: { id: string }[] };
  assert.equal(models.data.map((m) => m.id), ['meta-llama/Llama-3.1-8B-Instruct']);

  const scraper = startScraper(server.metricsUrl!, 'sim', { intervalMs: 100 });
  const res = await fetch(`${server.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hello '.repeat(50), max_tokens: 8 }),
  });
  assert.is(res.status, 200);
  await res.arrayBuffer();
  const samples = await scraper.stop();
  assert.ok(samples.length >= 1);
  assert.type(samples[0].running, 'number');
  assert.type(samples[0].waiting, 'number');
  assert.type(samples[0].kvUsage, 'number');

  await server.stop();
  assert.not.ok(isGroupAlive(server.pid!));
  assert.is(server.exited()?.exitCode, 0, 'the sim exits 0 on SIGTERM');
});

test('a sim that exits after its first request is reported as died', async () => {
  if (!haveSim) return;
  const job = simJob({ exitAfterRequests: 1 });
  const server = await startServer(job, { gpus: [], logDir, repoRoot, stopGraceMs: 3000 });
  started.push(server);
  const res = await fetch(`${server.baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hi', max_tokens: 2 }),
  });
  await res.arrayBuffer();
  const deadline = Date.now() + 5000;
  while (server.exited() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  try {
    checkServerAlive(job, server);
    assert.unreachable('expected the sim to have died');
  } catch (err) {
    assert.instance(err, ServerDiedError);
    assert.is((err as ServerDiedError).exitCode, 1);
    assert.ok((err as ServerDiedError).logTail.some((l) => l.includes('exitAfterRequests')));
  }
});

test.run();
