// SGLang: `python -m sglang.launch_server --model-path <model> --host --port --tp N` (docs.sglang.io, server
// arguments; `--tp` is how its docs write `--tp-size`). Pipeline stages via `--pp-size`, only passed when
// pp > 1 so that releases without it still start. Context length is `--context-length`. Prometheus text at
// GET /metrics on the API port exists only with `--enable-metrics` (docs.sglang.io, "Production Metrics"), so
// the preset always turns it on. GET /health and GET /v1/models answer on the same port.
import type { EnginePreset } from '../preset.ts';

export const sglangPreset: EnginePreset = {
  engine: 'sglang',
  flagStyle: 'kebab',
  command(job, { host, port }) {
    const cmd = ['python', '-m', 'sglang.launch_server', '--model-path', job.model.hfId];
    cmd.push('--host', host, '--port', String(port), '--tp', String(job.parallel.tp));
    if (job.parallel.pp > 1) cmd.push('--pp-size', String(job.parallel.pp));
    if (job.model.maxModelLen !== null) cmd.push('--context-length', String(job.model.maxModelLen));
    cmd.push('--enable-metrics');
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
