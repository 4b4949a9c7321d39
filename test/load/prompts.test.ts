import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { readTokenizer } from '../../lib/load/tokenizer.ts';
import { createPromptMaker, makeWordPrompt } from '../../lib/load/prompts.ts';
import { startStreamServer } from '../fixtures/load/stream-server.ts';

const tokenizerPath = new URL('../fixtures/load/tokenizer.json', import.meta.url).pathname;

test('sim prompts have one whitespace-separated word per token and differ from the first word', async () => {
  const maker = await createPromptMaker({ kind: 'sim' });
  for (const n of [1, 2, 17, 3000]) {
    const text = await maker.make(5, n);
    assert.is(text.split(/\s+/).filter(Boolean).length, n);
  }
  assert.is.not((await maker.make(1, 50)).split(' ')[0], (await maker.make(2, 50)).split(' ')[0]);
  assert.is(makeWordPrompt(9, 40), makeWordPrompt(9, 40), 'the same request gets the same text');
});

test('tokenizer prompts encode to exactly the requested count, BOS included', async () => {
  const maker = await createPromptMaker({ kind: 'tokenizer', tokenizer: tokenizerPath, cacheDir: '/nonexistent' });
  const tok = await readTokenizer(tokenizerPath, '/nonexistent');
  const texts = new Set<string>();
  for (const [idx, n] of [[0, 5], [1, 6], [7, 64], [123, 500], [4, 2049]] as const) {
    const text = await maker.make(idx, n);
    assert.is(tok.encode(text).ids.length, n, `request ${idx}, ${n} tokens`);
    texts.add(text.split(' ')[0]!);
  }
  assert.is(texts.size, 5, 'each request starts differently');
});

test('a prompt shorter than the unique prefix is refused with the reason', async () => {
  const maker = await createPromptMaker({ kind: 'tokenizer', tokenizer: tokenizerPath, cacheDir: '/nonexistent' });
  try {
    await maker.make(12345, 3);
    assert.unreachable('expected a refusal');
  } catch (err) {
    assert.match((err as Error).message, /cannot make a 3-token prompt, the shortest unique prefix takes 7/);
  }
});

test('server prompts are sized with the server /tokenize', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 1 });
  try {
    const maker = await createPromptMaker({ kind: 'server', baseUrl: server.url, model: 'm' });
    const text = await maker.make(3, 120);
    assert.is(text.split(/\s+/).length, 120);
    const calls = server.received;
    assert.is(await maker.make(3, 120), text);
    assert.is(server.received, calls, 'the same request at the next probe is not sized again');
  } finally {
    await server.close();
  }
  try {
    await createPromptMaker({ kind: 'server', baseUrl: server.url, model: 'm' });
    assert.unreachable('expected the closed server to be reported');
  } catch (err) {
    assert.match((err as Error).message, /\/tokenize: request failed/);
  }
});

test('a Hugging Face id is downloaded once into cacheDir/tokenizers and read from there after', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'headroom-tok-'));
  const paths: string[] = [];
  const hub = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/org/tiny/resolve/main/tokenizer.json') res.end(readFileSync(tokenizerPath));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  try {
    const tok = await readTokenizer('org/tiny', cacheDir, url);
    assert.is(tok.encode('the and').ids.length, 3);
    assert.equal(paths, ['/org/tiny/resolve/main/tokenizer.json', '/org/tiny/resolve/main/tokenizer_config.json']);
    await new Promise<void>((r) => hub.close(() => r()));
    const again = await readTokenizer('org/tiny', cacheDir, url);
    assert.is(again.encode('the and of').ids.length, 4, 'served from the cache with the hub gone');
    try {
      await readTokenizer('org/missing', cacheDir, url);
      assert.unreachable('expected the closed hub to be reported');
    } catch (err) {
      assert.match((err as Error).message, /Tokenizer org\/missing: downloading http:\/\/127\.0\.0\.1:\d+\/org\/missing\/resolve\/main\/tokenizer\.json failed \(ECONNREFUSED\)/);
    }
  } finally {
    hub.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('an unknown tokenizer name is reported as such', async () => {
  try {
    await readTokenizer('not a path or id', '/tmp');
    assert.unreachable('expected an error');
  } catch (err) {
    assert.match((err as Error).message, /expected a tokenizer\.json path or a Hugging Face id like org\/name, got `not a path or id`/);
  }
});

test.run();
