// Timing fidelity of the load client: a fixture server in a child process streams each token 20 ms after the
// last (50 tokens/s per stream) and logs the hrtime it wrote each one; the client's recorded token times are
// compared with those writes on the shared CLOCK_MONOTONIC. Each repeat runs headroom's client and then the
// floor (bench/floor-reader.mjs: raw sockets, one clock read and a byte scan per read, no HTTP or JSON work) on
// the same schedule, so the two are compared at the same moment of a noisy machine. CPU time the hypervisor
// stole from this VM during each run is read from /proc/stat (it shows up as lateness no client can avoid).
//   node --import tsx bench/load-fidelity.ts [streams=500] [tokens=150] [repeats=3] [workers=1]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../lib/load/driver.ts';
import { createPromptMaker } from '../lib/load/prompts.ts';
import { quantileCont } from '../lib/load/stats.ts';
import type { ClientSettings, ScheduledRequest } from '../lib/types.ts';
import { median, startChildServer } from '../lib/load/child-server.ts';

const streams = Number(process.argv[2] ?? 500);
const tokens = Number(process.argv[3] ?? 150);
const repeats = Number(process.argv[4] ?? 3);
const workers = Number(process.argv[5] ?? 1);
const SPREAD_MS = 1000; // all streams start within 1 s, so ~`streams` run at once for most of the run
const FLOOR = fileURLToPath(new URL('./floor-reader.mjs', import.meta.url));

/** Jiffies stolen from this VM so far (Linux; 0 elsewhere). */
function stealTicks(): number {
  if (!existsSync('/proc/stat')) return 0;
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(cpu[8] ?? 0);
}

interface Outcome {
  client: string;
  ok: number;
  tokens: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  gapP99Ms: number;
  lagP99Ms: number | null;
  cpuUsPerToken: number | null;
  busyUsPerToken: number | null;
  gc: string;
  stealMs: number;
}

/** Errors of recorded token times (absolute ns, per request idx) against the server's writes. */
function score(client: string, recorded: Map<number, number[]>, truth: Map<number, number[]>): Omit<Outcome, 'lagP99Ms' | 'cpuUsPerToken' | 'busyUsPerToken' | 'gc' | 'stealMs'> {
  const abs: number[] = [], gap: number[] = [];
  let ok = 0;
  for (const [idx, rec] of recorded) {
    const t = truth.get(idx);
    if (!t || t.length !== rec.length) continue;
    ok++;
    for (let i = 0; i < t.length; i++) {
      abs.push(Math.abs(rec[i]! - t[i]!));
      if (i > 0) gap.push(Math.abs(rec[i]! - rec[i - 1]! - (t[i]! - t[i - 1]!)));
    }
  }
  abs.sort((a, b) => a - b);
  gap.sort((a, b) => a - b);
  return {
    client, ok, tokens: abs.length,
    p50Ms: quantileCont(abs, 0.5) / 1e6, p99Ms: quantileCont(abs, 0.99) / 1e6, maxMs: abs[abs.length - 1]! / 1e6,
    gapP99Ms: quantileCont(gap, 0.99) / 1e6,
  };
}

async function withServer<T>(run: (url: string) => Promise<T>): Promise<[T, Map<number, number[]>]> {
  const log = join(tmpdir(), `headroom-fidelity-${process.pid}.txt`);
  const server = await startChildServer('test/fixtures/load/stream-server-main.ts', ['--interval-ms', '20', '--usage', '--log', log], /listening (\S+)/);
  let out: T;
  try {
    out = await run(server.url);
  } finally {
    await server.stop();
  }
  const truth = new Map<number, number[]>();
  // Absolute hrtime ns fit a double exactly (< 2^53 ns is 104 days of uptime).
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const [idx, ...ts] = line.split(' ');
    truth.set(Number(idx), ts.map(Number));
  }
  rmSync(log, { force: true });
  return [out, truth];
}

