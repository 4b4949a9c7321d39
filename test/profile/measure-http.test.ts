import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpMeasure, openAiRoot } from '../../lib/profile/measure-http.ts';
import { idleTtftNs } from '../../lib/sim/virtual.ts';
import { startSimServer } from '../../lib/sim/server.ts';
import { createPromptMaker } from '../../lib/load/prompts.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';

test('openAiRoot appends /v1 unless the URL already ends with it', () => {
  assert.is(openAiRoot('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1');
  assert.is(openAiRoot('http://127.0.0.1:8000/v1/'), 'http://127.0.0.1:8000/v1');
  assert.is(openAiRoot('https://gateway.example/openai/v1'), 'https://gateway.example/openai/v1');
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
