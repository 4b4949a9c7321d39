import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientSettings, RequestEvents, ScheduledRequest } from '../../lib/types.ts';
import { computeLagP99Ns, formatClientBusyWarning, pickWorkerCount, runLoad, TOKENS_PER_SECOND_PER_THREAD } from '../../lib/load/driver.ts';
import { createPromptMaker } from '../../lib/load/prompts.ts';
import { startStreamServer, type Behaviour } from '../fixtures/load/stream-server.ts';

const client = (over: Partial<ClientSettings> = {}): ClientSettings => ({
  endpoint: 'completions', timeoutNs: 5e9, warmupRequests: 0, maxLagNs: 10e6, ignoreEos: true, workers: 1, drainNs: 5e9, ...over,
});
const evenly = (n: number, gapMs: number, prompt = 5, output = 4): ScheduledRequest[] =>
  Array.from({ length: n }, (_, idx) => ({ idx, scheduledNs: Math.round(idx * gapMs * 1e6), promptTokens: prompt, outputTokens: output }));

test('automatic threads follow the offered token rate, capped by the cores; an explicit count wins', () => {
  const slow = evenly(100, 100, 5, 100); // 10 qps x 100 tokens = 1k tokens/s
  assert.is(pickWorkerCount(slow, 0), 1);
  assert.is(pickWorkerCount(slow, 3), 3);
  const fast = evenly(1000, 1, 5, 500); // ~500k tokens/s
  assert.is(pickWorkerCount(fast, 0, 64), Math.ceil((500 * 1000) / 0.999 / TOKENS_PER_SECOND_PER_THREAD));
  assert.is(pickWorkerCount(fast, 0, 8), 7, 'one core is left to the coordinating thread');
  assert.is(pickWorkerCount(fast, 0, 2), 1, 'two cores: threads measured slower than one');
});

test('a sending thread busy most of the run is warned about, naming the busiest share and the remedy', () => {
  const busy = (...ns: number[]) => ns.map((busyNs) => ({ busyNs }));
  assert.is(formatClientBusyWarning(busy(0.5e9, 0.8e9), 1e9), null);
  assert.match(formatClientBusyWarning(busy(0.5e9, 0.93e9), 1e9) ?? '', /busy 93% of the run, so token times may be late: give client\.workers more threads/);
  assert.is(formatClientBusyWarning([], 1e9), null);
});

test('a real run reports each sending thread busy for part of the run, and its GC pauses', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 2, usage: true });
  try {
    const result = await runLoad({ baseUrl: server.url, model: 'm', client: client({ workers: 2 }), schedule: evenly(10, 5, 5, 20), prompts: await createPromptMaker({ kind: 'sim' }) });
    assert.is(result.senders.length, 2);
    assert.ok(result.senders.every((s) => s.busyNs > 0 && s.busyNs < result.durationNs), `busy ${result.senders.map((s) => s.busyNs)} of ${result.durationNs}`);
    assert.ok(result.senders.every((s) => s.gcMaxPauseNs >= 0 && s.gcMaxPauseNs <= s.gcPauseNs));
  } finally {
    await server.close();
  }
});

test('lag p99 interpolates over sent requests only', () => {
  const r = (scheduledNs: number, sentNs: number | null) => ({ scheduledNs, sentNs }) as Parameters<typeof computeLagP99Ns>[0][number];
  const lags = Array.from({ length: 101 }, (_, i) => r(i * 10, i * 10 + i));
  assert.is(computeLagP99Ns([...lags, r(5, null)]), 99);
  assert.is(computeLagP99Ns([r(0, null)]), 0);
});

