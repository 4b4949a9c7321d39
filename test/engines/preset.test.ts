import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLaunch } from '../../lib/engines/preset.ts';
import { readMetricsUrls } from '../../lib/engines/scrape.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const opts = { host: '127.0.0.1', port: 8123, gpus: [2, 3], repoRoot: '/repo' };

test('vLLM is started with vllm serve, parallel sizes, context length and pass-through flags', () => {
  const job = makeJob({
    tp: 2,
    system: { engine: 'vllm', flags: { enableChunkedPrefill: true, maxNumBatchedTokens: 512, enforceEager: false, 'gpu-memory-utilization': 0.9 } },
  });
  const launch = buildLaunch(job, opts);
  assert.equal(launch.command.join(' '),
    'vllm serve meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port 8123 --tensor-parallel-size 2 ' +
    '--pipeline-parallel-size 1 --max-model-len 8192 --enable-chunked-prefill --max-num-batched-tokens 512 --gpu-memory-utilization 0.9');
  assert.equal(launch.env, { CUDA_VISIBLE_DEVICES: '2,3' });
  assert.is(launch.baseUrl, 'http://127.0.0.1:8123');
  assert.is(launch.healthUrl, 'http://127.0.0.1:8123/health');
  assert.is(launch.modelsUrl, 'http://127.0.0.1:8123/v1/models');
  assert.is(launch.metricsUrl, 'http://127.0.0.1:8123/metrics');
  assert.is(launch.launched, true);
});

test('SGLang is started with launch_server, --tp-size (not an argparse abbreviation) and metrics turned on', () => {
  const launch = buildLaunch(makeJob({ tp: 2, pp: 2, system: { engine: 'sglang', flags: { memFractionStatic: 0.8 } } }), opts);
  assert.equal(launch.command.join(' '),
    'python -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port 8123 --tp-size 2 ' +
    '--pp-size 2 --context-length 8192 --enable-metrics --mem-fraction-static 0.8');
  assert.is(buildLaunch(makeJob({ system: { engine: 'sglang' } }), opts).command.includes('--pp-size'), false, 'pp 1 passes no --pp-size');
  assert.is(launch.healthUrl, 'http://127.0.0.1:8123/health');
  assert.is(launch.modelsUrl, 'http://127.0.0.1:8123/v1/models');
  assert.is(launch.metricsUrl, 'http://127.0.0.1:8123/metrics');
});

test('TGI is started with --num-shard and a context length as input < total tokens, and refuses pipeline parallelism', () => {
  const launch = buildLaunch(makeJob({ tp: 2, system: { engine: 'tgi' } }), opts);
  assert.equal(launch.command.join(' '),
    'text-generation-launcher --model-id meta-llama/Llama-3.1-8B-Instruct --hostname 127.0.0.1 --port 8123 --num-shard 2 ' +
    '--max-input-tokens 8191 --max-total-tokens 8192');
  assert.is(launch.healthUrl, 'http://127.0.0.1:8123/health');
  assert.is(launch.modelsUrl, 'http://127.0.0.1:8123/v1/models');
  assert.is(launch.metricsUrl, 'http://127.0.0.1:8123/metrics', 'the router renders Prometheus text on its own port');
  assert.not.ok(buildLaunch(makeJob({ maxModelLen: null, system: { engine: 'tgi' } }), opts).command.some((w) => w.startsWith('--max-')));
  assert.throws(() => buildLaunch(makeJob({ pp: 2, system: { engine: 'tgi' } }), opts), /TGI shards by tensor parallelism only.*got pp 2/);
  assert.throws(() => buildLaunch(makeJob({ maxModelLen: 1, system: { engine: 'tgi' } }), opts), /expected maxModelLen >= 2, got 1/);
});

test('TensorRT-LLM is started with trtllm-serve and snake_case flags', () => {
  const launch = buildLaunch(makeJob({ tp: 2, system: { engine: 'trtllm', flags: { maxBatchSize: 128, kv_cache_free_gpu_memory_fraction: 0.9 } } }), opts);
  assert.equal(launch.command.join(' '),
    'trtllm-serve meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port 8123 --tp_size 2 --pp_size 1 --max_seq_len 8192 ' +
    '--max_batch_size 128 --kv_cache_free_gpu_memory_fraction 0.9');
  assert.is(launch.healthUrl, 'http://127.0.0.1:8123/health');
  assert.is(launch.modelsUrl, 'http://127.0.0.1:8123/v1/models');
  assert.is(launch.metricsUrl, 'http://127.0.0.1:8123/prometheus/metrics', 'Prometheus text first (newer releases)');
  assert.equal(readMetricsUrls(launch.metricsUrl!, 'trtllm'), ['http://127.0.0.1:8123/prometheus/metrics', 'http://127.0.0.1:8123/metrics']);
});

