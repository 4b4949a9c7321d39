import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { createTarget, startRequest, type PreparedRequest } from '../../lib/load/client.ts';
import { ConnectionPool } from '../../lib/load/pool.ts';
import { startStreamServer } from '../fixtures/load/stream-server.ts';

const t0 = process.hrtime.bigint();
const nowNs = () => Number(process.hrtime.bigint() - t0);
const request = (idx: number, outputTokens = 3): PreparedRequest => ({
  idx, scheduledNs: nowNs(), promptTokens: 2, outputTokens,
  body: Buffer.from(JSON.stringify({ model: 'm', prompt: `r${idx} hello`, max_tokens: outputTokens, stream: true })),
});

test('sequential requests reuse one kept-alive connection, and the pool closes it at the end', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 1, usage: true });
  let connections = 0;
  const heads: string[] = [];
  server.server.on('connection', () => connections++);
  server.server.prependListener('request', (req) => heads.push(`${req.headers.accept} ${req.headers['accept-encoding']} ${req.headers['x-request-id']}`));
  const target = createTarget(new URL(`${server.url}/completions`), null);
  try {
    for (let i = 0; i < 5; i++) {
      const ev = await startRequest(target, request(i), 5e9, nowNs).done;
      assert.is(ev.status, 'ok', ev.error ?? '');
      assert.is(ev.tokenNs.length, 3);
      assert.is(ev.tokenSource, 'usage');
    }
    assert.is(connections, 1);
    assert.is(target.pool.idleCount, 1);
    assert.equal(heads, [0, 1, 2, 3, 4].map((i) => `text/event-stream identity ${i}`), 'a stream, uncompressed, joinable to server logs');
  } finally {
    target.pool.destroy();
    await server.close();
  }
  assert.is(target.pool.size, 0);
});

/** A raw TCP server that answers each connection's requests with `respond(nthRequestOnConnection, socket)`. */
async function rawServer(respond: (n: number, socket: net.Socket) => void) {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    let n = 0;
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // One request per head+body; the tests' bodies are small and arrive with their head.
      while (buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n') + 4;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + len) break;
        buf = buf.slice(end + len);
        respond(n++, s);
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/completions`,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const SSE_OK = 'data: {"choices":[{"text":" a","finish_reason":null}]}\n\ndata: {"choices":[{"text":" b","finish_reason":"length"}]}\n\ndata: [DONE]\n\n';
const chunked = (body: string) => `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

test('a kept-alive connection the server drops as it is reused is retried once on a fresh one', async () => {
  // First connection: answers its first request, then drops the connection on the second without a byte.
  const server = await rawServer((n, s) => (n === 0 ? s.write(chunked(SSE_OK)) : s.destroy()));
  const target = createTarget(new URL(server.url), null);
  try {
    const first = await startRequest(target, request(0), 5e9, nowNs).done;
    assert.is(first.status, 'ok', first.error ?? '');
    const second = await startRequest(target, request(1), 5e9, nowNs).done;
    assert.is(second.status, 'ok', second.error ?? '');
    assert.is(second.tokenNs.length, 2);
    assert.is(server.connections, 2);
  } finally {
    target.pool.destroy();
    await server.close();
  }
});

test('a fresh connection dropped before any response is not retried: it fails with the reason', async () => {
  const server = await rawServer((_n, s) => s.destroy());
  const target = createTarget(new URL(server.url), null);
  try {
    const ev = await startRequest(target, request(0), 5e9, nowNs).done;
    assert.is(ev.status, 'stream_error');
    assert.match(ev.error ?? '', /^request failed before a response: /);
    assert.is(server.connections, 1);
  } finally {
    target.pool.destroy();
    await server.close();
  }
});

test('a response split into single bytes gives every token, and one that is not HTTP is a clear error', async () => {
  const slow = await rawServer((_n, s) => {
    const bytes = Buffer.from(chunked(SSE_OK), 'latin1');
    let i = 0;
    const next = () => {
      if (i < bytes.length) s.write(bytes.subarray(i, ++i), () => setImmediate(next));
    };
    next();
  });
  const garbage = await rawServer((_n, s) => s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
  const a = createTarget(new URL(slow.url), null);
  const b = createTarget(new URL(garbage.url), null);
  try {
    const ok = await startRequest(a, request(0), 5e9, nowNs).done;
    assert.is(ok.status, 'ok', ok.error ?? '');
    assert.is(ok.tokenNs.length, 2);
    assert.ok(ok.tokenNs[1]! > ok.tokenNs[0]!, 'each token timed when its bytes arrived');
    const bad = await startRequest(b, request(1), 5e9, nowNs).done;
    assert.is(bad.status, 'stream_error');
    assert.match(bad.error ?? '', /malformed HTTP response: expected an HTTP\/1\.x status line, got "SSH-2\.0-OpenSSH_9\.2"/);
  } finally {
    a.pool.destroy();
    b.pool.destroy();
    await slow.close();
    await garbage.close();
  }
});

test('a compressed stream is refused with the reason (its token times could not be read)', async () => {
  const server = await rawServer((_n, s) => s.write(chunked(SSE_OK).replace('transfer-encoding', 'content-encoding: gzip\r\ntransfer-encoding')));
  const target = createTarget(new URL(server.url), null);
  try {
    const ev = await startRequest(target, request(0), 5e9, nowNs).done;
    assert.is(ev.status, 'stream_error');
    assert.match(ev.error ?? '', /compressed the stream \(content-encoding: gzip\)/);
  } finally {
    target.pool.destroy();
    await server.close();
  }
});

test('a stream whose bytes after [DONE] are late is recorded ok at once, and its connection is reused once drained', async () => {
  const server = await rawServer((n, s) => {
    const body = SSE_OK;
    s.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n`);
    setTimeout(() => s.write('0\r\n\r\n'), n === 0 ? 150 : 0);
  });
  const target = createTarget(new URL(server.url), null);
  try {
    const first = await startRequest(target, request(0), 5e9, nowNs).done;
    assert.is(first.status, 'ok');
    assert.ok(first.endNs! - first.sentNs! < 140e6, 'done at [DONE], not when the last chunk came');
    await new Promise((r) => setTimeout(r, 250));
    const second = await startRequest(target, request(1), 5e9, nowNs).done;
    assert.is(second.status, 'ok');
    assert.is(server.connections, 1);
  } finally {
    target.pool.destroy();
    await server.close();
  }
});

test('https: a server certificate is verified (a private CA can be given), and an untrusted one is refused', async () => {
  const dir = new URL('../fixtures/load/tls/', import.meta.url);
  const cert = readFileSync(new URL('cert.pem', dir));
  const server = createHttpsServer({ key: readFileSync(new URL('key.pem', dir)), cert }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(SSE_OK);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/completions`);
  const trusted = createTarget(url, 'sk-test', new ConnectionPool(url, { tls: { ca: cert } }));
  const untrusted = createTarget(url, null);
  try {
    const ok = await startRequest(trusted, request(0), 5e9, nowNs).done;
    assert.is(ok.status, 'ok', ok.error ?? '');
    assert.is(ok.tokenNs.length, 2);
    const refused = await startRequest(untrusted, request(1), 5e9, nowNs).done;
    assert.is(refused.status, 'stream_error');
    assert.match(refused.error ?? '', /request failed before a response: .*(SELF_SIGNED|CERT)/);
  } finally {
    trusted.pool.destroy();
    untrusted.pool.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test.run();
