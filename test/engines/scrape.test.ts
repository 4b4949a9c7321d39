import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { startScraper } from '../../lib/engines/scrape.ts';

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/metrics`, close: () => new Promise((r) => server.close(() => r())) };
}

test('samples vLLM-style metrics at the interval, timed on the run clock', async () => {
  let hits = 0;
  const srv = await serve((_req, res) => {
    hits++;
    res.end(`vllm:num_requests_running ${hits}\nvllm:num_requests_waiting 1\nvllm:gpu_cache_usage_perc 0.5\nvllm:num_preemptions_total 0\n`);
  });
  const clockStartNs = process.hrtime.bigint() - 5_000_000_000n; // the run began 5 s ago
  const scraper = startScraper(srv.url, 'sim', { intervalMs: 100, clockStartNs });
  await new Promise((r) => setTimeout(r, 450));
  const samples = await scraper.stop();
  const countAtStop = hits;
  await new Promise((r) => setTimeout(r, 250));
  await srv.close();
  assert.ok(samples.length >= 2 && samples.length <= 6, `${samples.length} samples`);
  assert.is(hits, countAtStop, 'no scrape after stop');
  assert.ok(samples[0].tNs >= 5e9 && samples[0].tNs < 6e9);
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i].tNs - samples[i - 1].tNs >= 80e6, 'about one interval apart');
  assert.equal(samples.map((s) => s.running), samples.map((_s, i) => i + 1));
  assert.equal({ ...samples[0], tNs: 0, running: 0 }, { tNs: 0, running: 0, waiting: 1, kvUsage: 0.5, preemptions: 0 });
});

test('samples are re-based onto the load run clock given at stop; those from before its zero are left out', async () => {
  const srv = await serve((_req, res) => res.end('vllm:num_requests_running 1\n'));
  const scraper = startScraper(srv.url, 'vllm', { intervalMs: 50 });
  await new Promise((r) => setTimeout(r, 120));
  const runOriginNs = process.hrtime.bigint(); // the load run's zero, after a warm-up
  await new Promise((r) => setTimeout(r, 230));
  const beforeStop = process.hrtime.bigint();
  const samples = await scraper.stop(runOriginNs);
  await srv.close();
  assert.ok(samples.length >= 2, `${samples.length} samples`);
  assert.ok(samples.every((x) => x.tNs >= 0 && x.tNs <= Number(beforeStop - runOriginNs)), JSON.stringify(samples.map((x) => x.tNs)));
});

test('a missing endpoint or a closed port gives null values, not errors', async () => {
  const srv = await serve((_req, res) => res.writeHead(404).end('no metrics here'));
  const s404 = await (async () => { const sc = startScraper(srv.url, 'vllm', { intervalMs: 50 }); await new Promise((r) => setTimeout(r, 120)); return sc.stop(); })();
  await srv.close();
  assert.ok(s404.length >= 1);
  assert.equal({ ...s404[0], tNs: 0 }, { tNs: 0, running: null, waiting: null, kvUsage: null, preemptions: null });
  const sc = startScraper(srv.url, 'vllm', { intervalMs: 50 }); // port now closed
  await new Promise((r) => setTimeout(r, 120));
  const closed = await sc.stop();
  assert.ok(closed.length >= 1 && closed.every((s) => s.running === null));
});

test('trtllm-serve JSON statistics are read from the same endpoint', async () => {
  const srv = await serve((_req, res) => res.end(JSON.stringify([{ numActiveRequests: 2, numQueuedRequests: 1, kvCacheStats: { usedNumBlocks: 5, maxNumBlocks: 10 } }])));
  const sc = startScraper(srv.url, 'trtllm', { intervalMs: 1000 });
  await new Promise((r) => setTimeout(r, 100));
  const samples = await sc.stop();
  await srv.close();
  assert.equal({ ...samples[0], tNs: 0 }, { tNs: 0, running: 2, waiting: 1, kvUsage: 0.5, preemptions: null });
});

test.run();
