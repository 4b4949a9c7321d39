import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRequestBody, endpointPath } from '../../lib/load/request-body.ts';

test('a completions body streams with per-chunk usage and enforces the output length', () => {
  const body = JSON.parse(buildRequestBody('completions', 'org/model', 'r1 a b', 42, true));
  assert.equal(body, {
    model: 'org/model', max_tokens: 42, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true },
    ignore_eos: true, min_tokens: 42, temperature: 0, prompt: 'r1 a b',
  });
  assert.is(endpointPath('completions'), '/completions');
});

test('a chat body carries the prompt as one user message; without ignoreEos no min_tokens is sent', () => {
  const body = JSON.parse(buildRequestBody('chat', 'm', 'hello there', 7, false));
  assert.equal(body.messages, [{ role: 'user', content: 'hello there' }]);
  assert.is(body.ignore_eos, false);
  assert.is(body.min_tokens, undefined);
  assert.is(body.prompt, undefined);
  assert.is(endpointPath('chat'), '/chat/completions');
});

test.run();
