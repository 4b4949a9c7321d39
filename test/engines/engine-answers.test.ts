// Each preset's paths and metric names against a local server that answers the way that engine's source does
// (routes, readiness behaviour, metric names and labels as read in the sources cited in lib/engines/presets/ and
// engine-metrics.ts): readiness must pass through the preset's health and models URLs, and the scraper must turn
// the engine's /metrics into the expected gauges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { buildLaunch } from '../../lib/engines/preset.ts';
import { waitUntilReady } from '../../lib/engines/readiness.ts';
import { startScraper } from '../../lib/engines/scrape.ts';
import { findFreePort } from '../../lib/engines/ports.ts';
import type { EngineName, ServerSample } from '../../lib/types.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

interface Answer {
  status: number;
  body: string;
  type?: string;
}
type Route = (state: { loaded: boolean }) => Answer;

interface FakeEngine {
  engine: EngineName;
  /** Until then the engine is loading its model. */
  loadMs: number;
  /** TGI's router and trtllm-serve's FastAPI app only listen once the model is loaded. */
  listensOnlyWhenLoaded: boolean;
  routes: Record<string, Route>;
  expected: Omit<ServerSample, 'tNs'>;
}

const json = (value: unknown, status = 200): Answer => ({ status, body: JSON.stringify(value), type: 'application/json' });
const prom = (lines: string[]): Answer => ({ status: 200, body: lines.join('\n') + '\n', type: 'text/plain; version=0.0.4; charset=utf-8' });
const modelList = (extra: Record<string, unknown> = {}) => json({ object: 'list', data: [{ id: MODEL, object: 'model', ...extra }] });
// FastAPI's answer for a path nobody registered.
const fastApi404: Route = () => json({ detail: 'Not Found' }, 404);

function trtllmStats(): unknown[] {
  return [{ iter: 41, numActiveRequests: 5, numQueuedRequests: 2, kvCacheStats: { usedNumBlocks: 30, maxNumBlocks: 120, tokensPerBlock: 32 } }];
}

