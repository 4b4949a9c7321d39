import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, checkServerAlive, ServerDiedError, ServerStartError, sanitizeJobId, type RunningServer } from '../../lib/engines/server.ts';
import { isGroupAlive, liveServers } from '../../lib/engines/cleanup.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const fakeEngine = path.join(here, '../fixtures/engines/fake-engine.mjs');
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-server-'));
const started: RunningServer[] = [];

function fakeJob(mode: string, extra: string[] = [], startTimeoutS = 10) {
  return makeJob({
    id: `m/fake-${mode}/t/tp1-pp1`,
    system: {
      name: `fake-${mode}`,
      engine: 'vllm',
      command: [process.execPath, fakeEngine, '--host', '{host}', '--port', '{port}', '--mode', mode, ...extra],
      startTimeoutNs: startTimeoutS * 1e9,
    },
  });
}

async function start(job: ReturnType<typeof makeJob>, more: { stopGraceMs?: number; signal?: AbortSignal; gpus?: number[] } = {}) {
  const server = await startServer(job, { gpus: more.gpus ?? [], logDir, repoRoot, stopGraceMs: more.stopGraceMs ?? 2000, signal: more.signal });
  started.push(server);
  return server;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function expectStartError(p: Promise<unknown>): Promise<ServerStartError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ServerStartError);
    return err as ServerStartError;
  }
  assert.unreachable('expected the start to fail');
  throw new Error('unreachable');
}

test.after.each(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  assert.equal(liveServers(), [], 'no server is left in the cleanup registry');
});
test.after(() => fs.rmSync(logDir, { recursive: true, force: true }));

test('a slow server is ready only once health and models answer, and stop ends its process group', async () => {
  const t0 = Date.now();
  const server = await start(fakeJob('ok', ['--start-delay-ms', '400', '--grandchild']), { gpus: [1, 3], stopGraceMs: 300 });
  assert.ok(Date.now() - t0 >= 400, 'waited for the model to load');
  const res = await fetch(`${server.baseUrl}/v1/models`);
  assert.is(res.status, 200);
  assert.is(server.metricsUrl, `${server.baseUrl}/metrics`);
  assert.is(server.logPath, path.join(logDir, `${sanitizeJobId('m/fake-ok/t/tp1-pp1')}.log`));
  const log = fs.readFileSync(server.logPath!, 'utf8');
  assert.match(log, /CUDA_VISIBLE_DEVICES=1,3/);
  const grandchild = Number(/grandchild pid (\d+)/.exec(log)![1]);
  assert.ok(pidAlive(server.pid!) && pidAlive(grandchild));
  await server.stop();
  assert.not.ok(pidAlive(server.pid!), 'server process is gone');
  assert.not.ok(pidAlive(grandchild), 'its worker that ignores SIGTERM is gone too');
  assert.not.ok(isGroupAlive(server.pid!));
  assert.equal(server.exited()?.exitCode ?? null, null);
});

test('a server that crashes on start fails early with exit code, duration, log tail and log path', async () => {
  const t0 = Date.now();
  const err = await expectStartError(start(fakeJob('crash-start', [], 30)));
  assert.ok(Date.now() - t0 < 5000, 'did not wait for the 30 s deadline');
  assert.is(err.exitCode, 3);
  assert.is(err.signal, null);
  assert.ok(err.afterMs > 0 && err.afterMs < 5000);
  assert.ok(err.logTail.some((l) => l.includes('CUDA out of memory')));
  assert.ok(fs.existsSync(err.logPath));
  assert.match(err.message, /Server for job m\/fake-crash-start\/t\/tp1-pp1 \(vllm\) exited with code 3 after \d+\.\d s, before it was ready/);
  assert.match(err.message, /\| ERROR CUDA out of memory/);
  assert.ok(err.message.includes(`Whole log: ${err.logPath}`));
});

