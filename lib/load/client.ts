// One streamed request over node:http (fetch merged chunks and was 3x worse, architecture.md; a raw socket
// would save ~6 us of ~28 us per token, bench/RESULTS.md): records when it was written, every token's
// run-clock time, and how it ended.
import http from 'node:http';
import https from 'node:https';
import type { RequestEvents, RequestStatus } from '../types.ts';
import { SseParser } from './sse.ts';
import { StreamState } from './stream-state.ts';
import { setStrictTimeout, type StrictTimer } from './strict-timer.ts';

export interface Target {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:8000/v1/completions. */
  url: URL;
  agent: http.Agent;
  /** Bearer token; only ever put in the Authorization header. */
  apiKey: string | null;
}

export interface PreparedRequest {
  idx: number;
  scheduledNs: number;
  promptTokens: number;
  outputTokens: number;
  body: Buffer;
}

export interface InFlight {
  done: Promise<RequestEvents>;
  /** End the request now with this status (e.g. 'cancelled' at the end of the run). */
  cancel(status: RequestStatus, reason: string): void;
}

// LIFO: reuse the most recently freed socket, so the ones left idle are the ones that age out; FIFO kept
// reusing the longest-idle sockets, the ones a server's keep-alive timeout is about to close under us.
export function createAgent(url: URL): http.Agent {
  const options = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096, scheduling: 'lifo' as const };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** Send `req` now. `nowNs` reads the run clock. */
export function startRequest(target: Target, req: PreparedRequest, timeoutNs: number, nowNs: () => number): InFlight {
  const state = new StreamState();
  const parser = new SseParser();
  let httpStatus: number | null = null;
  let finished = false;
  let sentNs = 0;
  let timer: StrictTimer | undefined;
  let resolveDone!: (r: RequestEvents) => void;
  const done = new Promise<RequestEvents>((r) => (resolveDone = r));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': req.body.length,
    accept: 'text/event-stream',
    // Lets a server's own log (the simulated engine's emission log) be joined to our records.
    'x-request-id': String(req.idx),
  };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  const mod = target.url.protocol === 'https:' ? https : http;
  let client!: http.ClientRequest;
  let retried = false;

  const finish = (status: RequestStatus, error: string | null) => {
    if (finished) return;
    finished = true;
    timer?.clear();
    const endNs = nowNs();
    if (status !== 'ok') client.destroy();
    resolveDone({
      idx: req.idx,
      scheduledNs: req.scheduledNs,
      sentNs,
      promptTokensRequested: req.promptTokens,
      promptTokens: state.promptTokens,
      outputTokensRequested: req.outputTokens,
      outputTokens: state.completionTokens ?? state.tokenNs.length,
      status,
      httpStatus,
      error,
      tokenSource: state.tokenSource,
      tokenNs: state.tokenNs,
      endNs,
    });
  };

  const onEvents = (events: { event: string; data: string }[], tNs: number) => {
    for (const ev of events) {
      const outcome = state.take(ev.event, ev.data, tNs);
      if (outcome.error) return finish('stream_error', outcome.error);
      if (outcome.done) return finish('ok', null);
    }
  };

  const open = (agent: http.Agent | false) => {
    const c = mod.request(target.url, { method: 'POST', agent, headers });
    client = c;
    c.on('response', (res) => {
      httpStatus = res.statusCode ?? null;
      if (httpStatus === null || httpStatus >= 400) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          if (text.length < 600) text += s;
        });
        res.on('end', () => finish('http_error', `HTTP ${httpStatus}: ${text.trim().slice(0, 500)}`));
        res.on('error', () => finish('http_error', `HTTP ${httpStatus} (body cut off)`));
        return;
      }
      let head = ''; // the first bytes, to show what came back when it was not an event stream
      let events = 0;
      res.on('data', (buf: Buffer) => {
        if (finished) return; // after [DONE] the rest is drained so the socket can be reused
        const tNs = nowNs(); // read the clock before any parsing: the token arrived now
        if (head.length < 200) head += buf.toString('utf8', 0, 200);
        const evs = parser.push(buf);
        events += evs.length;
        onEvents(evs, tNs);
      });
      res.on('end', () => {
        if (finished) return;
        onEvents(parser.end(), nowNs());
        if (finished) return;
        if (state.sawFinish) finish('ok', null);
        else if (events === 0) finish('stream_error', `expected a server-sent event stream, got ${res.headers['content-type'] ?? 'no content-type'}: ${JSON.stringify(head.slice(0, 200))}`);
        else finish('stream_error', `stream ended without [DONE] or a finish_reason after ${state.tokenNs.length} tokens`);
      });
      res.on('aborted', () => finish('stream_error', `connection closed mid-stream after ${state.tokenNs.length} tokens`));
      res.on('error', (err) => finish('stream_error', `stream failed after ${state.tokenNs.length} tokens: ${err.message}`));
    });
    c.on('error', (err) => {
      if (c !== client) return; // the attempt given up for a retry
      const code = (err as NodeJS.ErrnoException).code;
      // A kept-alive socket the server closed just as we reused it: the request never reached the server, so
      // send it once more on a fresh connection (sentNs stays the first send: the lag is real).
      if (!finished && !retried && httpStatus === null && c.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
        retried = true;
        return open(false);
      }
      finish('stream_error', httpStatus === null
        ? `request failed before a response: ${code ?? err.message}`
        : `stream failed after ${state.tokenNs.length} tokens: ${code ?? err.message}`);
    });
    c.end(req.body);
  };

  sentNs = nowNs();
  open(target.agent);
  timer = setStrictTimeout(() => finish('timeout', `no complete response within ${timeoutNs / 1e9} s`), timeoutNs / 1e6);
  return { done, cancel: (status, reason) => finish(status, reason) };
}
