import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Http1ResponseParser, HttpProtocolError, type ResponseHead } from '../../lib/load/http1.ts';

interface Seen {
  head: ResponseHead | null;
  body: string;
  complete: boolean | null; // keepAlive when complete
}

function parser(): [Http1ResponseParser, Seen] {
  const seen: Seen = { head: null, body: '', complete: null };
  const p = new Http1ResponseParser({
    onHead: (h) => (seen.head = h),
    onBody: (buf, s, e) => (seen.body += Buffer.from(buf.subarray(s, e)).toString('latin1')),
    onComplete: (k) => (seen.complete = k),
  });
  return [p, seen];
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

const SSE = 'data: {"choices":[{"text":" a"}]}\n\ndata: [DONE]\n\n';
const CHUNKED = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n` +
  `${(SSE.length - 14).toString(16)}\r\n${SSE.slice(0, -14)}\r\n` +
  `e;name=value\r\n${SSE.slice(-14)}\r\n0\r\nX-Trailer: 1\r\n\r\n`;

test('a chunked stream split at every byte boundary parses the same: body, head, completion', () => {
  for (let cut = 0; cut <= CHUNKED.length; cut++) {
    const [p, seen] = parser();
    const b = bytes(CHUNKED);
    p.push(b, 0, cut);
    p.push(b, cut, b.length);
    assert.is(seen.body, SSE, `cut at ${cut}`);
    assert.is(seen.head?.status, 200);
    assert.is(seen.head?.headers.get('content-type'), 'text/event-stream');
    assert.is(seen.complete, true, `cut at ${cut}`);
    assert.ok(p.complete);
  }
});

test('one byte at a time, and a whole response in one read, give the same result', () => {
  const [p, seen] = parser();
  for (const c of bytes(CHUNKED)) p.push(Uint8Array.of(c));
  assert.is(seen.body, SSE);
  const [q, all] = parser();
  q.push(bytes(CHUNKED));
  assert.equal(all, seen);
});

test('Content-Length bodies, empty bodies and 204 complete without EOF; the connection stays reusable', () => {
  const [p, seen] = parser();
  p.push(bytes('HTTP/1.1 400 Bad Request\r\ncontent-length: 11\r\n\r\n{"err":"x"}'));
  assert.is(seen.head?.status, 400);
  assert.is(seen.body, '{"err":"x"}');
  assert.is(seen.complete, true);
  const [q, empty] = parser();
  q.push(bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.is(empty.complete, true);
  const [r, none] = parser();
  r.push(bytes('HTTP/1.1 204 No Content\r\n\r\n'));
  assert.is(none.complete, true);
});

test('a body framed by the end of the connection completes at EOF and closes the connection', () => {
  const [p, seen] = parser();
  p.push(bytes('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n'));
  assert.is(seen.complete, null);
  p.push(bytes('data: [DONE]\n\n'));
  p.end();
  assert.is(seen.body, 'data: x\n\ndata: [DONE]\n\n');
  assert.is(seen.complete, false);
});

test('Connection: close and HTTP/1.0 without keep-alive end the connection; 1xx heads are skipped', () => {
  const [p, seen] = parser();
  p.push(bytes('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'));
  assert.is(seen.head?.status, 200);
  assert.is(seen.complete, false);
  const [q, old] = parser();
  q.push(bytes('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  assert.is(old.complete, false);
  const [r, kept] = parser();
  r.push(bytes('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok'));
  assert.is(kept.complete, true);
});

test('bare LF line endings are accepted in the head and around chunks', () => {
  const [p, seen] = parser();
  p.push(bytes('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n'));
  assert.is(seen.body, 'abc');
  assert.is(seen.complete, true);
});

test('responses that are not HTTP/1.x, bad chunk sizes, bytes after the end and EOF mid-body are errors', () => {
  const bad = (input: string, pattern: RegExp, eof = false) => {
    const [p] = parser();
    try {
      p.push(bytes(input));
      if (eof) p.end();
    } catch (e) {
      assert.instance(e, HttpProtocolError);
      assert.match((e as Error).message, pattern);
      return;
    }
    assert.unreachable(`no error for ${JSON.stringify(input)}`);
  };
  bad('SSH-2.0-OpenSSH\r\n\r\n', /expected an HTTP\/1\.x status line, got "SSH-2\.0-OpenSSH"/);
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /malformed chunk size: unexpected "z" where a hex digit was expected/);
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX', /chunk not followed by CRLF/);
  bad('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', /5 unexpected bytes after the end/);
  bad('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok', /closed before the end of the response body/, true);
  bad('HTTP/1.1 200 OK\r\nContent-Le', /closed before a complete response head/, true);
  bad('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /malformed Content-Length "-1"/);
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\n', /an empty chunk-size line/);
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', /unexpected "\\r" where a hex digit was expected/);
  bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abc\r\n', /more than 12 hex digits/);
  bad('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /malformed header line "no colon here"/);
});

test('started turns true with the first response byte (a reused connection may be retried only before it)', () => {
  const [p] = parser();
  assert.is(p.started, false);
  p.push(bytes('H'));
  assert.is(p.started, true);
});

test.run();
