import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSimSettings } from '../../lib/sim/defaults.ts';
import { startSimServer, type SimServer } from '../../lib/sim/server.ts';
import { outputToken } from '../../lib/sim/words.ts';
import type { SimFaults } from '../../lib/types.ts';
import { send, stream } from './http.ts';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const start = (faults: Partial<SimFaults> = {}, extra: { emissionLog?: string; maxModelLen?: number } = {}) =>
  startSimServer({ settings: normalizeSimSettings({ faults }), simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 }, servedModelName: MODEL, ...extra });
const chat = (words: number, maxTokens: number, more: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: Array(words - 2).fill('hi').join(' ') }],
  max_tokens: maxTokens,
  ...more,
});
const usageStream = { stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } };

let server: SimServer;
test.before(async () => {
  server = await start();
});
test.after(async () => {
  await server.close();
});

test('a streamed chat completion carries one token per chunk with running usage, then usage and [DONE]', async () => {
  const s = await stream(server.url, '/v1/chat/completions', chat(12, 20, usageStream));
  assert.is(s.status, 200);
  assert.ok(s.complete);
  assert.is(s.events.at(-1)!.data, '[DONE]');
  const chunks = s.events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.is(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks[0].usage, { prompt_tokens: 12, total_tokens: 12, completion_tokens: 0 });
  const tokens = chunks.slice(1, -1);
  assert.is(tokens.length, 20);
  tokens.forEach((c, i) => {
    assert.is(c.object, 'chat.completion.chunk');
    assert.is(c.usage.completion_tokens, i + 1);
    assert.is(c.choices[0].delta.content.trim().split(/\s+/).length, 1, 'one word per token');
    assert.is(c.choices[0].finish_reason, i === 19 ? 'length' : null);
  });
  assert.equal(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage, { prompt_tokens: 12, total_tokens: 32, completion_tokens: 20 });
  // Alone on the simulated H100: 4 ms of request overhead, a 12-token prefill, then 19 decodes of ~8.8 ms.
  // Late writes can only lengthen this, so the lower bound is firm.
  const totalMs = (s.events[20].tNs - s.sentNs) / 1e6;
  assert.ok(totalMs > 4 + 20 * 8.7 && totalMs < 4 + 20 * 8.9 + 500, `last token after ${totalMs} ms`);
});

test('a completion without streaming answers once, with usage; max_tokens defaults to 16', async () => {
  const r = await send(server.url, '/v1/completions', { model: MODEL, prompt: 'one two three four five' });
  assert.is(r.status, 200);
  const body = JSON.parse(r.text);
  assert.is(body.object, 'text_completion');
  assert.equal(body.usage, { prompt_tokens: 5, total_tokens: 21, completion_tokens: 16 });
  assert.is(body.choices[0].text.trim().split(/\s+/).length, 16);
  assert.is(body.choices[0].finish_reason, 'length');
  const c = JSON.parse((await send(server.url, '/v1/chat/completions', { ...chat(4, 3), ignore_eos: true, min_tokens: 3 })).text);
  assert.is(c.choices[0].message.role, 'assistant');
  assert.is(c.usage.completion_tokens, 3);
});

test('a streamed completion without stream_options has no usage', async () => {
  const s = await stream(server.url, '/v1/completions', { model: MODEL, prompt: 'a b', max_tokens: 3, stream: true });
  const chunks = s.events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.is(chunks.length, 3);
  assert.ok(chunks.every((c) => c.usage === undefined && c.object === 'text_completion'));
});

test('bad input gets vLLM\'s status and error body, and the server carries on', async () => {
  const cases: [unknown, number, RegExp][] = [
    [chat(8000, 500), 400, /maximum context length is 8192 tokens\. However, you requested 8500 tokens/],
    [chat(4, 0), 400, /max_tokens must be at least 1, got 0/],
    [{ ...chat(4, 4), model: 'gpt-9' }, 404, /The model `gpt-9` does not exist/],
    ['{"model": ', 400, /JSON/],
    [{ model: MODEL, messages: 'hi' }, 400, /messages/],
    [{ ...chat(4, 2), min_tokens: 5 }, 400, /min_tokens must be less than or equal to max_tokens=2, got 5/],
  ];
  for (const [body, status, message] of cases) {
    const r = await send(server.url, '/v1/chat/completions', body);
    assert.is(r.status, status, r.text);
    const err = JSON.parse(r.text);
    assert.is(err.object, 'error');
    assert.is(err.code, status);
    assert.is(err.type, status === 404 ? 'NotFoundError' : 'BadRequestError');
    assert.match(err.message, message);
  }
  assert.is((await send(server.url, '/v1/nothing')).status, 404);
  assert.is((await send(server.url, '/v1/chat/completions')).status, 405);
  assert.is((await send(server.url, '/v1/completions', { model: MODEL, prompt: 'ok', max_tokens: 1 })).status, 200);
});

