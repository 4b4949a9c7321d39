import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profilePrefill, virtualMeasure, httpMeasure, type Measure } from '../../lib/profile/profile.ts';
import { fitPrefill, predictPrefillNs } from '../../lib/profile/fit.ts';
import { prefillChunkTokensOf } from '../../lib/profile/lengths.ts';
import { idleTtftNs } from '../../lib/sim/virtual.ts';
import { startSimServer } from '../../lib/sim/server.ts';
import { createPromptMaker } from '../../lib/load/prompts.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

test('profilePrefill warms up at the shortest and longest length, then measures each length in order', async () => {
  const calls: [number, number][] = [];
  const measure: Measure = async (n, reps) => {
    calls.push([n, reps]);
    return Array.from({ length: reps }, (_, i) => n * 1000 + [5, 1, 3][i % 3]);
  };
  const points = await profilePrefill({ lengths: [1024, 256, 512, 256], repetitions: 3, outputTokens: 16 }, measure);
  assert.equal(calls, [[256, 1], [1024, 1], [256, 3], [512, 3], [1024, 3]]);
  assert.equal(points, [
    { promptTokens: 256, ttftNs: 256003 },
    { promptTokens: 512, ttftNs: 512003 },
    { promptTokens: 1024, ttftNs: 1024003 },
  ]);
});

test('profilePrefill names a Measure that returns the wrong number of TTFTs', async () => {
  const short: Measure = async () => [1];
  try {
    await profilePrefill({ lengths: [256, 512], repetitions: 2, outputTokens: 16 }, short);
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'profilePrefill: expected 2 TTFTs at 256 tokens, got 1');
  }
});

for (const scheduler of ['vllm', 'sarathi'] as const) {
  test(`a virtual profile of the simulated ${scheduler} engine fits its true prefill curve within 5% (256..16384)`, async () => {
    const job = simJob({ sim: { scheduler } });
    const points = await profilePrefill(job.profile, virtualMeasure(job));
    assert.is(points.length, 7);
    const fit = fitPrefill(points, { chunkTokens: prefillChunkTokensOf(job) });
    let worst = 0;
    for (let n = 256; n <= 16384; n += 64) {
      const truth = idleTtftNs(job.system.sim, job.model.simModel, job.parallel, n);
      worst = Math.max(worst, Math.abs(predictPrefillNs(fit, n) / truth - 1));
    }
    assert.ok(worst < 0.05, `worst relative error ${worst}`);
  });
}

test('virtualMeasure refuses a job on a real engine', () => {
  const job = simJob({ system: { engine: 'vllm' } });
  assert.throws(() => virtualMeasure(job), /job .* runs engine vllm; expected sim \(a real server needs httpMeasure\)/);
});

async function withSimServer<T>(fn: (url: string) => Promise<T>, maxModelLen = 32768): Promise<T> {
  const job = simJob();
  const server = await startSimServer({
    host: '127.0.0.1',
    port: 0,
    settings: { ...job.system.sim, clock: 'real' },
    simModel: 'llama-3-8b',
    parallel: job.parallel,
    servedModelName: 'm',
    maxModelLen,
  });
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

test('httpMeasure times the real-time simulated server\'s first token, not its whole response', async () => {
  await withSimServer(async (url) => {
    const job = simJob();
    const measure = httpMeasure({ baseUrl: url, model: 'm', prompts: await createPromptMaker({ kind: 'sim' }) });
    await measure(256, 1); // the warm-up profilePrefill does: the first request pays connection and JIT costs
    for (const n of [256, 2048]) {
      const truth = idleTtftNs(job.system.sim, 'llama-3-8b', job.parallel, n);
      const got = await measure(n, 3);
      assert.is(got.length, 3);
      // Timers fire late, never early; on a busy machine by tens of ms. The 15 further tokens of the 16-token
      // response take ~135 ms more, so a bound of +50 ms still tells TTFT from end-to-end time.
      const median = [...got].sort((a, b) => a - b)[1];
      assert.ok(Math.min(...got) > 0.97 * truth, `${n} tokens: ${got} ns vs ${truth} ns`);
      assert.ok(median < truth + 50e6, `${n} tokens: median ${median} ns vs ${truth} ns`);
    }
  });
});

test('httpMeasure starts the server and the prompt maker lazily, on its first measurement', async () => {
  await withSimServer(async (url) => {
    let started = 0;
    const measure = httpMeasure({
      server: async () => (started++, { baseUrl: url }),
      model: 'm',
      prompts: () => createPromptMaker({ kind: 'sim' }),
      client: { endpoint: 'chat', timeoutNs: 10e9 },
    });
    assert.is(started, 0);
    await measure(256, 1);
    await measure(300, 1);
    assert.is(started, 1);
  });
});

test('httpMeasure fails with the server\'s reason when a prompt does not fit the context', async () => {
  await withSimServer(async (url) => {
    const measure = httpMeasure({ baseUrl: `${url}/v1/`, model: 'm', prompts: await createPromptMaker({ kind: 'sim' }) });
    try {
      await measure(5000, 1);
      assert.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      assert.ok(
        msg.startsWith(`Profiling request of 5000 prompt tokens to ${url}/v1/completions failed: expected a streamed completion, got http_error (HTTP 400)`),
        msg,
      );
      assert.match(msg, /maximum context length is 4096/);
    }
  }, 4096);
});

test('httpMeasure refuses prompts the server counts differently', async () => {
  await withSimServer(async (url) => {
    const words = await createPromptMaker({ kind: 'sim' });
    // A prompt maker with the wrong tokenizer: twice the words asked for.
    const doubled = { make: (idx: number, tokens: number) => words.make(idx, tokens * 2) };
    const measure = httpMeasure({ baseUrl: url, model: 'm', prompts: doubled });
    try {
      await measure(256, 1);
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, `Profiling prompt of 256 tokens was counted as 512 tokens by ${url}/v1/completions: expected within 32`);
    }
  });
});

test('httpMeasure sends again when the connection is reset before any response, and only then', async () => {
  let seen = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen++;
      if (seen === 1) return void req.socket.destroy(); // like a keep-alive socket the server just closed
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, text: ' a', finish_reason: null }] })}\n\n`);
      res.end(`data: ${JSON.stringify({ choices: [{ index: 0, text: '', finish_reason: 'length' }] })}\n\ndata: [DONE]\n\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const measure = httpMeasure({ baseUrl: url, model: 'm', prompts: await createPromptMaker({ kind: 'sim' }) });
    const [ttft] = await measure(8, 1);
    assert.ok(ttft > 0);
    assert.is(seen, 2);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test.run();
