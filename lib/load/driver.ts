// The open-loop load driver: prepares every request before the clock starts, sends each when due on one
// monotonic run clock (in this thread or spread over worker threads), and records what happened to each.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ClientSettings, RequestEvents, ScheduledRequest } from '../types.ts';
import type { PreparedRequest } from './client.ts';
import type { PromptMaker } from './prompts.ts';
import type { Progress } from './progress.ts';
import { buildRequestBody, endpointPath } from './request-body.ts';
import type { PartialDelta, ShardConfig } from './shard.ts';
import { quantileCont } from './stats.ts';
import type { FromWorker, SenderStats, ToWorker } from './worker.ts';

export interface LoadOptions {
  baseUrl: string;
  model: string;
  apiKey?: string | null;
  client: ClientSettings;
  schedule: ScheduledRequest[];
  prompts: PromptMaker;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Asked every POLL_MS with every request that ended and every one still streaming (status 'ok', endNs null,
   * its tokens so far, as of the lane's last report ~100 ms ago); true ends the run.
   */
  shouldStop?: (requests: readonly RequestEvents[], nowNs: number) => boolean;
}

export interface LoadResult {
  requests: RequestEvents[];
  durationNs: number;
  lagP99Ns: number;
  startedAt: string;
  /** process.hrtime.bigint() at the run clock's zero, as a decimal string: joins our times to a server's log. */
  clockOriginNs: string;
  /**
   * Each sending thread's event-loop busy time (busy near durationNs: the client itself was the bottleneck and
   * its token times are late) and garbage-collection pauses during the run.
   */
  senders: SenderStats[];
}

/** Output tokens per second one thread streams accurately (bench/load-ceiling.ts measures it). */
export const TOKENS_PER_SECOND_PER_THREAD = 20_000;
const POLL_MS = 200;
const WARMUP_OUTPUT_TOKENS = 16;
/** Lead time between the start order and the run clock's zero, so every worker starts on time. */
const START_LEAD_NS = 50_000_000;

/**
 * Sending threads for a schedule: one per TOKENS_PER_SECOND_PER_THREAD of offered output tokens, leaving one
 * core to the coordinating thread (bench/load-ceiling.ts on 2 shared cores: 2 threads kept up with fewer QPS
 * than 1, so a 2-core machine uses one unless asked otherwise). Requests are always sent from worker threads,
 * never from the coordinating one, whose early-stop checks and bookkeeping would otherwise delay token reads.
 */
export function pickWorkerCount(schedule: ScheduledRequest[], requested: number, cores = availableParallelism()): number {
  if (requested > 0) return requested;
  if (schedule.length < 2) return 1;
  const spanS = (schedule[schedule.length - 1]!.scheduledNs - schedule[0]!.scheduledNs) / 1e9;
  const tokens = schedule.reduce((s, r) => s + r.outputTokens, 0);
  const rate = spanS > 0 ? tokens / spanS : Infinity;
  return Math.max(1, Math.min(cores - 1, Math.ceil(rate / TOKENS_PER_SECOND_PER_THREAD)));
}

async function preparePrompts(opts: LoadOptions, items: { idx: number; tokens: number }[]): Promise<string[]> {
  const out = new Array<string>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await opts.prompts.make(items[i]!.idx, items[i]!.tokens);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, items.length) }, lane));
  return out;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const { client, schedule } = opts;
  const url = opts.baseUrl.replace(/\/+$/, '') + endpointPath(client.endpoint);
  const body = (prompt: string, outputTokens: number) =>
    Buffer.from(buildRequestBody(client.endpoint, opts.model, prompt, outputTokens, client.ignoreEos));

  const prompts = await preparePrompts(opts, schedule.map((r) => ({ idx: r.idx, tokens: r.promptTokens })));
  const requests: PreparedRequest[] = schedule.map((r, i) => ({
    idx: r.idx, scheduledNs: r.scheduledNs, promptTokens: r.promptTokens, outputTokens: r.outputTokens,
    body: body(prompts[i]!, r.outputTokens),
  }));
  // Warm-up prompts get their own indices past the run's, so they never share a prefix with a measured one.
  const warmSource = Array.from({ length: schedule.length ? client.warmupRequests : 0 }, (_, i) => schedule[i % schedule.length]!);
  const warmPrompts = await preparePrompts(opts, warmSource.map((r, i) => ({ idx: schedule.length + i, tokens: r.promptTokens })));
  const warmup: PreparedRequest[] = warmSource.map((r, i) => {
    const out = Math.min(r.outputTokens, WARMUP_OUTPUT_TOKENS);
    return { idx: -1 - i, scheduledNs: 0, promptTokens: r.promptTokens, outputTokens: out, body: body(warmPrompts[i]!, out) };
  });

  const lastArrivalNs = schedule.reduce((m, r) => Math.max(m, r.scheduledNs), 0);
  const threads = Math.min(pickWorkerCount(schedule, client.workers), Math.max(1, schedule.length));
  const share = <T>(items: T[], k: number) => items.filter((_, i) => i % threads === k);
  const configs: ShardConfig[] = Array.from({ length: threads }, (_, k) => ({
    url, apiKey: opts.apiKey ?? null, timeoutNs: client.timeoutNs,
    requests: share(requests, k), warmup: share(warmup, k), deadlineNs: lastArrivalNs + client.drainNs,
  }));
  const lanes = configs.map(createWorkerLane);
  // Requests still streaming, as far as the lanes last reported them: early-stop rules judge them too.
  const partials = new Map<number, RequestEvents>();
  const byIdx = new Map(schedule.map((r) => [r.idx, r]));
  const onPartial = (d: PartialDelta) => {
    let p = partials.get(d.idx);
    if (!p) {
      const r = byIdx.get(d.idx)!;
      p = {
        idx: r.idx, scheduledNs: r.scheduledNs, sentNs: d.sentNs, promptTokensRequested: r.promptTokens, promptTokens: null,
        outputTokensRequested: r.outputTokens, outputTokens: null, status: 'ok', httpStatus: null, error: null,
        tokenSource: 'chunks', tokenNs: [], endNs: null,
      };
      partials.set(d.idx, p);
    }
    for (const t of d.tokenNs) p.tokenNs.push(t);
  };

  const results: RequestEvents[] = [];
  try {
    await Promise.all(lanes.map((l) => l.ready));
    if (opts.signal?.aborted) throw abortError();
    // The clock's zero: every scheduledNs, sentNs and token time is relative to it.
    const startedAt = new Date().toISOString();
    const runStartNs = process.hrtime.bigint() + BigInt(START_LEAD_NS);
    const nowNs = () => Number(process.hrtime.bigint() - runStartNs);
    const all = Promise.all(lanes.map((l) => l.run(runStartNs, (r) => {
      partials.delete(r.idx);
      results.push(r);
    }, onPartial)));

    let stopReason: string | null = null;
    const stopAll = (reason: string) => {
      if (stopReason !== null) return;
      stopReason = reason;
      for (const l of lanes) l.stop(reason);
    };
    const onAbort = () => stopAll('the run was interrupted');
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    const report = (final = false) => {
      const t = nowNs();
      const counts = lanes.map((l) => l.counts());
      opts.onProgress?.({
        offeredQps: offeredQps(schedule), total: schedule.length,
        sent: counts.reduce((s, c) => s + c.sent, 0),
        completed: results.filter((r) => r.status === 'ok').length,
        failed: results.filter((r) => r.status !== 'ok').length,
        inFlight: counts.reduce((s, c) => s + c.inFlight, 0),
        elapsedNs: Math.max(0, t), remainingNs: Math.max(0, lastArrivalNs - t),
      });
      if (!final && opts.shouldStop && stopReason === null && opts.shouldStop([...results, ...partials.values()], t)) {
        stopAll('stopped early: the outcome was settled');
      }
    };
    const poll = setInterval(() => report(), POLL_MS);
    try {
      await all;
    } finally {
      clearInterval(poll);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    report(true);
    // An interrupted run is not a measurement: say so rather than return it as one (it must not be cached).
    if (opts.signal?.aborted) throw abortError();
    results.sort((a, b) => a.idx - b.idx);
    const durationNs = Math.max(0, nowNs());
    return {
      requests: results, durationNs, lagP99Ns: computeLagP99Ns(results), startedAt, clockOriginNs: runStartNs.toString(),
      senders: lanes.map((l) => l.stats()),
    };
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
}

function abortError(): Error {
  const err = new Error('The load run was interrupted; its requests were cancelled');
  err.name = 'AbortError';
  return err;
}

/** Above this share of the run busy, a sending thread is near its ceiling: reads queue behind each other. */
export const CLIENT_BUSY_WARN = 0.85;

/** A warning when a sending thread was nearly always busy during the run (its token times may be late), else null. */
export function formatClientBusyWarning(senders: readonly Pick<SenderStats, 'busyNs'>[], durationNs: number): string | null {
  if (senders.length === 0 || durationNs <= 0) return null;
  const busiest = Math.max(...senders.map((s) => s.busyNs)) / durationNs;
  if (busiest <= CLIENT_BUSY_WARN) return null;
  return `the load client's busiest sending thread was busy ${Math.round(busiest * 100)}% of the run, so token times may ` +
    `be late: give client.workers more threads on a machine with spare cores (\`npx zx run.mjs calibrate\` measures ` +
    `what this machine's client sustains)`;
}

/** p99 of sent - scheduled over the requests that were sent (0 when none were). */
export function computeLagP99Ns(requests: readonly RequestEvents[]): number {
  const lags = requests.filter((r) => r.sentNs !== null).map((r) => r.sentNs! - r.scheduledNs).sort((a, b) => a - b);
  return lags.length ? Math.round(quantileCont(lags, 0.99)) : 0;
}

function offeredQps(schedule: ScheduledRequest[]): number {
  if (schedule.length < 2) return 0;
  return (schedule.length - 1) / ((schedule[schedule.length - 1]!.scheduledNs - schedule[0]!.scheduledNs) / 1e9);
}

interface Lane {
  ready: Promise<void>;
  run(runStartNs: bigint, onResult: (r: RequestEvents) => void, onPartial: (d: PartialDelta) => void): Promise<void>;
  stop(reason: string): void;
  counts(): { sent: number; inFlight: number };
  /** Event-loop busy time and GC pauses of the lane's thread over the run (known once it finished). */
  stats(): SenderStats;
  close(): Promise<void>;
}

function createWorkerLane(config: ShardConfig): Lane {
  // V8's default heap limits: a larger young generation (tried up to 192 MiB, and a 32 MiB minimum semi-space)
  // made scavenges rarer but longer, up to 37 ms, with the same total pause time (bench/RESULTS.md).
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: config, execArgv: [] });
  let counts = { sent: 0, inFlight: 0 };
  let stats: SenderStats = { busyNs: 0, gcPauseNs: 0, gcMaxPauseNs: 0 };
  let onResult: (r: RequestEvents) => void = () => {};
  let onPartial: (d: PartialDelta) => void = () => {};
  let resolveReady!: () => void, resolveRun!: () => void, fail!: (e: Error) => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const ran = new Promise<void>((r) => (resolveRun = r));
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  worker.on('message', (msg: FromWorker) => {
    if (msg.type === 'ready') resolveReady();
    else if (msg.type === 'finished') {
      stats = msg.stats;
      resolveRun();
    }
    else {
      counts = { sent: msg.sent, inFlight: msg.inFlight };
      for (const d of msg.partials) onPartial(d);
      for (const r of msg.results) onResult(r);
    }
  });
  worker.on('error', (err) => fail(new Error(`Load worker thread failed: ${err.message}`)));
  worker.on('exit', (code) => fail(new Error(`Load worker thread exited (code ${code}) before the run ended`)));
  return {
    ready: Promise.race([ready, failed]),
    run: (start, cb, partial) => {
      onResult = cb;
      onPartial = partial;
      worker.postMessage({ type: 'start', runStartNs: start.toString() } satisfies ToWorker);
      return Promise.race([ran, failed]);
    },
    stop: (reason) => worker.postMessage({ type: 'stop', reason } satisfies ToWorker),
    counts: () => counts,
    stats: () => stats,
    close: async () => {
      await worker.terminate();
    },
  };
}
