// The load client's ceiling on this machine: the highest QPS (and so streams open and tokens/s) at which the
// p99 send lag stays within the bound (10 ms by default) with every request completing, in one thread and with worker threads.
// Two shapes: long streams (50 tokens at 50 tokens/s: concurrency ~ QPS) and short ones (request rate).
//   node --import tsx bench/load-ceiling.ts [repeats=3] [workers=1,2] [seconds=4] [lagBoundMs=10]
import { startChildServer, median } from '../lib/load/child-server.ts';
import { findClientCeiling } from '../lib/load/ceiling.ts';
import { formatStep } from '../lib/cli/calibrate.ts';

const repeats = Number(process.argv[2] ?? 3);
const workerList = (process.argv[3] ?? '1,2').split(',').map(Number);
const seconds = Number(process.argv[4] ?? 4);
const lagBoundMs = Number(process.argv[5] ?? 10);
const shapes = [
  { name: 'long streams (50 tok at 50 tok/s)', intervalMs: 20, outputTokens: 50, startQps: 64 },
  { name: 'short requests (4 tok at 1 ms)', intervalMs: 1, outputTokens: 4, startQps: 64 },
];

const rows: string[] = [`| shape | threads | QPS within ${lagBoundMs} ms lag (median; runs) | streams open | tokens/s |`, '|---|---|---|---|---|'];
for (const shape of shapes) {
  for (const workers of workerList) {
    const bests = [];
    for (let i = 0; i < repeats; i++) {
      const server = await startChildServer('test/fixtures/load/stream-server-main.ts', ['--interval-ms', String(shape.intervalMs), '--usage'], /listening (\S+)/);
      try {
        const c = await findClientCeiling({
          baseUrl: server.url, model: 'm', workers, maxLagNs: lagBoundMs * 1e6, seconds, promptTokens: 8, outputTokens: shape.outputTokens,
          startQps: shape.startQps, maxQps: 16384, bisectSteps: 3, onStep: (s) => console.error(formatStep(s)),
        });
        bests.push(c.best ?? { qps: 0, peakInFlight: 0, tokensPerSecond: 0 });
      } finally {
        await server.stop();
      }
    }
    rows.push(`| ${shape.name} | ${workers} | ${median(bests.map((b) => b.qps))} (${bests.map((b) => b.qps).join(', ')}) | ${median(bests.map((b) => b.peakInFlight))} | ${Math.round(median(bests.map((b) => b.tokensPerSecond)))} |`);
  }
}
console.log(rows.join('\n'));
