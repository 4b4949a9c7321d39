// One streamed request over our own HTTP/1.1 client (http1.ts, pool.ts): records when it was written, every
// token's run-clock time, and how it ended. node:http cost ~29 us of CPU per streamed token here, fetch was 3x
// worse at p99 (architecture.md); reading the socket straight into the response parser costs less than half
// (bench/RESULTS.md), and at 25k tokens/s that CPU is what decides how late a token is seen.
import type { RequestEvents, RequestStatus } from '../types.ts';
import { Http1ResponseParser, HttpProtocolError, type ResponseHead } from './http1.ts';
import { ConnectionPool, type Conn, type ConnHandler } from './pool.ts';
import { StringDecoder } from 'node:string_decoder';
import { SseParser } from './sse.ts';
import { StreamState } from './stream-state.ts';
import { setStrictTimeout, type StrictTimer } from './strict-timer.ts';

export interface Target {
  /** Full URL of the endpoint, e.g. http://127.0.0.1:8000/v1/completions. */
  url: URL;
  pool: ConnectionPool;
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
  /** Token times seen so far (the live array: it grows until the request ends). */
  readonly tokenNs: readonly number[];
  readonly sentNs: number;
  /** End the request now with this status (e.g. 'cancelled' at the end of the run). */
  cancel(status: RequestStatus, reason: string): void;
}

export function createTarget(url: URL, apiKey: string | null, pool = new ConnectionPool(url)): Target {
  return { url, pool, apiKey };
}

/** How long a finished stream may take to send its last bytes before its connection is closed instead of reused. */
const DRAIN_MS = 10_000;

/** The request head and body as one buffer: one write, one syscall. */
function encodeRequest(target: Target, req: PreparedRequest): Buffer {
  const u = target.url;
  let head = `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${req.body.length}\r\nAccept: text/event-stream\r\nAccept-Encoding: identity\r\n` +
    // identity: a proxy in front of a hosted API must not compress the stream (we would time its blocks).
    `Connection: keep-alive\r\n` +
    // Lets a server's own log (the simulated engine's emission log) be joined to our records.
    `X-Request-Id: ${req.idx}\r\n`;
  if (target.apiKey) head += `Authorization: Bearer ${target.apiKey}\r\n`;
  return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), req.body]);
}

// Time first, parse later: a read callback reads the clock, unframes the HTTP body and decodes it to text; the
// SSE and JSON work waits for the check phase, after the poll phase has handed out every read that was ready.
// After any stall (a GC pause, a descheduled thread) hundreds of reads are ready at once, and parsing each
// before taking the next one's time made the last ones late by the parsing of all before them.
const parseQueue: (() => void)[] = [];
let parseScheduled = false;

function runParses(): void {
  parseScheduled = false;
  const list = parseQueue.splice(0);
  for (const parse of list) parse();
}

function queueParse(parse: () => void): void {
  parseQueue.push(parse);
  if (!parseScheduled) {
    parseScheduled = true;
    setImmediate(runParses);
  }
}

