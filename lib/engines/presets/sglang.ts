// SGLang: `python -m sglang.launch_server --model-path <model> --host --port --tp-size N`.
// Checked against sgl-project/sglang docs/advanced_features/server_arguments.md (at 004813e1) and
// python/sglang/srt/metrics/collector.py (at 00ae9c15):
// - Tensor parallelism is `--tensor-parallel-size` / `--tp-size`; the docs' `--tp 2` works only as an argparse
//   abbreviation, so the full alias is passed. Pipeline stages are `--pipeline-parallel-size` / `--pp-size`,
//   passed only when pp > 1 so that releases without pipeline parallelism still start.
// - Context length is `--context-length`.
// - Prometheus text at GET /metrics on the API port exists only with `--enable-metrics` (off by default), so the
//   preset always turns it on. GET /health and GET /v1/models answer on the same port.
import type { EnginePreset } from '../preset.ts';

export const sglangPreset: EnginePreset = {
  engine: 'sglang',
  flagStyle: 'kebab',
  command(job, { host, port }) {
    const cmd = ['python', '-m', 'sglang.launch_server', '--model-path', job.model.hfId];
    cmd.push('--host', host, '--port', String(port), '--tp-size', String(job.parallel.tp));
    if (job.parallel.pp > 1) cmd.push('--pp-size', String(job.parallel.pp));
    if (job.model.maxModelLen !== null) cmd.push('--context-length', String(job.model.maxModelLen));
    cmd.push('--enable-metrics');
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
