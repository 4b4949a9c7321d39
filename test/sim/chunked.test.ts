import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http, { type ServerResponse } from 'node:http';
import net from 'node:net';
import { frameChunk, isAscii, writeChunk } from '../../lib/sim/chunked.ts';

test('frameChunk counts UTF-8 bytes, not characters, unless told the data is ASCII', () => {
  assert.equal(frameChunk('data: x\n\n', true), { data: 'data: x\n\n', framed: '9\r\ndata: x\n\n\r\n', framedBytes: 14 });
  assert.equal(frameChunk('é€', false), { data: 'é€', framed: '5\r\né€\r\n', framedBytes: 10 });
  assert.is(frameChunk('a'.repeat(300), isAscii('a'.repeat(300))).framed, '12c\r\n' + 'a'.repeat(300) + '\r\n');
  assert.ok(isAscii('meta-llama/Meta-Llama-3-8B'));
  assert.not.ok(isAscii('modèle'));
});

/** A server whose handler streams through writeChunk; `observe` sees the response right after each write. */
async function startServer(body: (res: ServerResponse, observe: (note: string) => void) => void) {
  const notes: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      body(res, (note) => notes.push(note));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, notes, close: () => new Promise<void>((resolve) => server.close(() => resolve())), server };
}

function get(url: string, agent: http.Agent): Promise<{ text: string; reused: boolean; chunked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ text, reused: req.reusedSocket, chunked: res.headers['transfer-encoding'] === 'chunked' }));
    });
    req.on('error', reject);
  });
}

test('chunks written to the socket decode with node:http\'s client, and the kept-alive connection serves again', async () => {
  const parts = ['data: {"text":" the"}\n\n', 'data: {"text":" é"}\n\n', 'data: [DONE]\n\n'];
  const s = await startServer((res, observe) => {
    let k = 0;
    const next = (): void => {
      if (k < parts.length - 1) {
        writeChunk(res, frameChunk(parts[k], isAscii(parts[k])));
        // Nothing left in node's buffers: the bytes went to the kernel inside the call.
        observe(`written ${res.socket!.writableLength}`);
        k++;
        setTimeout(next, 5);
      } else res.end(parts[k]);
    };
    next();
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const a = await get(s.url, agent);
    const b = await get(s.url, agent);
    assert.ok(a.chunked);
    assert.is(a.text, parts.join(''));
    assert.is(b.text, parts.join(''));
    assert.not.ok(a.reused);
    assert.ok(b.reused, 'the second request went over the same connection');
    assert.equal(s.notes, ['written 0', 'written 0', 'written 0', 'written 0']);
  } finally {
    agent.destroy();
    await s.close();
  }
});

test('with bytes held back in node:http, a chunk goes through res.write and stays in order', async () => {
  const s = await startServer((res, observe) => {
    res.cork();
    res.write('first ');
    writeChunk(res, frameChunk('second ', true));
    observe(`held ${res.writableLength > 0}`);
    res.uncork();
    res.end('third');
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.is((await get(s.url, agent)).text, 'first second third');
    assert.equal(s.notes, ['held true']);
  } finally {
    agent.destroy();
    await s.close();
  }
});

test('a client that does not read: what the kernel cannot take is queued in order and arrives once it reads', async () => {
  // Two bytes per character after the first few: a partial write must be counted in bytes.
  const piece = (k: number) => `${k}:`.padEnd(32768, 'é');
  let sent = 0;
  const s = await startServer((res, observe) => {
    let queuedAt = -1;
    for (let k = 0; k < 400 && (queuedAt < 0 || k < queuedAt + 3); k++) {
      writeChunk(res, frameChunk(piece(k), false));
      sent = k + 1;
      if (queuedAt < 0 && res.socket!.writableLength > 0) queuedAt = k;
    }
    observe(`queued at ${queuedAt}`);
    res.end();
  });
  try {
    const text = await new Promise<string>((resolve, reject) => {
      http.get(s.url, { agent: false }, (res) => {
        res.pause();
        const parts: string[] = [];
        setTimeout(() => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => parts.push(c));
          res.on('end', () => resolve(parts.join('')));
          res.resume();
        }, 100);
      }).on('error', reject);
    });
    assert.match(s.notes[0], /^queued at \d+$/, 'the socket buffer filled up');
    assert.is(text.length, sent * 32768);
    assert.ok(text === Array.from({ length: sent }, (_, k) => piece(k)).join(''), 'every byte in order');
  } finally {
    await s.close();
  }
});

test('an HTTP/1.0 client (no chunked body) gets the raw data through res.write', async () => {
  const s = await startServer((res) => {
    writeChunk(res, frameChunk('data: a\n\n', true));
    res.end('data: [DONE]\n\n');
  });
  try {
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = net.connect((s.server.address() as { port: number }).port, '127.0.0.1', () => sock.end('GET / HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.setEncoding('latin1');
      sock.on('data', (c) => (text += c));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    assert.not.match(raw, /transfer-encoding/i);
    assert.ok(raw.endsWith('\r\n\r\ndata: a\n\ndata: [DONE]\n\n'), raw);
  } finally {
    await s.close();
  }
});

test.run();
