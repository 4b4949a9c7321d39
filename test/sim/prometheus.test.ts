import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMetrics } from '../../lib/sim/prometheus.ts';

test('gauges and counters are written under vLLM\'s names with the model label', () => {
  const text = formatMetrics('org/m', { running: 3, waiting: 4, kvUsage: 0.25, preemptions: 2 }, { promptTokens: 10, generationTokens: 20, requestsFinished: 1 });
  const lines = text.trim().split('\n').filter((l) => !l.startsWith('#'));
  assert.ok(lines.includes('vllm:num_requests_running{model_name="org/m"} 3'));
  assert.ok(lines.includes('vllm:num_requests_waiting{model_name="org/m"} 4'));
  assert.ok(lines.includes('vllm:gpu_cache_usage_perc{model_name="org/m"} 0.25'));
  assert.ok(lines.includes('vllm:num_preemptions_total{model_name="org/m"} 2'));
  assert.match(text, /^# TYPE vllm:num_requests_running gauge$/m);
  assert.match(text, /^# TYPE vllm:num_preemptions_total counter$/m);
  for (const l of lines) assert.match(l, /^[a-z_:]+\{model_name="[^"]*"\} [0-9.e+-]+$/);
});

test.run();
