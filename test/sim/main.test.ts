import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { send, stream } from './http.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI and waits for its ready line (or its exit, which fails the test). */
function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/sim/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /^headroom-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve({ child, url: m[1], stdout: () => out, exit });
    });
    exit.then(({ code }) => reject(new Error(`sim CLI exited with ${code} before it was ready: ${err}`)));
  });
}

const base = ['--host', '127.0.0.1', '--port', '0', '--served-model-name', MODEL, '--sim-model', 'llama-3-8b', '--tp', '1', '--pp', '1'];

test('the CLI prints one ready line, serves, and exits 0 on SIGTERM', async () => {
  const s = await startCli([...base, '--max-model-len', '4096', '--settings', JSON.stringify({ scheduler: 'sarathi', maxNumBatchedTokens: 512 })]);
  try {
    assert.is((await send(s.url, '/health')).status, 200);
    assert.is(JSON.parse((await send(s.url, '/v1/models')).text).data[0].max_model_len, 4096);
    const r = await stream(s.url, '/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi there' }], max_tokens: 5, stream: true });
    assert.ok(r.complete);
    assert.is(r.events.at(-1)!.data, '[DONE]');
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exit, { code: 0, signal: null });
  assert.is(s.stdout(), `headroom-sim listening on ${s.url}\n`);
});

test('SIGINT during a stream also exits 0', async () => {
  const s = await startCli(base);
  const pending = stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 500, stream: true }).catch(() => null);
  await new Promise((r) => setTimeout(r, 100));
  s.child.kill('SIGINT');
  assert.equal(await s.exit, { code: 0, signal: null });
  const r = await pending;
  assert.ok(r === null || !r.complete, 'the open stream was cut');
});

test('the exit-after-N-requests fault ends the process with code 1', async () => {
  const s = await startCli([...base, '--settings', JSON.stringify({ faults: { exitAfterRequests: 1 } })]);
  assert.is((await send(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 2 })).status, 200);
  assert.is((await s.exit).code, 1);
});

test('bad arguments exit 2 with a message naming the flag', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/sim/main.ts', '--port', '0', '--tp', 'two', '--served-model-name', 'm'], { cwd: ROOT });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise((r) => child.on('exit', r));
  assert.is(code, 2);
  assert.match(err, /--tp to be a positive integer, got `two`/);
});

test.run();
