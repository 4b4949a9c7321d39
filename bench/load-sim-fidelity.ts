// Cross-check of the client's token times against the simulated engine's emission log (lib/sim/emission-log.ts):
// the sim runs as a child process (cpuProfile none), logs the hrtime each token was written, keyed by the
// x-request-id header the client sends (the request's idx). Error = recorded - written, on CLOCK_MONOTONIC.
//   node --import tsx bench/load-sim-fidelity.ts [qps=20] [requests=200] [outputTokens=64]
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildServer } from '../lib/load/child-server.ts';
import { runLoad } from '../lib/load/driver.ts';
import { createPromptMaker } from '../lib/load/prompts.ts';
import { quantileCont } from '../lib/load/stats.ts';
import type { ScheduledRequest } from '../lib/types.ts';

const qps = Number(process.argv[2] ?? 20);
const count = Number(process.argv[3] ?? 200);
const outputTokens = Number(process.argv[4] ?? 64);
const log = join(tmpdir(), `headroom-sim-emissions-${process.pid}.csv`);
const sim = await startChildServer('lib/sim/main.ts', [
  '--port', '0', '--served-model-name', 'm', '--sim-model', 'llama-3-8b', '--settings', JSON.stringify({ cpuProfile: 'none' }), '--emission-log', log,
], /headroom-sim listening on (\S+)/);
const schedule: ScheduledRequest[] = Array.from({ length: count }, (_, idx) => ({ idx, scheduledNs: Math.round((idx * 1e9) / qps), promptTokens: 64, outputTokens }));
const result = await runLoad({
  baseUrl: sim.url.replace(/\/+$/, '') + '/v1', model: 'm', schedule, prompts: await createPromptMaker({ kind: 'sim' }),
  client: { endpoint: 'completions', timeoutNs: 120e9, warmupRequests: 0, maxLagNs: 10e6, ignoreEos: true, workers: 1, drainNs: 60e9 },
});
for (const r of result.requests) if (r.status !== 'ok') console.log(`request ${r.idx}: ${r.status} ${r.httpStatus ?? ''} ${r.error} after ${r.tokenNs.length} tokens`);
await sim.stop();
const written = new Map<string, bigint>();
for (const line of readFileSync(log, 'utf8').split('\n')) {
  if (!line || line.startsWith('#') || line.startsWith('request_id')) continue;
  const [id, i, , writeNs] = line.split(',');
  written.set(`${id}/${i}`, BigInt(writeNs!));
}
rmSync(log, { force: true });
const origin = BigInt(result.clockOriginNs);
const err: number[] = [];
let missing = 0;
for (const r of result.requests) {
  r.tokenNs.forEach((t, i) => {
    const w = written.get(`${r.idx}/${i}`);
    if (w === undefined) missing++;
    else err.push(t - Number(w - origin));
  });
}
err.sort((a, b) => a - b);
const ms = (p: number) => (quantileCont(err, p) / 1e6).toFixed(3);
console.log(`${result.requests.filter((r) => r.status === 'ok').length}/${count} ok, ${err.length} tokens joined, ${missing} not in the log`);
console.log(`recorded - written: min ${(err[0]! / 1e6).toFixed(3)} ms, p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, max ${(err[err.length - 1]! / 1e6).toFixed(3)} ms; send lag p99 ${(result.lagP99Ns / 1e6).toFixed(2)} ms`);
