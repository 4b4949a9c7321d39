// llama.cpp: `llama-server -m <file.gguf> --host --port` (ggml-org/llama.cpp tools/server/README.md). A model
// that is not a .gguf file is taken as a Hugging Face repo and loaded with `-hf <repo>[:quant]`. `--alias` makes
// /v1/models list the name requests use. `-ngl 999` offloads every layer to the GPUs (the README's way to run
// fully on GPU); more than one GPU splits by layers (llama.cpp's default, pipeline-like) or, for tp > 1, by
// rows (`--split-mode row`). `-c` sets the context size. GET /health answers 503 while the model loads and 200
// when ready. Prometheus text at GET /metrics on the same port only with `--metrics` (README, "GET /metrics"):
// llamacpp:requests_processing and llamacpp:requests_deferred in every version; llamacpp:kv_cache_usage_ratio is
// in older READMEs only and newer builds do not export it, so the KV gauge may be null.
import type { EnginePreset } from '../preset.ts';

export const llamacppPreset: EnginePreset = {
  engine: 'llamacpp',
  flagStyle: 'kebab',
  command(job, { host, port, gpus }) {
    const { tp, pp } = job.parallel;
    if (tp > 1 && pp > 1) {
      throw new Error(`Job ${job.id}: llama.cpp splits a model by layers or by rows, not both; expected tp 1 or pp 1, got tp ${tp} pp ${pp}`);
    }
    const model = job.model.hfId;
    const cmd = ['llama-server', ...(model.endsWith('.gguf') ? ['-m', model] : ['-hf', model])];
    cmd.push('--alias', model, '--host', host, '--port', String(port), '--metrics');
    if (gpus.length > 0) cmd.push('-ngl', '999');
    if (tp > 1) cmd.push('--split-mode', 'row');
    if (job.model.maxModelLen !== null) cmd.push('-c', String(job.model.maxModelLen));
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