const ENGINES: Record<string, FakeEngine> = {
  // vllm/entrypoints/openai/api_server.py routes; v1/metrics/loggers.py names, two data-parallel engines.
  'vLLM (V1 engine, data parallel 2)': {
    engine: 'vllm',
    loadMs: 0,
    listensOnlyWhenLoaded: true,
    routes: {
      '/health': () => ({ status: 200, body: '' }),
      '/v1/models': () => modelList({ owned_by: 'vllm', max_model_len: 8192 }),
      '/metrics': () => prom([
        '# TYPE vllm:num_requests_running gauge',
        `vllm:num_requests_running{engine="0",model_name="${MODEL}"} 3.0`,
        `vllm:num_requests_running{engine="1",model_name="${MODEL}"} 4.0`,
        `vllm:num_requests_waiting{engine="0",model_name="${MODEL}"} 1.0`,
        `vllm:num_requests_waiting{engine="1",model_name="${MODEL}"} 0.0`,
        `vllm:gpu_cache_usage_perc{engine="0",model_name="${MODEL}"} 0.2`,
        `vllm:kv_cache_usage_perc{engine="0",model_name="${MODEL}"} 0.2`,
        `vllm:kv_cache_usage_perc{engine="1",model_name="${MODEL}"} 0.35`,
        '# TYPE vllm:num_preemptions counter',
        `vllm:num_preemptions_total{engine="0",model_name="${MODEL}"} 2.0`,
        `vllm:num_preemptions_total{engine="1",model_name="${MODEL}"} 1.0`,
      ]),
    },
    expected: { running: 7, waiting: 1, kvUsage: 0.35, preemptions: 3 },
  },
  // sglang http_server (/health, /v1/models, /metrics with --enable-metrics); srt/metrics/collector.py names.
  SGLang: {
    engine: 'sglang',
    loadMs: 120,
    listensOnlyWhenLoaded: false,
    routes: {
      '/health': ({ loaded }) => ({ status: loaded ? 200 : 503, body: '' }),
      '/v1/models': () => modelList({ owned_by: 'sglang', root: MODEL }),
      '/metrics': () => prom([
        '# TYPE sglang:num_running_reqs gauge',
        `sglang:num_running_reqs{engine_type="unified",model_name="${MODEL}",pp_rank="0",tp_rank="0"} 9.0`,
        `sglang:num_queue_reqs{engine_type="unified",model_name="${MODEL}",pp_rank="0",tp_rank="0"} 4.0`,
        `sglang:token_usage{engine_type="unified",model_name="${MODEL}",pp_rank="0",tp_rank="0"} 0.61`,
        `sglang:num_retracted_reqs{engine_type="unified",model_name="${MODEL}",pp_rank="0",tp_rank="0"} 0.0`,
        '# TYPE sglang:num_retracted_requests_total counter',
        `sglang:num_retracted_requests_total{engine_type="unified",model_name="${MODEL}",pp_rank="0",tp_rank="0"} 6.0`,
      ]),
    },
    expected: { running: 9, waiting: 4, kvUsage: 0.61, preemptions: 6 },
  },
  // TGI router/src/server.rs: the router starts only after the shards are ready; /health, /v1/models and
  // /metrics are all on its port. Nothing answers on 9000.
  TGI: {
    engine: 'tgi',
    loadMs: 150,
    listensOnlyWhenLoaded: true,
    routes: {
      '/health': () => ({ status: 200, body: '' }),
      '/v1/models': () => json({ object: 'list', data: [{ id: MODEL, object: 'model', created: 0, owned_by: MODEL }] }),
      '/metrics': () => prom([
        '# TYPE tgi_batch_current_size gauge',
        'tgi_batch_current_size 12',
        '# TYPE tgi_queue_size gauge',
        'tgi_queue_size 3',
        'tgi_batch_current_max_tokens 20480',
        'tgi_request_duration_bucket{le="0.5"} 4',
        'tgi_request_duration_sum 1.75',
      ]),
    },
    expected: { running: 12, waiting: 3, kvUsage: null, preemptions: null },
  },
  // llama.cpp tools/server: /health is 503 with an error object while the model loads; /metrics needs --metrics.
  'llama.cpp (a build without the KV gauge)': {
    engine: 'llamacpp',
    loadMs: 120,
    listensOnlyWhenLoaded: false,
    routes: {
      '/health': ({ loaded }) => loaded
        ? json({ status: 'ok' })
        : json({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, 503),
      '/v1/models': () => modelList({ owned_by: 'llamacpp', created: 1764000000 }),
      '/metrics': () => prom([
        '# HELP llamacpp:requests_processing Number of requests processing.',
        '# TYPE llamacpp:requests_processing gauge',
        'llamacpp:requests_processing 2',
        '# TYPE llamacpp:requests_deferred gauge',
        'llamacpp:requests_deferred 5',
        'llamacpp:n_busy_slots_per_decode 1.5',
      ]),
    },
    expected: { running: 2, waiting: 5, kvUsage: null, preemptions: null },
  },
  // trtllm-serve without return_perf_metrics: no /prometheus/metrics route; JSON iteration statistics at /metrics.
  'trtllm-serve (JSON iteration statistics only)': {
    engine: 'trtllm',
    loadMs: 100,
    listensOnlyWhenLoaded: true,
    routes: {
      '/health': () => ({ status: 200, body: '' }),
      '/v1/models': () => modelList({ owned_by: 'tensorrt_llm' }),
      '/metrics': () => json(trtllmStats()),
      '/prometheus/metrics': fastApi404,
    },
    expected: { running: 5, waiting: 2, kvUsage: 0.25, preemptions: null },
  },
  // trtllm-serve with return_perf_metrics: Prometheus gauges; the statistics queue is drained by the server, so
  // /metrics answers an empty list.
  'trtllm-serve (Prometheus at /prometheus/metrics)': {
    engine: 'trtllm',
    loadMs: 0,
    listensOnlyWhenLoaded: true,
    routes: {
      '/health': () => ({ status: 200, body: '' }),
      '/v1/models': () => modelList({ owned_by: 'tensorrt_llm' }),
      '/metrics': () => json([]),
      '/prometheus/metrics': () => prom([
        '# TYPE trtllm_num_requests_running gauge',
        'trtllm_num_requests_running{engine_type="undefined",model_name="undefined"} 6.0',
        'trtllm_num_requests_waiting{engine_type="undefined",model_name="undefined"} 1.0',
        'trtllm_kv_cache_utilization{engine_type="undefined",model_name="undefined"} 0.5',
      ]),
    },
    expected: { running: 6, waiting: 1, kvUsage: 0.5, preemptions: null },
  },
};

async function startFake(fake: FakeEngine, port: number): Promise<{ hits: string[]; unknown: string[]; close(): Promise<void> }> {
  const state = { loaded: false };
  const hits: string[] = [];
  const unknown: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.push(path);
    const route = fake.routes[path];
    if (!route) unknown.push(path);
    const answer = route ? route(state) : { status: 404, body: 'not found' };
    res.writeHead(answer.status, { 'content-type': answer.type ?? 'text/plain' });
    res.end(answer.body);
  });
  const listen = () => new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const loaded = new Promise<void>((r) => setTimeout(() => { state.loaded = true; r(); }, fake.loadMs));
  if (fake.listensOnlyWhenLoaded) void loaded.then(listen);
  else await listen();
  return {
    hits,
    unknown,
    close: async () => {
      await loaded;
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

for (const [name, fake] of Object.entries(ENGINES)) {
  test(`${name}: ready through the preset's health and models paths, gauges from its metrics path`, async () => {
    const port = await findFreePort();
    const srv = await startFake(fake, port);
    try {
      const launch = buildLaunch(makeJob({ system: { engine: fake.engine } }), { host: '127.0.0.1', port, gpus: [0], repoRoot: '/repo' });
      const t0 = Date.now();
      const ready = await waitUntilReady({ healthUrl: launch.healthUrl, modelsUrl: launch.modelsUrl, timeoutMs: 10_000, pollMs: 20, maxPollMs: 40 });
      assert.ok(ready.ready, JSON.stringify(ready));
      assert.ok(Date.now() - t0 >= fake.loadMs - 5, 'not ready before the model is loaded');
      const scraper = startScraper(launch.metricsUrl!, fake.engine, { intervalMs: 40 });
      await new Promise((r) => setTimeout(r, 150));
      const samples = await scraper.stop();
      assert.ok(samples.length >= 2, `${samples.length} samples`);
      for (const s of samples) assert.equal({ ...s, tNs: 0 }, { tNs: 0, ...fake.expected });
      assert.equal(srv.unknown, [], 'every path the presets use is one the engine serves');
      assert.ok(srv.hits.includes(new URL(launch.modelsUrl).pathname), 'readiness asked for the model list');
    } finally {
      await srv.close();
    }
  });
}

test('trtllm-serve: once the JSON endpoint has answered, scrapes go there first', async () => {
  const fake = ENGINES['trtllm-serve (JSON iteration statistics only)'];
  const port = await findFreePort();
  const srv = await startFake({ ...fake, loadMs: 0 }, port);
  try {
    const launch = buildLaunch(makeJob({ system: { engine: 'trtllm' } }), { host: '127.0.0.1', port, gpus: [0], repoRoot: '/repo' });
    await waitUntilReady({ healthUrl: launch.healthUrl, modelsUrl: launch.modelsUrl, timeoutMs: 5000, pollMs: 20 });
    srv.hits.length = 0;
    const scraper = startScraper(launch.metricsUrl!, 'trtllm', { intervalMs: 30 });
    await new Promise((r) => setTimeout(r, 150));
    const samples = await scraper.stop();
    assert.ok(samples.length >= 3, `${samples.length} samples`);
    assert.is(srv.hits.filter((p) => p === '/prometheus/metrics').length, 1, 'the Prometheus path is asked once, then skipped');
    assert.is(srv.hits.filter((p) => p === '/metrics').length, samples.length);
  } finally {
    await srv.close();
  }
});

test.run();
