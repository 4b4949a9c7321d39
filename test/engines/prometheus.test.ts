import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePrometheusText } from '../../lib/engines/prometheus.ts';

test('samples with and without labels, comments skipped, timestamps ignored, special numbers read', () => {
  const text = [
    '# HELP vllm:num_requests_running Number of requests currently running on GPU.',
    '# TYPE vllm:num_requests_running gauge',
    'vllm:num_requests_running{model_name="a,b",engine="0"} 4.0',
    'tgi_queue_size 7 1700000000000',
    'x_bucket{le="+Inf"} 3',
    'weird{msg="say \\"hi\\" } ok"} NaN',
    'bad_line_without_value',
    'inf_value +Inf',
  ].join('\n');
  const s = parsePrometheusText(text);
  assert.equal(s[0], { name: 'vllm:num_requests_running', labels: { model_name: 'a,b', engine: '0' }, value: 4 });
  assert.equal(s[1], { name: 'tgi_queue_size', labels: {}, value: 7 });
  assert.equal(s[2].labels, { le: '+Inf' });
  assert.is(s[3].labels.msg, 'say "hi" } ok');
  assert.ok(Number.isNaN(s[3].value));
  assert.is(s.length, 5);
  assert.is(s[4].value, Infinity);
});

test.run();