async function headroom(): Promise<Outcome> {
  const schedule: ScheduledRequest[] = Array.from({ length: streams }, (_, idx) => ({
    idx, scheduledNs: Math.round((idx * SPREAD_MS * 1e6) / streams), promptTokens: 8, outputTokens: tokens,
  }));
  const client: ClientSettings = { endpoint: 'completions', timeoutNs: 120e9, warmupRequests: 0, maxLagNs: 10e6, ignoreEos: true, workers, drainNs: 60e9 };
  const steal0 = stealTicks();
  const cpu0 = process.cpuUsage();
  const [result, truth] = await withServer(async (url) => runLoad({ baseUrl: url, model: 'm', client, schedule, prompts: await createPromptMaker({ kind: 'sim' }) }));
  const cpu = process.cpuUsage(cpu0);
  const origin = Number(BigInt(result.clockOriginNs));
  const recorded = new Map(result.requests.filter((r) => r.status === 'ok').map((r) => [r.idx, r.tokenNs.map((t) => t + origin)]));
  const s = score('headroom', recorded, truth);
  const busyNs = result.senders.reduce((a, s) => a + s.busyNs, 0);
  return { ...s, lagP99Ms: result.lagP99Ns / 1e6, cpuUsPerToken: (cpu.user + cpu.system) / s.tokens, busyUsPerToken: busyNs / 1e3 / s.tokens,
    gc: `${(result.senders.reduce((a, s) => a + s.gcPauseNs, 0) / 1e6).toFixed(1)} / ${(Math.max(...result.senders.map((s) => s.gcMaxPauseNs)) / 1e6).toFixed(1)} ms`,
    stealMs: (stealTicks() - steal0) * 10 };
}

async function floor(): Promise<Outcome> {
  const steal0 = stealTicks();
  const [text, truth] = await withServer((url) => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [FLOOR, new URL(url).port, String(streams), String(tokens), String(SPREAD_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`floor reader exited ${code}`))));
  }));
  const recorded = new Map<number, number[]>();
  for (const line of text.trim().split('\n')) {
    const [idx, ...ts] = line.split(' ');
    recorded.set(Number(idx), ts.filter(Boolean).map(Number));
  }
  return { ...score('floor', recorded, truth), lagP99Ms: null, cpuUsPerToken: null, busyUsPerToken: null, gc: '-', stealMs: (stealTicks() - steal0) * 10 };
}

// The machine's own noise: how late a 1 ms timer fires in this process with nothing else to do.
const idle = monitorEventLoopDelay({ resolution: 1 });
idle.enable();
await new Promise((r) => setTimeout(r, 1000));
idle.disable();

const runs: Outcome[] = [];
const f = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
console.log(`${streams} streams x ${tokens} tokens at 50 tokens/s, ${workers} sending thread(s); idle 1 ms timer lateness p99 ${(idle.percentile(99) / 1e6).toFixed(3)} ms`);
console.log(`| repeat | client | ok | token error p50 | p99 | max | gap error p99 | send lag p99 | process CPU per token | sending thread busy per token | GC pauses total / longest | stolen CPU |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
for (let i = 0; i < repeats; i++) {
  for (const run of [headroom, floor]) {
    const o = await run();
    runs.push(o);
    console.log(`| ${i + 1} | ${o.client} | ${o.ok} | ${f(o.p50Ms)} ms | ${f(o.p99Ms)} ms | ${f(o.maxMs)} ms | ${f(o.gapP99Ms)} ms | ${f(o.lagP99Ms)} ms | ${f(o.cpuUsPerToken, 1)} us | ${f(o.busyUsPerToken, 1)} us | ${o.gc} | ${o.stealMs} ms |`);
  }
}
for (const client of ['headroom', 'floor']) {
  const rs = runs.filter((r) => r.client === client);
  const m = (g: (r: Outcome) => number) => median(rs.map(g)).toFixed(3);
  console.log(`median ${client}: token error p50 ${m((r) => r.p50Ms)} ms, p99 ${m((r) => r.p99Ms)} ms, gap error p99 ${m((r) => r.gapP99Ms)} ms`);
}
const ratio = runs.filter((r) => r.client === 'headroom').map((r, i) => r.p99Ms / runs.filter((x) => x.client === 'floor')[i]!.p99Ms);
console.log(`p99 headroom / floor per repeat: ${ratio.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratio).toFixed(2)})`);
