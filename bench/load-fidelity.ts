// Timing fidelity of the load client: a fixture server in a child process streams each token 20 ms after the
// last (50 tokens/s per stream) and logs the hrtime it wrote each one; the client's recorded token times are
// compared with those writes on the shared CLOCK_MONOTONIC.
//   node --import tsx bench/load-fidelity.ts [streams=500] [tokens=150] [repeats=3] [workers=1,2]
import { readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../lib/load/driver.ts';
import { createPromptMaker } from '../lib/load/prompts.ts';
import { quantileCont } from '../lib/load/stats.ts';
import type { ClientSettings, ScheduledRequest } from '../lib/types.ts';
import { median, startChildServer } from '../lib/load/child-server.ts';

const streams = Number(process.argv[2] ?? 500);
const tokens = Number(process.argv[3] ?? 150);
const repeats = Number(process.argv[4] ?? 3);
const workerList = (process.argv[5] ?? '1,2').split(',').map(Number);

async function once(workers: number) {
  const log = join(tmpdir(), `headroom-fidelity-${process.pid}-${workers}.txt`);
  const server = await startChildServer('test/fixtures/load/stream-server-main.ts', ['--interval-ms', '20', '--usage', '--log', log], /listening (\S+)/);
  // All streams start within 1 s (500/s), so ~`streams` run at once for most of the run.
  const schedule: ScheduledRequest[] = Array.from({ length: streams }, (_, idx) => ({
    idx, scheduledNs: Math.round((idx * 1e9) / streams), promptTokens: 8, outputTokens: tokens,
  }));
  const client: ClientSettings = { endpoint: 'completions', timeoutNs: 120e9, warmupRequests: 0, maxLagNs: 10e6, ignoreEos: true, workers, drainNs: 60e9 };
  // The machine's own noise: how late a 1 ms timer fires in this process with nothing else to do.
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 1000));
  idle.disable();
  const cpu0 = process.cpuUsage();
  const result = await runLoad({ baseUrl: server.url, model: 'm', client, schedule, prompts: await createPromptMaker({ kind: 'sim' }) });
  const cpu = process.cpuUsage(cpu0);
  await server.stop();
  const truth = new Map<number, bigint[]>();
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const [idx, ...ts] = line.split(' ');
    truth.set(Number(idx), ts.map(BigInt));
  }
  rmSync(log, { force: true });
  const origin = BigInt(result.clockOriginNs);
  const abs: number[] = [], gap: number[] = [];
  let ok = 0;
  for (const r of result.requests) {
    const t = truth.get(r.idx);
    if (r.status !== 'ok' || !t || t.length !== r.tokenNs.length) continue;
    ok++;
    for (let i = 0; i < t.length; i++) {
      const trueNs = Number(t[i]! - origin);
      abs.push(Math.abs(r.tokenNs[i]! - trueNs));
      if (i > 0) gap.push(Math.abs(r.tokenNs[i]! - r.tokenNs[i - 1]! - (trueNs - Number(t[i - 1]! - origin))));
    }
  }
  abs.sort((a, b) => a - b);
  gap.sort((a, b) => a - b);
  return {
    ok, tokens: abs.length, lagP99Ms: result.lagP99Ns / 1e6,
    absP50Ms: quantileCont(abs, 0.5) / 1e6, absP99Ms: quantileCont(abs, 0.99) / 1e6,
    gapP99Ms: quantileCont(gap, 0.99) / 1e6, absMaxMs: abs[abs.length - 1]! / 1e6,
    cpuUsPerToken: (cpu.user + cpu.system) / abs.length, idleP99Ms: idle.percentile(99) / 1e6,
  };
}

console.log(`| workers | streams x tokens | ok | token error p50 | token error p99 | gap error p99 | max | send lag p99 | client CPU per token | idle timer lateness p99 |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
for (const workers of workerList) {
  const runs: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await once(workers));
  const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f)).toFixed(3);
  console.log(`| ${workers} | ${streams} x ${tokens} | ${m((r) => r.ok)} | ${m((r) => r.absP50Ms)} ms | ${m((r) => r.absP99Ms)} ms | ${m((r) => r.gapP99Ms)} ms | ${m((r) => r.absMaxMs)} ms | ${m((r) => r.lagP99Ms)} ms | ${m((r) => r.cpuUsPerToken)} us | ${m((r) => r.idleP99Ms)} ms |`);
}
