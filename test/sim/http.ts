// Small node:http client for the simulator's server tests: whole responses, and SSE streams with the arrival
// time of every event.
import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function send(base: string, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

export interface Stream {
  status: number;
  /** Monotonic time the request was sent. */
  sentNs: number;
  /** `data:` payloads in order, with the monotonic time each arrived. */
  events: { data: string; tNs: number }[];
  /** True when the server ended the response; false when the connection broke first. */
  complete: boolean;
}

/** Streams a POST; `stopAfter` closes the connection from the client side after that many events. */
export function stream(base: string, path: string, body: unknown, stopAfter?: number): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const events: Stream['events'] = [];
    let status = 0;
    let settled = false;
    const done = (complete: boolean) => {
      if (!settled) {
        settled = true;
        resolve({ status, sentNs, events, complete });
      }
    };
    const req = http.request(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      status = res.statusCode!;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const tNs = Number(process.hrtime.bigint());
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (line.startsWith('data: ')) events.push({ data: line.slice(6), tNs });
          if (stopAfter !== undefined && events.length >= stopAfter) {
            req.destroy();
            return done(false);
          }
        }
      });
      res.on('end', () => done(true));
      res.on('aborted', () => done(false));
      res.on('close', () => done(res.complete));
    });
    req.on('error', (e) => (settled ? undefined : events.length ? done(false) : reject(e)));
    const sentNs = Number(process.hrtime.bigint());
    req.end(JSON.stringify(body));
  });
}
