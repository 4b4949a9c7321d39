// Hugging Face TGI: `text-generation-launcher --model-id <model> --hostname --port --num-shard N`. TGI shards by
// tensor parallelism only, so pp > 1 is refused here rather than silently ignored.
// Checked against huggingface/text-generation-inference (launcher/src/main.rs at 009c4e0b, v2.x; router/src/
// server.rs at 003eaec0, v3.x; docs/source/reference/launcher.md and metrics.md):
// - --num-shard shards over the GPUs in CUDA_VISIBLE_DEVICES; --hostname/--port are where the router listens.
// - A context length is two flags: the launcher refuses to start unless max_input_tokens < max_total_tokens, and
//   when --max-input-tokens is absent it defaults it from the model (v2: min(max_position_embeddings, 4096) - 1;
//   v3: min(what memory allows, max_position_embeddings) - 1), which can be at or above a smaller
//   --max-total-tokens. So both are passed: L - 1 and L (--max-input-tokens exists since v2.0).
// - The router (one axum app, started only after every shard is ready) serves GET /health (200, or 503 when the
//   shards fail their check), GET /v1/models (an OpenAI model list with the model id), and GET /metrics
//   (Prometheus text) on the same port; none of them sits behind --api-key.
// - Metrics: the router builds its Prometheus recorder with metrics-exporter-prometheus's default settings,
//   whose HTTP listener address is 0.0.0.0:9000, keeps only the recorder and renders it at /metrics on the
//   main port: `let (recorder, _) = builder.build()` binds 9000 and discards the exporter that would serve it,
//   so nothing is ever served there. Issue huggingface/text-generation-inference#3062 asks for a --prometheus-port; no launcher
//   or router source read here has one, so none is passed. One consequence: if another program holds port
//   9000 when the router starts, it exits with "failed to build prometheus recorder".
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
    const maxLen = job.model.maxModelLen;
    if (maxLen !== null) {
      if (maxLen < 2) throw new Error(`Job ${job.id}: TGI needs max_input_tokens < max_total_tokens; expected maxModelLen >= 2, got ${maxLen}`);
      cmd.push('--max-input-tokens', String(maxLen - 1), '--max-total-tokens', String(maxLen));
    }
    return cmd;
  },
  healthPath: '/health',
  modelsPath: '/v1/models',
  metricsPath: '/metrics',
};
