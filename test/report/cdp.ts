// A small Chrome DevTools Protocol client for the page test: headless Chromium started here, spoken to over a
// WebSocket written on node:net (Node 20 has no WebSocket client). Text frames only, as CDP uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Debian's Chromium; HEADROOM_CHROMIUM points elsewhere (or at nothing, to see the test skip). */
export const CHROMIUM = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export interface Browser {
  port: number;
  stop(): Promise<void>;
}

/** Start headless Chromium on a free debugging port (it reports the port on stderr). */
export async function startBrowser(timeoutMs = 20_000): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'headroom-chromium-'));
  const child = spawn(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--remote-debugging-port=0', '--remote-debugging-address=127.0.0.1',
    'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  // Chromium forks helpers (zygote, renderers, crashpad): the group is signalled so none outlives the test, and
  // the profile is removed with retries because a helper may still be closing files in it.
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the whole group is gone already
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      signalGroup('SIGTERM');
      const t = setTimeout(() => signalGroup('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    signalGroup('SIGKILL');
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };
  try {
    const port = await waitForPort(child, timeoutMs);
    return { port, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not report its DevTools port within ${timeoutMs} ms; stderr:\n${text.slice(-2000)}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (code ${code}, signal ${sig}) before listening; stderr:\n${text.slice(-2000)}`));
    });
  });
}

/** GET/PUT a DevTools HTTP endpoint and parse its JSON. */
export function devtoolsJson(port: number, path: string, method = 'GET'): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`DevTools ${method} ${path}: expected JSON, got ${res.statusCode} ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface CdpEvent {
  method: string;
  params: any;
}

export interface CdpSession {
  send(method: string, params?: Record<string, unknown>): Promise<any>;
  /** Every event received so far. */
  events: CdpEvent[];
  waitFor(method: string, timeoutMs: number): Promise<CdpEvent>;
  close(): void;
}

/** Open a WebSocket to a DevTools target (ws://127.0.0.1:port/devtools/page/ID). */
export function openSession(wsUrl: string): Promise<CdpSession> {
  const url = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname);
    const key = randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
    const events: CdpEvent[] = [];
    const waiters: { method: string; resolve: (e: CdpEvent) => void }[] = [];
    let nextId = 1;
    let message: Buffer[] = [];
    sock.on('error', reject);
    sock.on('connect', () => {
      sock.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const onMessage = (text: string) => {
      const msg = JSON.parse(text);
      if (typeof msg.id === 'number' && pending.has(msg.id)) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`CDP error: ${JSON.stringify(msg.error)}`));
        else p.resolve(msg.result);
      } else if (msg.method) {
        const ev = { method: msg.method, params: msg.params };
        events.push(ev);
        for (const w of waiters.filter((x) => x.method === ev.method)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(ev);
        }
      }
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0]}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve(session);
      }
      // Frames from the server are unmasked: FIN/opcode byte, length (7 bits, or 16/64-bit extended), payload.
      for (;;) {
        if (buf.length < 2) return;
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x8) return sock.end();
        if (opcode === 0x1 || opcode === 0x0) {
          message.push(payload);
          if (fin) {
            const text = Buffer.concat(message).toString('utf8');
            message = [];
            onMessage(text);
          }
        }
      }
    });
    const sendFrame = (text: string) => {
      const payload = Buffer.from(text, 'utf8');
      const mask = randomBytes(4);
      const len = payload.length;
      const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
      if (len >= 126 && len < 65536) {
        head[0] = 0x81;
        head[1] = 0x80 | 126;
        head.writeUInt16BE(len, 2);
      } else if (len >= 65536) {
        head[0] = 0x81;
        head[1] = 0x80 | 127;
        head.writeBigUInt64BE(BigInt(len), 2);
      }
      const masked = Buffer.alloc(len);
      for (let i = 0; i < len; i++) masked[i] = payload[i] ^ mask[i & 3];
      (sock as Socket).write(Buffer.concat([head, mask, masked]));
    };
    const session: CdpSession = {
      events,
      send(method, params = {}) {
        const id = nextId++;
        return new Promise((res, rej) => {
          pending.set(id, { resolve: res, reject: rej });
          sendFrame(JSON.stringify({ id, method, params }));
        });
      },
      waitFor(method, timeoutMs) {
        const seen = events.find((e) => e.method === method);
        if (seen) return Promise.resolve(seen);
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error(`no ${method} event within ${timeoutMs} ms`)), timeoutMs);
          waiters.push({ method, resolve: (e) => (clearTimeout(t), res(e)) });
        });
      },
      close() {
        sock.destroy();
      },
    };
  });
}
