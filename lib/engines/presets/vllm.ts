// vLLM, started the way its docs show: `vllm serve <model> --host --port --tensor-parallel-size N
// --pipeline-parallel-size M [--max-model-len L]` (docs.vllm.ai, "vllm serve" CLI reference and "Distributed
// inference and serving"). The OpenAI server answers GET /health (200 once the engine is up) and GET /v1/models,
// and exposes Prometheus text at GET /metrics on the same port (docs.vllm.ai, "Production Metrics"; the gauge
// names are checked in engine-metrics.ts against vllm/v1/metrics/loggers.py).
import type { EnginePreset } from '../preset.ts';

export const vllmPreset: EnginePreset = {
  engine: 'vllm',
  flagStyle: 'kebab',
  command(job, { host, port }) {
    const cmd = ['vllm', 'serve', job.model.hfId, '--host', host, '--port', String(port)];
    cmd.push('--tensor-parallel-size', String(job.parallel.tp), '--pipeline-parallel-size', String(job.parallel.pp));
    if (job.model.maxModelLen !== null) cmd.push('--max-model-len', String(job.model.maxModelLen));
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