test('a client that leaves mid-stream frees its place and the server carries on', async () => {
  const s = await stream(server.url, '/v1/chat/completions', chat(10, 2000, usageStream), 4);
  assert.not.ok(s.complete);
  await new Promise((r) => setTimeout(r, 50));
  const metrics = (await send(server.url, '/metrics')).text;
  assert.match(metrics, /^vllm:num_requests_running\{model_name="meta-llama\/Meta-Llama-3-8B-Instruct"\} 0$/m);
  assert.match(metrics, /^vllm:gpu_cache_usage_perc\{[^}]*\} 0$/m);
  const again = await stream(server.url, '/v1/chat/completions', chat(10, 3, usageStream));
  assert.ok(again.complete);
});

/** One request on `agent`; whether it went over a reused (kept-alive) connection. */
function viaAgent(agent: http.Agent, path: string, body: unknown): Promise<{ status: number; text: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, server.url), { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('one kept-alive connection serves streamed, whole and error responses one after another', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const a = await viaAgent(agent, '/v1/chat/completions', chat(5, 6, usageStream));
    const b = await viaAgent(agent, '/v1/completions', { model: MODEL, prompt: 'a b', max_tokens: 40, stream: true });
    const c = await viaAgent(agent, '/v1/completions', { model: MODEL, prompt: 'a b', max_tokens: 3 });
    const d = await viaAgent(agent, '/v1/completions', { model: 'nope', prompt: 'a', max_tokens: 3, stream: true });
    const e = await viaAgent(agent, '/v1/completions', { model: MODEL, prompt: 'a b', max_tokens: 2, stream: true });
    assert.equal([a, b, c, d, e].map((r) => [r.status, r.reused]), [[200, false], [200, true], [200, true], [404, true], [200, true]]);
    const events = (r: { text: string }) => r.text.split('\n\n').filter(Boolean).map((l) => l.replace(/^data: /, ''));
    const aEvents = events(a);
    assert.is(aEvents.at(-1), '[DONE]');
    // Role chunk with the first token, six tokens with running usage, the closing usage chunk.
    const aChunks = aEvents.slice(0, -1).map((x) => JSON.parse(x));
    assert.is(aChunks.length, 8);
    assert.equal(aChunks.slice(1, 7).map((x) => x.usage.completion_tokens), [1, 2, 3, 4, 5, 6]);
    const bChunks = events(b).slice(0, -1).map((x) => JSON.parse(x));
    assert.is(bChunks.map((x) => x.choices[0].text).join(''), Array.from({ length: 40 }, (_, i) => outputToken(i)).join(''));
    assert.is(bChunks.at(-1).choices[0].finish_reason, 'length');
    assert.is(JSON.parse(c.text).usage.completion_tokens, 3);
    assert.is(JSON.parse(d.text).object, 'error');
    assert.is(events(e).length, 3);
  } finally {
    agent.destroy();
  }
});

test('a served model name that is not ASCII streams intact (chunk sizes count bytes)', async () => {
  const name = 'équipe/modèle-日本';
  const own = await startSimServer({ settings: normalizeSimSettings({}), simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 }, servedModelName: name });
  try {
    const s = await stream(own.url, '/v1/completions', { model: name, prompt: 'a b', max_tokens: 20, stream: true });
    assert.ok(s.complete);
    const chunks = s.events.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.is(chunks.length, 20);
    assert.ok(chunks.every((c) => c.model === name));
  } finally {
    await own.close();
  }
});

test('/metrics shows running and waiting requests and KV use under vLLM\'s names', async () => {
  const own = await start();
  const pending = Array.from({ length: 270 }, () => send(own.url, '/v1/completions', { model: MODEL, prompt: Array(30).fill('w').join(' '), max_tokens: 1000 }));
  try {
    const value = (m: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(m)![1]);
    let m = '';
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      m = (await send(own.url, '/metrics')).text;
      if (value(m, 'vllm:num_requests_running') === 256 && value(m, 'vllm:num_requests_waiting') === 14) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(m, /# TYPE vllm:num_preemptions_total counter/);
    assert.is(value(m, 'vllm:num_requests_running'), 256, 'max_num_seqs');
    assert.is(value(m, 'vllm:num_requests_waiting'), 14);
    assert.ok(value(m, 'vllm:gpu_cache_usage_perc') > 0.01, 'about 256 x 2 blocks of 27k');
    assert.is(value(m, 'vllm:num_preemptions_total'), 0);
  } finally {
    await own.close();
    await Promise.allSettled(pending);
  }
});

test('/tokenize, /v1/models and /health answer as vLLM does', async () => {
  const t = JSON.parse((await send(server.url, '/tokenize', { model: MODEL, prompt: 'the quick  brown\nfox' })).text);
  assert.is(t.count, 4);
  assert.is(t.tokens.length, 4);
  assert.is(t.max_model_len, 8192);
  const tc = JSON.parse((await send(server.url, '/tokenize', { model: MODEL, messages: [{ role: 'user', content: 'a b' }, { role: 'assistant', content: [{ type: 'text', text: 'c d' }] }] })).text);
  assert.is(tc.count, 4);
  assert.is(tc.tokens.length, 4);
  assert.equal(JSON.parse((await send(server.url, '/tokenize', { model: MODEL, prompt: [5, 6, 7] })).text).tokens, [5, 6, 7]);
  assert.is(JSON.parse((await send(server.url, '/tokenize', { model: MODEL, prompt: ['x y'] })).text).tokens.length, 2);
  const models = JSON.parse((await send(server.url, '/v1/models')).text);
  assert.is(models.data[0].id, MODEL);
  assert.is(models.data[0].max_model_len, 8192);
  assert.is((await send(server.url, '/health')).status, 200);
});

test('fault errorRate fails requests with the chosen status', async () => {
  const s = await start({ errorRate: 1, errorStatus: 503 });
  try {
    const r = await send(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 2 });
    assert.is(r.status, 503);
    assert.is(JSON.parse(r.text).object, 'error');
  } finally {
    await s.close();
  }
  const half = await start({ errorRate: 0.5, errorStatus: 500 });
  try {
    const statuses = await Promise.all(Array.from({ length: 40 }, () => send(half.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 1 }).then((r) => r.status)));
    const failed = statuses.filter((s) => s === 500).length;
    assert.ok(failed > 8 && failed < 32, `${failed} of 40 failed`);
  } finally {
    await half.close();
  }
});

