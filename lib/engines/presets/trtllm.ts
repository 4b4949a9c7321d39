// TensorRT-LLM: `trtllm-serve <model> --host --port --tp_size N --pp_size M [--max_seq_len L]`
// (nvidia.github.io/TensorRT-LLM, "trtllm-serve": options are snake_case, hence the snake flag style). The
// server answers GET /health, GET /v1/models, and GET /metrics; the latter returns runtime-iteration statistics
// as JSON (not Prometheus text), which scrape.ts reads (numActiveRequests, numQueuedRequests, kvCacheStats).
// The PyTorch backend records those statistics only when asked (`enable_iter_perf_stats` in the file given to
// --extra_llm_api_options); without it the list stays empty and the scraped values are null.
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
  metricsPath: '/metrics',
};
