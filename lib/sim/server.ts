// The simulated engine as an OpenAI-compatible HTTP server (node:http) in real time: vLLM's routes, bodies,
// error shapes and metric names, with fault knobs for reliability tests (simulator.md, "One core, two clocks").
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ParallelSpec, SimSettings } from '../types.ts';
import { EmissionLog } from './emission-log.ts';
import { SimEngine } from './engine.ts';
import { serveGeneration } from './generate.ts';
import { ApiError, formatError, parseGenerationRequest, parseJsonBody, countPromptTokens, type Endpoint } from './openai.ts';
import { formatMetrics, type ServerCounters } from './prometheus.ts';
import { RealtimeDriver, startMonotonicClock } from './realtime.ts';
import { contentText, tokenIds } from './words.ts';

export interface SimServerOptions {
  host?: string;
  port?: number;
  settings: SimSettings;
  simModel: string;
  parallel: ParallelSpec;
  servedModelName: string;
  maxModelLen?: number | null;
  /** File for the per-token emission log (format in emission-log.ts); null: none. */
  emissionLog?: string | null;
}

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Resolves when the server died on its own (fault exitAfterRequests), with the reason. */
  died: Promise<string>;
}

const MAX_BODY_BYTES = 64 * 2 ** 20;

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const { settings, servedModelName } = opts;
  const faults = settings.faults;
  const engine = new SimEngine(opts);
  if (faults.startDelayNs > 0) await new Promise((r) => setTimeout(r, faults.startDelayNs / 1e6));
  const clock = startMonotonicClock();
  const emissionLog = opts.emissionLog ? new EmissionLog(opts.emissionLog, clock.originNs, clock.nowNs) : null;
  // The log is written only between iterations (see RealtimeDriver's idle work) and at close.
  const driver = new RealtimeDriver(engine, clock, emissionLog ? (deadlineNs) => emissionLog.flushUntil(deadlineNs) : null);
  const counters: ServerCounters = { promptTokens: 0, generationTokens: 0, requestsFinished: 0 };
  const sockets = new Set<Socket>();
  const random = mulberry32(0x5eed);
  let nextId = 0;
  let dead = false;
  let markDied: (reason: string) => void = () => {};
  const died = new Promise<string>((resolve) => (markDied = resolve));

  const die = (reason: string): void => {
    if (dead) return;
    dead = true;
    driver.close();
    server.close();
    for (const s of sockets) s.destroy();
    markDied(reason);
  };

  const ctx = {
    driver,
    clock,
    faults,
    counters,
    emissionLog,
    nextId: () => nextId++,
    onDone: () => {
      if (faults.exitAfterRequests !== null && counters.requestsFinished >= faults.exitAfterRequests) {
        setImmediate(() => die(`fault exitAfterRequests: exiting after ${counters.requestsFinished} requests`));
      }
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const route = ROUTES[path];
    if (!route) return sendJson(res, 404, JSON.stringify({ detail: 'Not Found' }));
    if (route !== method) return sendJson(res, 405, JSON.stringify({ detail: 'Method Not Allowed' }));
    if (path === '/health') return void res.writeHead(200).end();
    if (path === '/v1/models') return sendJson(res, 200, formatModels(servedModelName, engine.maxModelLen));
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(formatMetrics(servedModelName, engine.gauges(), counters));
    }
    const body = parseJsonBody(await readBody(req));
    if (path === '/tokenize') {
      // vLLM's TokenizeResponse; a chat body counts its message contents, as generation requests do.
      const chat = Array.isArray(body.messages);
      const count = countPromptTokens(chat ? 'chat' : 'completions', body);
      const p = body.prompt;
      const tokens = chat
        ? tokenIds((body.messages as { content?: unknown }[]).map((m) => contentText(m?.content) ?? '').join(' '), engine.model.vocab)
        : Array.isArray(p) && typeof p[0] === 'number' ? p : tokenIds(Array.isArray(p) ? String(p[0]) : String(p), engine.model.vocab);
      return sendJson(res, 200, JSON.stringify({ count, max_model_len: engine.maxModelLen, tokens }));
    }
    const endpoint: Endpoint = path === '/v1/chat/completions' ? 'chat' : 'completions';
    const gen = parseGenerationRequest(endpoint, body, servedModelName);
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      throw new ApiError(faults.errorStatus, `Simulated failure (fault errorRate ${faults.errorRate})`);
    }
    serveGeneration(ctx, gen, req, res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof ApiError) return sendJson(res, err.status, formatError(err.status, err.message, err.type));
      sendJson(res, 500, formatError(500, `Internal error: ${(err as Error)?.message ?? String(err)}`));
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    died,
    async close() {
      driver.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      if (!dead) await closed;
      await emissionLog?.close();
    },
  };
}

const ROUTES: Record<string, string> = {
  '/health': 'GET',
  '/v1/models': 'GET',
  '/metrics': 'GET',
  '/tokenize': 'POST',
  '/v1/chat/completions': 'POST',
  '/v1/completions': 'POST',
};

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

function formatModels(name: string, maxModelLen: number): string {
  const created = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    object: 'list',
    data: [{ id: name, object: 'model', created, owned_by: 'vllm', root: name, parent: null, max_model_len: maxModelLen, permission: [] }],
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Seeded PRNG so an error-rate fault fails the same requests on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