test('llama.cpp loads a .gguf file with -m and a repository with -hf, with metrics on', () => {
  const file = buildLaunch(makeJob({ hfId: '/models/llama-8b.Q4_K_M.gguf', maxModelLen: null, system: { engine: 'llamacpp' } }), { ...opts, gpus: [0] });
  assert.equal(file.command.join(' '),
    'llama-server -m /models/llama-8b.Q4_K_M.gguf --alias /models/llama-8b.Q4_K_M.gguf --host 127.0.0.1 --port 8123 --metrics -ngl 999');
  const repo = buildLaunch(makeJob({ tp: 2, hfId: 'bartowski/Llama-3.2-3B-Instruct-GGUF:Q8_0', system: { engine: 'llamacpp', flags: { parallel: 8 } } }), opts);
  assert.equal(repo.command.join(' '),
    'llama-server -hf bartowski/Llama-3.2-3B-Instruct-GGUF:Q8_0 --alias bartowski/Llama-3.2-3B-Instruct-GGUF:Q8_0 --host 127.0.0.1 --port 8123 ' +
    '--metrics -ngl 999 --split-mode row -c 8192 --parallel 8');
  assert.equal([repo.healthUrl, repo.modelsUrl, repo.metricsUrl],
    ['http://127.0.0.1:8123/health', 'http://127.0.0.1:8123/v1/models', 'http://127.0.0.1:8123/metrics']);
  assert.equal(readMetricsUrls(repo.metricsUrl!, 'llamacpp'), ['http://127.0.0.1:8123/metrics'], 'one place only');
});

test('the simulated engine is a node child process with its settings as JSON and no GPUs', () => {
  const job = makeJob({ tp: 2, system: { engine: 'sim' } });
  const launch = buildLaunch(job, { ...opts, gpus: [] });
  assert.equal(launch.command.slice(1), [
    '--import', 'tsx', '/repo/lib/sim/main.ts', '--host', '127.0.0.1', '--port', '8123',
    '--served-model-name', 'meta-llama/Llama-3.1-8B-Instruct', '--sim-model', 'llama-3-8b', '--tp', '2', '--pp', '1',
    '--max-model-len', '8192', '--settings', JSON.stringify(job.system.sim),
  ]);
  assert.is(launch.command[0], process.execPath);
  assert.equal(launch.env, {});
  assert.is(launch.metricsUrl, 'http://127.0.0.1:8123/metrics');
});

test('an external server is not launched and is checked at /v1/models, with or without /v1 in its url', () => {
  for (const url of ['https://api.example.com/v1/', 'https://api.example.com']) {
    const launch = buildLaunch(makeJob({ system: { engine: 'external', url, apiKeyEnv: 'EXAMPLE_KEY' } }), opts);
    assert.equal(launch, {
      command: [], env: {}, baseUrl: 'https://api.example.com', healthUrl: 'https://api.example.com/v1/models',
      modelsUrl: 'https://api.example.com/v1/models', metricsUrl: null, launched: false,
    });
  }
  assert.throws(() => buildLaunch(makeJob({ system: { engine: 'external', url: null } }), opts), /expected a `url`, got none/);
});

test('a command template replaces the preset and keeps flags, env and GPUs', () => {
  const job = makeJob({
    tp: 4,
    system: {
      engine: 'vllm',
      command: ['python', '-m', 'vllm.entrypoints.openai.api_server', '--model', '{model}', '--port', '{port}', '--host={host}', '-tp', '{tp}', '-pp', '{pp}'],
      flags: { enableChunkedPrefill: true },
      env: { VLLM_ATTENTION_BACKEND: 'FLASHINFER' },
    },
  });
  const launch = buildLaunch(job, { ...opts, gpus: [4, 5, 6, 7] });
  assert.equal(launch.command.join(' '),
    'python -m vllm.entrypoints.openai.api_server --model meta-llama/Llama-3.1-8B-Instruct --port 8123 --host=127.0.0.1 -tp 4 -pp 1 --enable-chunked-prefill');
  assert.equal(launch.env, { VLLM_ATTENTION_BACKEND: 'FLASHINFER', CUDA_VISIBLE_DEVICES: '4,5,6,7' });
});

test('an unknown placeholder in a command template is named in the error', () => {
  const job = makeJob({ system: { command: ['serve', '--model', '{modle}'] } });
  assert.throws(() => buildLaunch(job, opts), /only \{model\} \{port\} \{host\} \{tp\} \{pp\}, got \{modle\}/);
});

test('a server bound to all interfaces is reached over loopback', () => {
  const launch = buildLaunch(makeJob(), { ...opts, host: '0.0.0.0' });
  assert.ok(launch.command.includes('0.0.0.0'));
  assert.is(launch.baseUrl, 'http://127.0.0.1:8123');
});

test.run();
