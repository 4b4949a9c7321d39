// Prometheus text exposition of the engine's gauges under vLLM's metric names, so the same scraper reads the
// simulated engine and a real vLLM.
import type { EngineGauges } from './engine.ts';

export interface ServerCounters {
  promptTokens: number;
  generationTokens: number;
  requestsFinished: number;
}

export function formatMetrics(modelName: string, g: EngineGauges, c: ServerCounters): string {
  const label = `{model_name=${JSON.stringify(modelName)}}`;
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${label} ${value}`);
  };
  metric('vllm:num_requests_running', 'gauge', 'Number of requests currently running on GPU.', g.running);
  metric('vllm:num_requests_swapped', 'gauge', 'Number of requests swapped to CPU.', 0);
  metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', g.waiting);
  metric('vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage. 1 means 100 percent usage.', g.kvUsage);
  metric('vllm:num_preemptions_total', 'counter', 'Cumulative number of preemption from the engine.', g.preemptions);
  metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', c.promptTokens);
  metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', c.generationTokens);
  metric('vllm:request_success_total', 'counter', 'Count of successfully processed requests.', c.requestsFinished);
  return lines.join('\n') + '\n';
}
