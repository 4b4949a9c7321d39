import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamState } from '../../lib/load/stream-state.ts';

const chunk = (text: string, extra: object = {}) => JSON.stringify({ choices: [{ index: 0, text, finish_reason: null }], ...extra });

test('per-chunk usage gives the completion_tokens delta, all at the chunk time', () => {
  const s = new StreamState();
  s.take('message', JSON.stringify({ choices: [{ delta: { role: 'assistant', content: '' } }], usage: { prompt_tokens: 7, completion_tokens: 0 } }), 5);
  s.take('message', chunk('ab', { usage: { prompt_tokens: 7, completion_tokens: 3 } }), 10);
  s.take('message', chunk('c', { usage: { prompt_tokens: 7, completion_tokens: 4 } }), 20);
  s.take('message', JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 4 } }), 25);
  assert.equal(s.tokenNs, [10, 10, 10, 20]);
  assert.is(s.tokenSource, 'usage');
  assert.is(s.promptTokens, 7);
  assert.is(s.completionTokens, 4);
  assert.equal(s.take('message', '[DONE]', 30), { done: true, error: null });
});

test('without usage, token ids or logprobs count; else one per non-empty chunk', () => {
  const ids = new StreamState();
  ids.take('message', JSON.stringify({ choices: [{ text: 'abc', logprobs: { tokens: ['a', 'b', 'c'] } }] }), 1);
  ids.take('message', JSON.stringify({ choices: [{ delta: { content: 'x' }, logprobs: { content: [{}, {}] } }] }), 2);
  assert.equal(ids.tokenNs, [1, 1, 1, 2, 2]);
  assert.is(ids.tokenSource, 'ids');
  const chunks = new StreamState();
  chunks.take('message', chunk('a'), 1);
  chunks.take('message', chunk(''), 2);
  chunks.take('message', JSON.stringify({ choices: [{ delta: { content: 'b' } }] }), 3);
  chunks.take('message', JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }), 4);
  assert.equal(chunks.tokenNs, [1, 3]);
  assert.is(chunks.tokenSource, 'chunks');
  assert.is(chunks.completionTokens, 2);
});

test('malformed JSON and error events end the stream with an error naming them', () => {
  assert.match(new StreamState().take('message', '{"choices": [', 1).error ?? '', /malformed JSON in stream chunk/);
  assert.match(new StreamState().take('error', '{"message":"boom"}', 1).error ?? '', /error event/);
  assert.match(new StreamState().take('message', '{"error":{"message":"out of memory"}}', 1).error ?? '', /out of memory/);
  assert.match(new StreamState().take('message', '42', 1).error ?? '', /expected a JSON object/);
});

test('a finish_reason is remembered for streams that end without [DONE]', () => {
  const s = new StreamState();
  s.take('message', JSON.stringify({ choices: [{ text: '', finish_reason: 'length' }] }), 1);
  assert.ok(s.sawFinish);
  assert.not.ok(s.sawDone);
});

test.run();