for (const workers of [1, 2]) test(`every kind of failure ends its request with the right status and the run completes (${workers} thread(s))`, async () => {
  const plan: Record<number, Behaviour> = {
    1: { kind: 'http', status: 503 },
    2: { kind: 'http', status: 400 },
    3: { kind: 'reset', afterTokens: 2 },
    4: { kind: 'stall', afterTokens: 1 },
    5: { kind: 'badjson', afterTokens: 1 },
    6: { kind: 'nodone' },
    7: { kind: 'error-event', afterTokens: 2 },
    8: { kind: 'json' },
  };
  const server = await startStreamServer({ tokenIntervalMs: 2, usage: true, plan: (i) => plan[i] ?? { kind: 'ok' } });
  try {
    const result = await runLoad({
      baseUrl: server.url, model: 'm', client: client({ timeoutNs: 400e6, workers }),
      schedule: evenly(10, 5), prompts: await createPromptMaker({ kind: 'sim' }),
    });
    const by = result.requests.map((r) => `${r.idx}:${r.status}${r.httpStatus && r.httpStatus >= 400 ? r.httpStatus : ''}`);
    assert.equal(by, ['0:ok', '1:http_error503', '2:http_error400', '3:stream_error', '4:timeout', '5:stream_error', '6:stream_error', '7:stream_error', '8:stream_error', '9:ok']);
    const r3 = result.requests[3]!, r4 = result.requests[4]!;
    assert.is(r3.tokenNs.length, 2);
    assert.match(r3.error ?? '', /after 2 tokens/);
    assert.is(r4.tokenNs.length, 1);
    assert.ok(r4.endNs! - r4.sentNs! >= 400e6 && r4.endNs! - r4.sentNs! < 2e9, 'timeout fires at the per-request timeout, not at the drain');
    assert.match(result.requests[5]!.error ?? '', /malformed JSON/);
    assert.match(result.requests[6]!.error ?? '', /without \[DONE\]/);
    assert.match(result.requests[7]!.error ?? '', /engine fell over/);
    assert.match(result.requests[8]!.error ?? '', /expected a server-sent event stream, got application\/json: "\{\\"choices/);
    const ok = result.requests[0]!;
    assert.is(ok.tokenNs.length, 4);
    assert.is(ok.tokenSource, 'usage');
    assert.is(ok.promptTokens, 5);
    assert.is(ok.outputTokens, 4);
    assert.ok(ok.tokenNs.every((t, i) => i === 0 || t >= ok.tokenNs[i - 1]!));
    assert.ok(ok.sentNs! >= ok.scheduledNs && ok.tokenNs[0]! > ok.sentNs! && ok.endNs! >= ok.tokenNs[3]!);
  } finally {
    await server.close();
  }
});

test('a refused connection is a stream_error for every request, and the run still ends', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const result = await runLoad({
    baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', client: client(), schedule: evenly(3, 1), prompts: await createPromptMaker({ kind: 'sim' }),
  });
  assert.equal(result.requests.map((r) => r.status), ['stream_error', 'stream_error', 'stream_error']);
  assert.match(result.requests[0]!.error ?? '', /ECONNREFUSED/);
});

test('open loop: requests go out when due although earlier ones are still streaming', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 20, usage: false });
  try {
    const result = await runLoad({
      baseUrl: server.url, model: 'm', client: client({ endpoint: 'chat' }), schedule: evenly(20, 10, 5, 10),
      prompts: await createPromptMaker({ kind: 'sim' }),
    });
    assert.ok(result.requests.every((r) => r.status === 'ok' && r.tokenNs.length === 10 && r.tokenSource === 'chunks'));
    // Each stream takes ~200 ms, the gap is 10 ms: a closed loop would fall seconds behind; ours sends on time
    // (the bound leaves room for a loaded test machine, not for waiting on a stream).
    const lags = result.requests.map((r) => r.sentNs! - r.scheduledNs);
    assert.ok(lags.every((l) => l >= 0), 'never sent before it was due');
    assert.ok(Math.max(...lags) < 100e6, `max lag ${Math.max(...lags) / 1e6} ms`);
    assert.ok(result.lagP99Ns >= 0 && result.lagP99Ns <= Math.max(...lags));
    assert.ok(result.durationNs > 190e6 + 200e6 * 0.9);
    assert.match(result.startedAt, /^\d{4}-\d\d-\d\dT/);
  } finally {
    await server.close();
  }
});

test('after the last arrival plus drain, unfinished requests are cancelled; warm-ups stay out of the result', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 5, usage: true, plan: (i) => (i === 1 ? { kind: 'stall', afterTokens: 1 } : { kind: 'ok' }) });
  try {
    const result = await runLoad({
      baseUrl: server.url, model: 'm', client: client({ warmupRequests: 3, drainNs: 300e6, timeoutNs: 10e9 }), schedule: evenly(3, 1),
      prompts: await createPromptMaker({ kind: 'sim' }),
    });
    assert.equal(result.requests.map((r) => r.status), ['ok', 'cancelled', 'ok']);
    assert.ok(result.requests[1]!.endNs! >= 300e6 && result.requests[1]!.endNs! < 600e6);
    assert.is(server.received, 6, '3 warm-up + 3 measured requests reached the server');
    assert.equal(result.requests.map((r) => r.idx), [0, 1, 2]);
  } finally {
    await server.close();
  }
});

