// Which of an engine's metrics give the ServerSample gauges, checked against each engine's source:
// - vLLM vllm/v1/metrics/loggers.py (at 005a810b, v0.10): gauges vllm:num_requests_running and
//   vllm:num_requests_waiting, vllm:kv_cache_usage_perc (vllm:gpu_cache_usage_perc is its name deprecated in 0.9
//   and hidden later, kept for older servers), the counter vllm:num_preemptions exposed as
//   vllm:num_preemptions_total; one series per engine (data-parallel rank), labels model_name and engine.
// - SGLang python/sglang/srt/metrics/collector.py (at 00ae9c15): sglang:num_running_reqs, sglang:num_queue_reqs,
//   sglang:token_usage (share of KV-cache tokens in use) and the counter sglang:num_retracted_requests_total
//   (retractions are SGLang's preemptions; older releases only have a per-interval gauge, not used).
// - TGI router/src/server.rs (at 003eaec0) and docs/source/reference/metrics.md: tgi_batch_current_size,
//   tgi_queue_size; TGI has no KV-cache or preemption metric.
// - llama.cpp tools/server README: llamacpp:requests_processing, llamacpp:requests_deferred,
//   llamacpp:kv_cache_usage_ratio (older builds only).
// - TensorRT-LLM tensorrt_llm/metrics/collector.py (at 050f80de): at /prometheus/metrics trtllm_num_requests_running,
//   trtllm_num_requests_waiting, trtllm_kv_cache_utilization (used / max KV blocks), the same numbers as the
//   JSON iteration statistics at /metrics, read by readTrtllmIterationStats below.
// The simulated engine speaks vLLM's names.
import type { EngineName, ServerSample } from '../types.ts';
import type { PromSample } from './prometheus.ts';

type Gauge = 'running' | 'waiting' | 'kvUsage' | 'preemptions';

/** Per gauge, the metric names to try in order; the first present wins. */
export const ENGINE_METRIC_NAMES: Record<EngineName, Record<Gauge, string[]>> = {
  vllm: {
    running: ['vllm:num_requests_running'],
    waiting: ['vllm:num_requests_waiting'],
    kvUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
    // A counter named vllm:num_preemptions is exposed with the _total suffix; some exporters drop it.
    preemptions: ['vllm:num_preemptions_total', 'vllm:num_preemptions'],
  },
  sim: {
    running: ['vllm:num_requests_running'],
    waiting: ['vllm:num_requests_waiting'],
    kvUsage: ['vllm:gpu_cache_usage_perc', 'vllm:kv_cache_usage_perc'],
    preemptions: ['vllm:num_preemptions_total'],
  },
  sglang: {
    running: ['sglang:num_running_reqs'],
    waiting: ['sglang:num_queue_reqs'],
    kvUsage: ['sglang:token_usage'],
    preemptions: ['sglang:num_retracted_requests_total'],
  },
  tgi: { running: ['tgi_batch_current_size'], waiting: ['tgi_queue_size'], kvUsage: [], preemptions: [] },
  llamacpp: {
    running: ['llamacpp:requests_processing'],
    waiting: ['llamacpp:requests_deferred'],
    kvUsage: ['llamacpp:kv_cache_usage_ratio'],
    preemptions: [],
  },
  trtllm: {
    running: ['trtllm_num_requests_running'],
    waiting: ['trtllm_num_requests_waiting'],
    kvUsage: ['trtllm_kv_cache_utilization'],
    preemptions: [],
  },
  // An external server may be any of the above; vLLM's names are the most common.
  external: {
    running: ['vllm:num_requests_running', 'sglang:num_running_reqs'],
    waiting: ['vllm:num_requests_waiting', 'sglang:num_queue_reqs'],
    kvUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage'],
    preemptions: ['vllm:num_preemptions_total', 'sglang:num_retracted_requests_total'],
  },
};

// Series of one metric are summed over labels (several TP/DP ranks or models report their own share), except
// KV-cache use, a fraction, for which the fullest series counts.
export function readEngineGauges(engine: EngineName, samples: PromSample[]): Omit<ServerSample, 'tNs'> {
  const byName = new Map<string, number[]>();
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const list = byName.get(s.name);
    if (list) list.push(s.value);
    else byName.set(s.name, [s.value]);
  }
  const names = ENGINE_METRIC_NAMES[engine];
  const pick = (gauge: Gauge, combine: (vs: number[]) => number): number | null => {
    for (const name of names[gauge]) {
      const values = byName.get(name);
      if (values && values.length > 0) return combine(values);
    }
    return null;
  };
  const sum = (vs: number[]) => vs.reduce((a, b) => a + b, 0);
  return {
    running: pick('running', sum),
    waiting: pick('waiting', sum),
    kvUsage: pick('kvUsage', (vs) => Math.max(...vs)),
    preemptions: pick('preemptions', sum),
  };
}

// trtllm-serve's GET /metrics: a JSON array of per-iteration statistics, emptied by each read; the latest entry
// describes the present (numActiveRequests, numQueuedRequests, kvCacheStats.usedNumBlocks / maxNumBlocks).
export function readTrtllmIterationStats(body: unknown): Omit<ServerSample, 'tNs'> | null {
  const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : [];
  const last = list[list.length - 1] as Record<string, unknown> | undefined;
  if (!last || typeof last !== 'object') return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const kv = (last.kvCacheStats ?? null) as Record<string, unknown> | null;
  const used = num(kv?.usedNumBlocks);
  const max = num(kv?.maxNumBlocks);
  return {
    running: num(last.numActiveRequests),
    waiting: num(last.numQueuedRequests),
    kvUsage: used !== null && max !== null && max > 0 ? used / max : null,
    preemptions: null,
  };
}
