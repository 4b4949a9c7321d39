// headroom's simulated engine as a child process (lib/sim/main.ts): an OpenAI-compatible server that prints
// `headroom-sim listening on http://127.0.0.1:<port>` when ready, answers /health and /v1/models, and exposes
// vLLM's metric names at /metrics. It needs no GPU, so CUDA_VISIBLE_DEVICES is left alone.
import path from 'node:path';
import type { EnginePreset } from '../preset.ts';

export const simPreset: EnginePreset = {
  engine: 'sim',
  flagStyle: 'kebab',
  command(job, { host, port, repoRoot }) {
    const cmd = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'lib/sim/main.ts')];
    cmd.push('--host', host, '--port', String(port), '--served-model-name', job.model.hfId);
    cmd.push('--sim-model', job.model.simModel, '--tp', String(job.parallel.tp), '--pp', String(job.parallel.pp));
    if (job.model.maxModelLen !== null) cmd.push('--max-model-len', String(job.model.maxModelLen));
    cmd.push('--settings', JSON.stringify(job.system.sim));
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