test('a TGI router that cannot bind its Prometheus port gets the remedy in the start error', async () => {
  // What the router prints when port 9000 is taken (router/src/server.rs expects the recorder to build).
  const panic = "thread 'main' panicked at router/src/server.rs:1838:10: failed to build prometheus recorder: FailedToCreateHTTPListener(\"Address already in use (os error 98)\")";
  const job = makeJob({
    id: 'm/tgi-9000/t/tp1-pp1',
    system: { name: 'tgi-9000', engine: 'tgi', command: [process.execPath, '-e', `console.error(${JSON.stringify(panic)}); process.exit(1)`] },
  });
  const err = await expectStartError(start(job));
  assert.is(err.exitCode, 1);
  assert.match(err.message, /\(tgi\) exited with code 1 after .*, before it was ready\. TGI's router binds port 9000 .* free port 9000/);
  const asVllm = await expectStartError(start(makeJob({ id: 'm/vllm-9000/t/tp1-pp1', system: { ...job.system, name: 'vllm-9000', engine: 'vllm' } })));
  assert.not.match(asVllm.message, /port 9000/, 'the hint is for TGI only');
});

test('a server killed by a signal while starting reports the signal', async () => {
  const err = await expectStartError(start(fakeJob('killed')));
  assert.is(err.signal, 'SIGKILL');
  assert.is(err.exitCode, null);
  assert.match(err.message, /was killed by SIGKILL after/);
});

test('a server without /v1/models is not ready; the deadline error names the failing check', async () => {
  const err = await expectStartError(start(fakeJob('no-models', [], 2)));
  assert.is(err.exitCode, null);
  assert.ok(err.afterMs >= 2000);
  assert.match(err.message, /did not become ready within 2\.0 s \(last check: GET http:\/\/127\.0\.0\.1:\d+\/v1\/models answered 404\)/);
  assert.ok(err.logTail.some((l) => l.includes('fake-engine ready')));
});

test('a server that ignores SIGTERM is killed after the grace period', async () => {
  const server = await start(fakeJob('ignore-term'), { stopGraceMs: 400 });
  const t0 = Date.now();
  await server.stop();
  const tookMs = Date.now() - t0;
  assert.ok(tookMs >= 400 && tookMs < 4000, `stop took ${tookMs} ms`);
  assert.not.ok(pidAlive(server.pid!));
  assert.is(server.exited()?.signal, 'SIGKILL');
  assert.match(fs.readFileSync(server.logPath!, 'utf8'), /ignoring SIGTERM/);
});

test('a server that dies mid-run is seen through exited() and checkServerAlive', async () => {
  const job = fakeJob('crash-mid', ['--die-after-ms', '1500']);
  const server = await start(job);
  assert.is(server.exited(), null);
  checkServerAlive(job, server);
  const deadline = Date.now() + 5000;
  while (server.exited() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.is(server.exited()?.exitCode, 9);
  try {
    checkServerAlive(job, server);
    assert.unreachable('expected the dead server to be reported');
  } catch (err) {
    assert.instance(err, ServerDiedError);
    assert.instance(err, ServerStartError);
    const died = err as ServerDiedError;
    assert.is(died.exitCode, 9);
    assert.match(died.message, /exited with code 9 after \d+\.\d s, while the job was using it/);
    assert.ok(died.logTail.some((l) => l.includes('engine core died')));
  }
  await server.stop(); // stopping a dead server is fine
});

test('a command that does not exist fails to start and says so', async () => {
  const job = makeJob({ system: { command: ['headroom-no-such-engine', '--port', '{port}'] } });
  const err = await expectStartError(start(job));
  assert.match(err.message, /could not be started: .*ENOENT/);
});

test('an aborted start stops the server it began', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const err = await expectStartError(start(fakeJob('ok', ['--start-delay-ms', '5000']), { signal: controller.signal }));
  assert.match(err.message, /start was cancelled after/);
  const pid = Number(/fake-engine pid (\d+)/.exec(fs.readFileSync(err.logPath, 'utf8'))![1]);
  assert.not.ok(pidAlive(pid));
});

test('an external server is checked at /v1/models with its API key and never stopped', async () => {
  const http = await import('node:http');
  let auth: string | undefined;
  const api = http.createServer((req, res) => {
    auth = req.headers.authorization;
    res.writeHead(req.url === '/v1/models' ? 200 : 404).end('{"data":[]}');
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const port = (api.address() as { port: number }).port;
  process.env.HEADROOM_TEST_KEY = 'sk-test';
  try {
    const server = await start(makeJob({ system: { engine: 'external', url: `http://127.0.0.1:${port}/v1`, apiKeyEnv: 'HEADROOM_TEST_KEY' } }));
    assert.is(server.baseUrl, `http://127.0.0.1:${port}`);
    assert.is(server.pid, null);
    assert.is(auth, 'Bearer sk-test');
    await server.stop();
  } finally {
    delete process.env.HEADROOM_TEST_KEY;
    api.close();
  }
});

test.run();
