// Hugging Face TGI: `text-generation-launcher --model-id <model> --hostname --port --num-shard N`
// (huggingface.co/docs/text-generation-inference, "Text-generation-launcher arguments": --num-shard shards the
// model over the GPUs in CUDA_VISIBLE_DEVICES; --max-total-tokens caps prompt + output per request). TGI shards
// by tensor parallelism only, so pp > 1 is refused here rather than silently ignored. The router answers
// GET /health, the OpenAI-style GET /v1/models, and Prometheus text at GET /metrics (TGI docs, "Metrics").
import type { EnginePreset } from '../preset.ts';

export const tgiPreset: EnginePreset = {
  engine: 'tgi',
  flagStyle: 'kebab',
  command(job, { host, port }) {
    if (job.parallel.pp > 1) {
      throw new Error(`Job ${job.id}: TGI shards by tensor parallelism only (--num-shard); expected pp 1, got pp ${job.parallel.pp}`);
    }
    const cmd = ['text-generation-launcher', '--model-id', job.model.hfId, '--hostname', host, '--port', String(port)];
    cmd.push('--num-shard', String(job.parallel.tp));
    if (job.model.maxModelLen !== null) cmd.push('--max-total-tokens', String(job.model.maxModelLen));
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
