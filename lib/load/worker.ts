// A load worker thread: one Shard driven by messages from the driver on the shared run clock
// (process.hrtime is process-wide, so every thread reads the same clock).
import { parentPort, workerData } from 'node:worker_threads';
import type { RequestEvents } from '../types.ts';
import { Shard, type PartialDelta, type ShardConfig } from './shard.ts';

export type ToWorker = { type: 'start'; runStartNs: string } | { type: 'stop'; reason: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'results'; results: RequestEvents[]; partials: PartialDelta[]; sent: number; inFlight: number }
  | { type: 'finished' };

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
  await shard.run(BigInt(msg.runStartNs), (r) => batch.push(r));
  clearInterval(interval);
  flush();
  port.postMessage({ type: 'finished' } satisfies FromWorker);
});

await shard.warmup();
port.postMessage({ type: 'ready' } satisfies FromWorker);
