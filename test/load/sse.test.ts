import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SseParser } from '../../lib/load/sse.ts';

const feedAll = (pieces: (string | Uint8Array)[]) => {
  const p = new SseParser();
  const out = pieces.flatMap((x) => p.push(x));
  return [...out, ...p.end()];
};

test('several events in one read, each dispatched by its blank line', () => {
  assert.equal(feedAll(['data: a\n\ndata: b\n\ndata: [DONE]\n\n']).map((e) => e.data), ['a', 'b', '[DONE]']);
});

test('a line split anywhere across reads, including inside CRLF, gives the same events', () => {
  const text = 'data: {"x":1}\r\n\r\ndata: {"x":2}\r\n\r\n';
  for (let cut = 0; cut <= text.length; cut++) {
    assert.equal(feedAll([text.slice(0, cut), text.slice(cut)]).map((e) => e.data), ['{"x":1}', '{"x":2}'], `cut at ${cut}`);
  }
  const bytes = new TextEncoder().encode('data: héllo\n\n');
  assert.equal(feedAll([...bytes].map((b) => new Uint8Array([b]))).map((e) => e.data), ['héllo'], 'multi-byte UTF-8 split');
});

test('bare CR line ends, comments, event names, multi-line data and garbage lines', () => {
  const events = feedAll([': ping\r\revent: error\rdata: one\rdata: two\r\rnonsense line\ndata:nospace\n\n']);
  assert.equal(events, [
    { event: 'error', data: 'one\ntwo' },
    { event: 'message', data: 'nospace' },
  ]);
});

test('an event without a closing blank line is delivered at the end of the stream', () => {
  assert.equal(feedAll(['data: last']).map((e) => e.data), ['last']);
  assert.equal(feedAll([': only a comment\n\n']), []);
});

test.run();
