import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, chunkFormatter, formatCompletion, formatError, parseGenerationRequest, parseJsonBody } from '../../lib/sim/openai.ts';

const M = 'served';

test('a chat request is read with vLLM\'s defaults', () => {
  const g = parseGenerationRequest('chat', { model: M, messages: [{ role: 'user', content: 'a b c' }, { role: 'assistant', content: 'd' }] }, M);
  assert.equal(g, { endpoint: 'chat', model: M, promptTokens: 4, maxTokens: 16, stream: false, includeUsage: false, continuousUsage: false });
  const c = parseGenerationRequest('chat', { messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 7, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }, M);
  assert.is(c.maxTokens, 7);
  assert.ok(c.includeUsage && c.continuousUsage && c.stream);
});

test('a completions prompt may be a string, one string in a list, or token ids', () => {
  assert.is(parseGenerationRequest('completions', { prompt: 'a b' }, M).promptTokens, 2);
  assert.is(parseGenerationRequest('completions', { prompt: ['a b c'] }, M).promptTokens, 3);
  assert.is(parseGenerationRequest('completions', { prompt: [1, 2, 3, 4] }, M).promptTokens, 4);
});

test('bad requests raise ApiError with vLLM\'s status and wording', () => {
  const bad: [Record<string, unknown>, number, RegExp][] = [
    [{ model: 'other', prompt: 'x' }, 404, /The model `other` does not exist\./],
    [{ prompt: 'x', max_tokens: 0 }, 400, /max_tokens must be at least 1, got 0\./],
    [{ prompt: 'x', max_tokens: 1.5 }, 400, /max_tokens must be an integer/],
    [{ prompt: 'x', max_tokens: 2, min_tokens: 3 }, 400, /min_tokens must be less than or equal to max_tokens=2, got 3\./],
    [{ prompt: 'x', stream_options: { include_usage: true } }, 400, /Stream options can only be defined when `stream=True`/],
    [{ prompt: { text: 'x' } }, 400, /prompt/],
    [{ prompt: 'x', n: 2 }, 400, /n must be 1/],
  ];
  for (const [body, status, message] of bad) {
    try {
      parseGenerationRequest('completions', body, M);
      assert.unreachable(JSON.stringify(body));
    } catch (e) {
      assert.instance(e, ApiError);
      assert.is((e as ApiError).status, status);
      assert.match((e as ApiError).message, message);
    }
  }
  assert.throws(() => parseJsonBody('{'), (e: ApiError) => e.status === 400);
  assert.throws(() => parseJsonBody('[1]'), /JSON object/);
});

test('error bodies have vLLM\'s ErrorResponse shape', () => {
  assert.equal(JSON.parse(formatError(404, 'gone')), { object: 'error', message: 'gone', type: 'NotFoundError', param: null, code: 404 });
  assert.is(JSON.parse(formatError(503, 'busy')).type, 'InternalServerError');
});

test('stream chunks and whole completions are valid JSON with usage where asked', () => {
  const g = parseGenerationRequest('chat', { messages: [{ role: 'user', content: 'a b' }], stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } }, M);
  const f = chunkFormatter(g, 'id-1', 123);
  const tok = JSON.parse(f.token(' "quoted"', 3, true).slice(6));
  assert.is(tok.choices[0].delta.content, ' "quoted"');
  assert.is(tok.choices[0].finish_reason, 'length');
  assert.equal(tok.usage, { prompt_tokens: 2, total_tokens: 5, completion_tokens: 3 });
  const [usage, done] = f.end(3).trim().split('\n\n');
  assert.equal(JSON.parse(usage.slice(6)).choices, []);
  assert.is(done, 'data: [DONE]');
  const whole = JSON.parse(formatCompletion({ ...g, endpoint: 'completions' }, 'cmpl-1', 1, ' a b', 2));
  assert.is(whole.choices[0].text, ' a b');
  assert.equal(whole.usage, { prompt_tokens: 2, total_tokens: 4, completion_tokens: 2 });
});

test.run();
