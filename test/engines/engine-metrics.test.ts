import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readEngineGauges, readTrtllmIterationStats } from '../../lib/engines/engine-metrics.ts';
import { parsePrometheusText } from '../../lib/engines/prometheus.ts';

test('vLLM gauges: ranks are summed, KV use takes the fullest, the V1 name is understood', () => {
  const v0 = parsePrometheusText([
    'vllm:num_requests_running{engine="0"} 3', 'vllm:num_requests_running{engine="1"} 2',
    'vllm:num_requests_waiting{engine="0"} 1', 'vllm:gpu_cache_usage_perc{engine="0"} 0.5',
    'vllm:gpu_cache_usage_perc{engine="1"} 0.75', 'vllm:num_preemptions_total 4',
  ].join('\n'));
  assert.equal(readEngineGauges('vllm', v0), { running: 5, waiting: 1, kvUsage: 0.75, preemptions: 4 });
  const v1 = parsePrometheusText('vllm:kv_cache_usage_perc 0.1\nvllm:num_requests_running 0');
  assert.equal(readEngineGauges('sim', v1), { running: 0, waiting: null, kvUsage: 0.1, preemptions: null });
});

test('SGLang, TGI and llama.cpp names map to the same gauges; what an engine lacks is null', () => {
  const sg = parsePrometheusText('sglang:num_running_reqs 8\nsglang:num_queue_reqs 2\nsglang:token_usage 0.3');
  assert.equal(readEngineGauges('sglang', sg), { running: 8, waiting: 2, kvUsage: 0.3, preemptions: null });
  const sgRetracted = parsePrometheusText('sglang:num_retracted_reqs 1\nsglang:num_retracted_requests_total 5');
  assert.is(readEngineGauges('sglang', sgRetracted).preemptions, 5, 'the cumulative counter, not the per-interval gauge');
  const tgi = parsePrometheusText('tgi_batch_current_size 16\ntgi_queue_size 5');
  assert.equal(readEngineGauges('tgi', tgi), { running: 16, waiting: 5, kvUsage: null, preemptions: null });
  const ll = parsePrometheusText('llamacpp:requests_processing 4\nllamacpp:requests_deferred 1');
  assert.equal(readEngineGauges('llamacpp', ll), { running: 4, waiting: 1, kvUsage: null, preemptions: null });
});

test('trtllm-serve Prometheus gauges (return_perf_metrics) map like its JSON statistics', () => {
  const tr = parsePrometheusText([
    'trtllm_num_requests_running{engine_type="undefined",model_name="undefined"} 6.0',
    'trtllm_num_requests_waiting{engine_type="undefined",model_name="undefined"} 1.0',
    'trtllm_kv_cache_utilization{engine_type="undefined",model_name="undefined"} 0.5',
    'trtllm_num_paused_requests{engine_type="undefined",model_name="undefined"} 2.0',
  ].join('\n'));
  assert.equal(readEngineGauges('trtllm', tr), { running: 6, waiting: 1, kvUsage: 0.5, preemptions: null });
});

test('vLLM: the current KV name wins over the deprecated one', () => {
  const both = parsePrometheusText('vllm:gpu_cache_usage_perc 0.1\nvllm:kv_cache_usage_perc 0.4');
  assert.is(readEngineGauges('vllm', both).kvUsage, 0.4);
  assert.is(readEngineGauges('vllm', parsePrometheusText('vllm:gpu_cache_usage_perc 0.1')).kvUsage, 0.1, 'older servers');
});

test('trtllm-serve iteration statistics: the latest iteration counts', () => {
  const body = [
    { numActiveRequests: 1, numQueuedRequests: 0, kvCacheStats: { usedNumBlocks: 10, maxNumBlocks: 100 } },
    { numActiveRequests: 6, numQueuedRequests: 3, kvCacheStats: { usedNumBlocks: 25, maxNumBlocks: 100 } },
  ];
  assert.equal(readTrtllmIterationStats(body), { running: 6, waiting: 3, kvUsage: 0.25, preemptions: null });
  assert.is(readTrtllmIterationStats([]), null);
});

test.run();
