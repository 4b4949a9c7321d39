// A load worker thread: one Shard driven by messages from the driver on the shared run clock
// (process.hrtime is process-wide, so every thread reads the same clock).
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestEvents } from '../types.ts';
import { Shard, type PartialDelta, type ShardConfig } from './shard.ts';

export type ToWorker = { type: 'start'; runStartNs: string } | { type: 'stop'; reason: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'results'; results: RequestEvents[]; partials: PartialDelta[]; sent: number; inFlight: number }
  | { type: 'finished'; stats: SenderStats };

/** One sending thread over a run: event-loop busy time, and its garbage-collection pauses (total, longest). */
export interface SenderStats {
  busyNs: number;
  gcPauseNs: number;
  gcMaxPauseNs: number;
}

const port = parentPort!;
const config = workerData as ShardConfig;
config.requests = config.requests.map((r) => ({ ...r, body: Buffer.from(r.body) }));
config.warmup = config.warmup.map((r) => ({ ...r, body: Buffer.from(r.body) }));
const shard = new Shard(config);
let batch: RequestEvents[] = [];

function flush(): void {
  const counts = shard.counts();
  port.postMessage({ type: 'results', results: batch, partials: shard.takeDeltas(), sent: counts.sent, inFlight: counts.inFlight } satisfies FromWorker);
  batch = [];
}

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'stop') {
    shard.stop('cancelled', msg.reason);
    return;
  }
  // Results travel in batches: one message per token-bearing request would cost the sender thread time.
  const interval = setInterval(flush, 100);
  const elu0 = performance.eventLoopUtilization();
  // Garbage-collection pauses of this thread: every token due during one is read late by its length.
  let gcMs = 0, gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  await shard.run(BigInt(msg.runStartNs), (r) => batch.push(r));
  const busyMs = performance.eventLoopUtilization(elu0).active;
  gc.disconnect();
  clearInterval(interval);
  flush();
  const stats: SenderStats = { busyNs: Math.round(busyMs * 1e6), gcPauseNs: Math.round(gcMs * 1e6), gcMaxPauseNs: Math.round(gcMaxMs * 1e6) };
  port.postMessage({ type: 'finished', stats } satisfies FromWorker);
});

await shard.warmup();
port.postMessage({ type: 'ready' } satisfies FromWorker);
