// The JSON body of one streamed request, built before the run clock starts.
import type { ClientSettings } from '../types.ts';

export function buildRequestBody(endpoint: ClientSettings['endpoint'], model: string, prompt: string, outputTokens: number, ignoreEos: boolean): string {
  const common = {
    model,
    max_tokens: outputTokens,
    stream: true,
    // vLLM (and the simulated engine) then put usage on every chunk, the exact tokens-per-chunk source.
    stream_options: { include_usage: true, continuous_usage_stats: true },
    ignore_eos: ignoreEos,
    ...(ignoreEos ? { min_tokens: outputTokens } : {}),
    temperature: 0,
  };
  const body = endpoint === 'chat'
    ? { ...common, messages: [{ role: 'user', content: prompt }] }
    : { ...common, prompt };
  return JSON.stringify(body);
}

export function endpointPath(endpoint: ClientSettings['endpoint']): string {
  return endpoint === 'chat' ? '/chat/completions' : '/completions';
}
