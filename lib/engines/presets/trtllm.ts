// TensorRT-LLM: `trtllm-serve <model> --host --port --tp_size N --pp_size M [--max_seq_len L]` (options are
// snake_case, hence the snake flag style).
// Checked against NVIDIA/TensorRT-LLM docs/source/commands/trtllm-serve/trtllm-serve.rst and
// tensorrt_llm/serve/openai_server.py (at 00057725), tensorrt_llm/metrics/collector.py (at 050f80de):
// - The server registers GET /health (200, or 503 when the executor is unhealthy), GET /v1/models and GET
//   /metrics on its port. /metrics is JSON: the queued per-iteration statistics, removed as they are read
//   (numActiveRequests, numQueuedRequests, kvCacheStats.usedNumBlocks / maxNumBlocks).
// - Iteration statistics are recorded only with `enable_iter_perf_stats: true` in the YAML file given to
//   --config (older releases: --extra_llm_api_options, and pytorch_backend_config.enable_iter_perf_stats);
//   without it the list stays empty and the scraped values are null.
// - Newer releases also serve Prometheus text at GET /prometheus/metrics, but only with `return_perf_metrics:
//   true`; a background task then drains the same statistics queue into gauges (trtllm_num_requests_running,
//   trtllm_num_requests_waiting, trtllm_kv_cache_utilization), so the JSON list is usually empty. The scraper
//   therefore tries /prometheus/metrics first and falls back to the JSON /metrics when it is not served.
import type { EnginePreset } from '../preset.ts';

export const trtllmPreset: EnginePreset = {
  engine: 'trtllm',
  flagStyle: 'snake',
  command(job, { host, port }) {
    const cmd = ['trtllm-serve', job.model.hfId, '--host', host, '--port', String(port)];
    cmd.push('--tp_size', String(job.parallel.tp), '--pp_size', String(job.parallel.pp));
    if (job.model.maxModelLen !== null) cmd.push('--max_seq_len', String(job.model.maxModelLen));
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/prometheus/metrics',
  otherMetricsPaths: ['/metrics'],
};