test('fault dropAfterTokens cuts the stream after k tokens', async () => {
  const s = await start({ dropAfterTokens: 3 });
  try {
    const r = await stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 10, stream: true });
    assert.not.ok(r.complete);
    assert.is(r.events.length, 3);
    assert.ok(r.events.every((e) => e.data !== '[DONE]'));
  } finally {
    await s.close();
  }
});

test('fault stallNs holds a stream back after its first token', async () => {
  const s = await start({ stallNs: 300e6 });
  try {
    const r = await stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 4, stream: true });
    assert.ok(r.complete);
    // First token ~13 ms after sending (overhead + prefill); the second one decode later plus the stall.
    const firstMs = (r.events[0].tNs - r.sentNs) / 1e6;
    const secondMs = (r.events[1].tNs - r.sentNs) / 1e6;
    assert.ok(firstMs < secondMs - 100, `first token after ${firstMs} ms, second after ${secondMs} ms`);
    assert.ok(secondMs >= 300 + 13 + 8.7 && secondMs < 450, `second token after ${secondMs} ms`);
  } finally {
    await s.close();
  }
});

test('fault startDelayNs delays readiness', async () => {
  const t0 = performance.now();
  const s = await start({ startDelayNs: 300e6 });
  assert.ok(performance.now() - t0 >= 295);
  await s.close();
});

test('fault exitAfterRequests kills the server after N finished requests', async () => {
  const s = await start({ exitAfterRequests: 2 });
  try {
    for (let i = 0; i < 2; i++) assert.is((await send(s.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 2 })).status, 200);
    assert.match(await s.died, /exiting after 2 requests/);
    await assert.not.ok(await send(s.url, '/health').then(() => true, () => false), 'nothing listens any more');
  } finally {
    await s.close();
  }
});

test('the emission log reaches the file between iterations, while the server runs, and in full at close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-sim-'));
  const file = join(dir, 'emission.csv');
  const s = await start({}, { emissionLog: file });
  const rows = () => readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('request_id'));
  try {
    await stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x y', max_tokens: 10, stream: true });
    // Idle now: the rows go out in slices between turns of the event loop; the file stream writes them soon.
    let seen = 0;
    for (let i = 0; i < 50 && seen < 10; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = rows().length;
    }
    assert.is(seen, 10, 'written while the server is still up');
    // A stream cut short by close: whatever was written is in the file once close resolves.
    const cut = await stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x y', max_tokens: 2000, stream: true }, 5);
    assert.equal([cut.status, cut.events.length], [200, 5]);
  } finally {
    await s.close();
  }
  const all = rows();
  assert.ok(all.length >= 15, `${all.length} rows`);
  assert.equal(all.slice(10, 15).map((l) => l.split(',')[1]), ['0', '1', '2', '3', '4']);
  rmSync(dir, { recursive: true });
});

test('the emission log records each token\'s simulated and actual write time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-sim-'));
  const file = join(dir, 'emission.csv');
  const s = await start({}, { emissionLog: file });
  try {
    await Promise.all([1, 2, 3].map(() => stream(s.url, '/v1/completions', { model: MODEL, prompt: 'x y', max_tokens: 5, stream: true })));
  } finally {
    await s.close();
  }
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.ok(lines[0].startsWith('#'));
  const rows = lines.filter((l) => !l.startsWith('#')).slice(1).map((l) => l.split(','));
  assert.is(rows.length, 15);
  for (const [id, idx, sim, write] of rows) {
    assert.match(id, /^cmpl-sim-\d+$/);
    assert.ok(Number(idx) >= 0 && Number(idx) < 5);
    assert.ok(BigInt(write) >= BigInt(sim), 'never written before its time');
    assert.ok(BigInt(write) - BigInt(sim) < 50_000_000n);
  }
  rmSync(dir, { recursive: true });
});

test.run();