test('shouldStop ends the run early: in-flight and unsent requests are cancelled', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 50, usage: true });
  try {
    const seen: number[] = [];
    const result = await runLoad({
      baseUrl: server.url, model: 'm', client: client(), schedule: evenly(40, 25, 5, 20),
      prompts: await createPromptMaker({ kind: 'sim' }),
      shouldStop: (reqs, nowNs) => {
        seen.push(reqs.length);
        return nowNs > 300e6;
      },
    });
    assert.ok(seen.length >= 1);
    assert.is(result.requests.length, 40);
    const cancelled = result.requests.filter((r) => r.status === 'cancelled');
    assert.ok(cancelled.length > 20);
    assert.ok(cancelled.some((r) => r.sentNs === null) && cancelled.some((r) => r.sentNs !== null));
    assert.ok(result.durationNs < 1.5e9, `stopped at ${result.durationNs / 1e6} ms`);
  } finally {
    await server.close();
  }
});

test('shouldStop sees requests still streaming, with the tokens they have received so far', async () => {
  // 2 requests of 40 tokens 50 ms apart take 2 s each; the check stops the run once one of them, unfinished,
  // has 5 tokens: an early-stop rule can call a request late before it ends.
  const server = await startStreamServer({ tokenIntervalMs: 50, usage: true });
  try {
    let streaming: RequestEvents | undefined;
    const result = await runLoad({
      baseUrl: server.url, model: 'm', client: client(), schedule: evenly(2, 10, 5, 40),
      prompts: await createPromptMaker({ kind: 'sim' }),
      shouldStop: (reqs) => {
        streaming = reqs.find((r) => r.endNs === null && r.tokenNs.length >= 5);
        return streaming !== undefined;
      },
    });
    assert.ok(streaming, 'a request in flight was offered');
    assert.is(streaming!.status, 'ok');
    assert.ok(streaming!.sentNs !== null && streaming!.sentNs >= streaming!.scheduledNs);
    assert.ok(streaming!.tokenNs.every((t, i) => t > streaming!.sentNs! && (i === 0 || t >= streaming!.tokenNs[i - 1]!)));
    const final = result.requests.find((r) => r.idx === streaming!.idx)!;
    assert.is(final.status, 'cancelled');
    assert.equal(final.tokenNs.slice(0, streaming!.tokenNs.length), streaming!.tokenNs, 'the partial view agrees with the final record');
    assert.ok(result.durationNs < 1.5e9, `stopped at ${result.durationNs / 1e6} ms, long before the streams end`);
  } finally {
    await server.close();
  }
});

test('worker threads share the run clock and return the same requests; the API key is sent, never recorded', async () => {
  const seenAuth = new Set<string>();
  const server = await startStreamServer({ tokenIntervalMs: 3, usage: true, tokensPerChunk: 2 });
  server.server.prependListener('request', (req) => seenAuth.add(String(req.headers.authorization)));
  try {
    const result = await runLoad({
      baseUrl: server.url, model: 'm', apiKey: 'sk-secret-123', client: client({ workers: 2, warmupRequests: 2 }), schedule: evenly(30, 4, 5, 6),
      prompts: await createPromptMaker({ kind: 'sim' }),
    });
    assert.equal(result.requests.map((r) => r.idx), [...Array(30).keys()]);
    assert.ok(result.requests.every((r) => r.status === 'ok' && r.tokenNs.length === 6));
    assert.ok(result.requests.every((r) => r.tokenNs[0] === r.tokenNs[1]), 'two tokens per chunk share one time');
    // Shared clock: no thread sends before the due time, and none far after it.
    assert.ok(result.requests.every((r) => r.sentNs! >= r.scheduledNs), 'never sent before it was due');
    assert.ok(result.lagP99Ns < 1e9, `lag p99 ${result.lagP99Ns / 1e6} ms`);
    assert.equal([...seenAuth], ['Bearer sk-secret-123']);
    assert.not.match(JSON.stringify(result), /sk-secret/);
  } finally {
    await server.close();
  }
});

test('an aborted run cancels what is in flight and rejects with an AbortError instead of returning a result', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 50, usage: true });
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const t0 = Date.now();
    try {
      await runLoad({
        baseUrl: server.url, model: 'm', client: client(), schedule: evenly(20, 50, 5, 40), signal: controller.signal,
        prompts: await createPromptMaker({ kind: 'sim' }),
      });
      assert.unreachable('expected a rejection');
    } catch (err) {
      assert.is((err as Error).name, 'AbortError');
    }
    assert.ok(Date.now() - t0 < 1500, 'stopped promptly, not after the 3 s of streams');
  } finally {
    await server.close();
  }
});

test.run();
