import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Trace } from '../../lib/types.ts';
import { buildSchedule, traceContentHash } from '../../lib/load/schedule.ts';
import { sha256Hex } from '../../lib/load/trace-file.ts';

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

const fixtures = new URL('../fixtures/load/', import.meta.url).pathname;
const csvBytes = readFileSync(join(fixtures, 'lengths.csv'));
const cacheDir = mkdtempSync(join(tmpdir(), 'headroom-sched-'));
const ctx = { baseDir: fixtures, cacheDir };

function trace(over: Partial<Trace> = {}): Trace {
  return {
    name: 't', requests: 200, seed: 42, maxTotalTokens: 4096,
    lengths: { type: 'synthetic', name: 'sharegpt' },
    arrivals: { type: 'poisson', etalonClip: false },
    ...over,
  };
}

test('the same seed gives the same requests, and arrival times scale with 1/qps', async () => {
  const a = await buildSchedule(trace(), 2, ctx);
  const b = await buildSchedule(trace(), 2, ctx);
  const c = await buildSchedule(trace(), 8, ctx);
  assert.equal(a, b);
  assert.is(a.length, 200);
  assert.equal(a.map((r) => [r.promptTokens, r.outputTokens]), c.map((r) => [r.promptTokens, r.outputTokens]));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]!.scheduledNs - 4 * c[i]!.scheduledNs) <= 4, `request ${i}`);
  assert.is(a[0]!.scheduledNs, 0);
  assert.ok(a.every((r, i) => r.idx === i && Number.isInteger(r.scheduledNs) && r.promptTokens + r.outputTokens <= 4096));
  const other = await buildSchedule(trace({ seed: 43 }), 2, ctx);
  assert.not.equal(other.map((r) => r.promptTokens), a.map((r) => r.promptTokens));
});

test('CSV lengths are clipped to maxTotalTokens by Etalon rule and shuffled by the seed', async () => {
  const s = await buildSchedule(trace({ requests: 8, lengths: { type: 'csv', path: 'lengths.csv', url: null, sha256: null } }), 1, ctx);
  const pairs = s.map((r) => `${r.promptTokens}/${r.outputTokens}`);
  // 5000+1000 over 4096: excess 1904 -> prompt - ceil(1586.67), output - ceil(317.33)
  const expected = ['100/10', '3413/682', '30/300', '7/3'];
  assert.equal([...pairs.slice(0, 4)].sort(), [...expected].sort());
  assert.equal([...pairs.slice(4)].sort(), [...expected].sort(), 'second pass over the file');
  const again = await buildSchedule(trace({ requests: 8, seed: 5, lengths: { type: 'csv', path: 'lengths.csv', url: null, sha256: null } }), 1, ctx);
  assert.ok(again.length === 8);
});

test('fixed, uniform and zipf lengths respect their bounds', async () => {
  const f = await buildSchedule(trace({ requests: 3, lengths: { type: 'fixed', prompt: 5000, output: 10 } }), 1, ctx);
  assert.equal(f.map((r) => [r.promptTokens, r.outputTokens])[0], [4087, 8]);
  const u = await buildSchedule(trace({ lengths: { type: 'uniform', prompt: [10, 20], output: [1, 3] } }), 1, ctx);
  assert.ok(u.every((r) => r.promptTokens >= 10 && r.promptTokens <= 20 && r.outputTokens >= 1 && r.outputTokens <= 3));
  assert.is(new Set(u.map((r) => r.promptTokens)).size, 11);
  const z = await buildSchedule(trace({ lengths: { type: 'zipf', prompt: [100, 200], output: [5, 50], theta: 1.5 } }), 1, ctx);
  const ones = z.filter((r) => r.promptTokens === 100).length;
  assert.ok(ones > 40, `the minimum should be the most common prompt length, seen ${ones} times in 200`);
});

test('a CSV whose sha256 differs from the declared one fails naming both hashes', async () => {
  const bad = 'a'.repeat(64);
  await rejects(
    buildSchedule(trace({ lengths: { type: 'csv', path: 'lengths.csv', url: null, sha256: bad } }), 1, ctx),
    new RegExp(`expected sha256 ${bad}, found ${sha256Hex(csvBytes)}`),
  );
});

test('a URL trace is downloaded once into cacheDir/traces and its hash checked', async () => {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.end(req.url === '/tampered.csv' ? Buffer.concat([csvBytes, Buffer.from('1,1,2,1\n')]) : csvBytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const lengths = { type: 'csv' as const, path: 'x.csv', url: `${base}/lengths.csv`, sha256: sha256Hex(csvBytes) };
    const first = await buildSchedule(trace({ requests: 4, lengths }), 1, ctx);
    const second = await buildSchedule(trace({ requests: 4, lengths }), 1, ctx);
    assert.equal(first, second);
    assert.is(hits, 1);
    assert.ok(existsSync(join(cacheDir, 'traces')));
    const local = await traceContentHash(trace({ lengths: { type: 'csv', path: 'lengths.csv', url: null, sha256: null } }), ctx);
    assert.is(await traceContentHash(trace({ lengths }), ctx), local, 'the hash follows content, not location');
    await rejects(
      buildSchedule(trace({ lengths: { ...lengths, url: `${base}/tampered.csv` } }), 1, ctx),
      /Trace http:.*tampered\.csv: expected sha256 [0-9a-f]{64}, found [0-9a-f]{64}/,
    );
  } finally {
    server.close();
  }
});

test('the content hash changes with the lengths, not with the file path or the QPS', async () => {
  const a = await traceContentHash(trace(), ctx);
  assert.is(a, await traceContentHash(trace({ name: 'renamed' }), ctx));
  assert.is.not(a, await traceContentHash(trace({ lengths: { type: 'synthetic', name: 'arxiv' } }), ctx));
  assert.match(a, /^[0-9a-f]{64}$/);
});

test.after(() => rmSync(cacheDir, { recursive: true, force: true }));
test.run();