/** Send `req` now. `nowNs` reads the run clock. */
export function startRequest(target: Target, req: PreparedRequest, timeoutNs: number, nowNs: () => number): InFlight {
  const state = new StreamState();
  const sse = new SseParser();
  const wire = encodeRequest(target, req);
  let head: ResponseHead | null = null;
  let finished = false;
  let complete = false;
  let retried = false;
  let sentNs = 0;
  let readNs = 0;
  // Body text not parsed yet, and the run-clock time each piece arrived.
  const decoder = new StringDecoder('utf8');
  const unparsed: string[] = [];
  const unparsedNs: number[] = [];
  let parseQueued = false;
  let events = 0;
  let preview = ''; // the first bytes, to show what came back when it was not an event stream
  let errorText = '';
  let conn!: Conn;
  let parser!: Http1ResponseParser;
  let timer: StrictTimer | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let resolveDone!: (r: RequestEvents) => void;
  const done = new Promise<RequestEvents>((r) => (resolveDone = r));
  const httpStatus = () => head?.status ?? null;
  const streaming = () => head !== null && head.status < 400;

  /** atNs: when the bytes that decided the outcome arrived; now when nothing arrived (timeouts, errors). */
  const finish = (status: RequestStatus, error: string | null, atNs = nowNs()) => {
    if (finished) return;
    finished = true;
    timer?.clear();
    const endNs = atNs;
    if (!complete) {
      // An ok stream may still owe its closing bytes: drained, the connection goes back (onComplete).
      if (status === 'ok') drainTimer = setTimeout(() => target.pool.discard(conn), DRAIN_MS).unref();
      else target.pool.discard(conn);
    }
    resolveDone({
      idx: req.idx,
      scheduledNs: req.scheduledNs,
      sentNs,
      promptTokensRequested: req.promptTokens,
      promptTokens: state.promptTokens,
      outputTokensRequested: req.outputTokens,
      outputTokens: state.completionTokens ?? state.tokenNs.length,
      status,
      httpStatus: httpStatus(),
      error,
      tokenSource: state.tokenSource,
      tokenNs: state.tokenNs,
      endNs,
    });
  };

  const onEvents = (evs: { event: string; data: string }[], tNs: number) => {
    events += evs.length;
    for (const ev of evs) {
      const outcome = state.take(ev.event, ev.data, tNs);
      if (outcome.error) return finish('stream_error', outcome.error, tNs);
      if (outcome.done) return finish('ok', null, tNs);
    }
  };

  const cutShort = (why: string) => {
    if (finished) return;
    if (head === null) finish('stream_error', `request failed before a response: ${why}`);
    else if (streaming()) finish('stream_error', `stream failed after ${state.tokenNs.length} tokens: ${why}`);
    else finish('http_error', `HTTP ${head.status} (body cut off: ${why})`);
  };

  // The whole response has arrived and no event decided the outcome yet.
  const settle = () => {
    if (!streaming()) return finish('http_error', `HTTP ${head!.status}: ${errorText.trim().slice(0, 500)}`, readNs);
    onEvents(sse.end(), readNs);
    if (finished) return;
    if (state.sawFinish) finish('ok', null, readNs);
    else if (events === 0) finish('stream_error', `expected a server-sent event stream, got ${head!.headers.get('content-type') ?? 'no content-type'}: ${JSON.stringify(preview.slice(0, 200))}`, readNs);
    else finish('stream_error', `stream ended without [DONE] or a finish_reason after ${state.tokenNs.length} tokens`, readNs);
  };

  const newParser = () => new Http1ResponseParser({
    onHead(h) {
      head = h;
      const encoding = h.headers.get('content-encoding');
      if (h.status < 400 && encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        finish('stream_error', `the server compressed the stream (content-encoding: ${encoding}) although the request asked for identity; token times cannot be read from compressed blocks`, readNs);
      }
    },
    onBody(buf, start, end) {
      if (finished) return; // after [DONE] the rest is drained so the connection can be reused
      if (!streaming()) {
        if (errorText.length < 600) errorText += Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
        return;
      }
      const text = decoder.write(Buffer.from(buf.buffer, buf.byteOffset + start, end - start));
      if (preview.length < 200) preview += text.slice(0, 200);
      unparsed.push(text);
      unparsedNs.push(readNs);
      if (!parseQueued) {
        parseQueued = true;
        queueParse(parseNow);
      }
    },
    onComplete(keepAlive) {
      parseNow();
      const rest = decoder.end();
      if (rest !== '' && !finished) onEvents(sse.push(rest), readNs);
      complete = true;
      if (drainTimer) clearTimeout(drainTimer);
      if (!finished) settle();
      if (keepAlive) target.pool.release(conn);
      else target.pool.discard(conn);
    },
  });

  /** Parse the body text taken so far, in order, each piece with its own arrival time. */
  const parseNow = () => {
    parseQueued = false;
    for (let i = 0; i < unparsed.length && !finished; i++) onEvents(sse.push(unparsed[i]!), unparsedNs[i]!);
    unparsed.length = 0;
    unparsedNs.length = 0;
  };

  const handler: ConnHandler = {
    onData(buf, n) {
      readNs = nowNs(); // the bytes arrived now
      try {
        parser.push(buf, 0, n);
      } catch (e) {
        // Thrown in a socket callback nothing would catch it: end this request, keep the run going.
        parseNow();
        target.pool.discard(conn);
        cutShort(e instanceof HttpProtocolError ? `malformed HTTP response: ${e.message}` : `client error: ${(e as Error)?.stack ?? String(e)}`);
      }
    },
    onEnd() {
      parseNow();
      if (complete) return;
      // A kept-alive connection the server closed just as we reused it: the request never reached the server.
      if (retryable()) return retry();
      try {
        parser.end();
      } catch {
        target.pool.discard(conn);
        cutShort('the server closed the connection');
      }
    },
    onError(err) {
      parseNow();
      if (complete && finished) return;
      if (retryable() && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return retry();
      target.pool.discard(conn);
      cutShort(err.code ?? err.message);
    },
  };

  const send = (fresh: boolean) => {
    parser = newParser();
    conn = fresh ? target.pool.acquireFresh(handler) : target.pool.acquire(handler);
    conn.socket.write(wire);
  };
  const retryable = () => !finished && !retried && conn.reused && !parser.started;
  const retry = () => {
    // Sent once more on a fresh connection (sentNs stays the first send: the lag is real).
    retried = true;
    target.pool.discard(conn);
    send(true);
  };

  sentNs = nowNs();
  send(false);
  // What arrived before the deadline (or the cancel) counts, even if it was not parsed yet.
  timer = setStrictTimeout(() => {
    parseNow();
    finish('timeout', `no complete response within ${timeoutNs / 1e9} s`);
  }, timeoutNs / 1e6);
  return {
    done, tokenNs: state.tokenNs, sentNs,
    cancel: (status, reason) => {
      parseNow();
      finish(status, reason);
    },
  };
}
