// Emission error of the real-time simulated server: how late each token is handed to the socket compared with
// its simulated time, with N concurrent streams from a client in another process (this one). Reads the
// server's emission log (lib/sim/emission-log.ts) and decomposes the error: scheduling (how late the first write
// of an iteration is), batch spread (the writes of one iteration one after another), per-stream inter-token gap
// error (what TBT measurements see), and a floor: the same number of plain socket.write calls of the same bytes,
// in one loop, from a minimal Node process serving the same client. Target: p99 emission error <= 2 ms at 500
// concurrent streams.
//   node --import tsx bench/sim-emission.ts [streams=500] [tokens=100] [maxNumSeqs=1024]
// KEEP_LOG=1 keeps the emission log; SIM_NODE_ARGS='--trace-gc' passes node flags to the server; SIM_ROOT=<dir>
// runs the server from another checkout (A/B comparisons; the client, floor and analysis stay these).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeSimSettings } from '../lib/sim/defaults.ts';
import { SimEngine } from '../lib/sim/engine.ts';
import { chunkFormatter, type GenerationRequest } from '../lib/sim/openai.ts';
import { RealtimeDriver, startMonotonicClock } from '../lib/sim/realtime.ts';
import { outputToken } from '../lib/sim/words.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MODEL = 'sim-bench';
const PROMPT = 'tell me a story about the sea';

if (process.argv[2] === '--floor') await serveFloor(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else await main();

async function main(): Promise<void> {
  const streams = Number(process.argv[2] ?? 500);
  const tokens = Number(process.argv[3] ?? 100);
  const maxNumSeqs = Number(process.argv[4] ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'sim-emission-'));
  const log = join(dir, 'emission.csv');
  const nodeArgs = (process.env.SIM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const sim = await startChild([...nodeArgs, '--import', 'tsx', 'lib/sim/main.ts', '--port', '0', '--served-model-name', MODEL,
    '--settings', JSON.stringify({ maxNumSeqs }), '--emission-log', log], process.env.SIM_ROOT ?? ROOT);
  const t0 = performance.now();
  const received = await runClient(sim.url, streams, tokens);
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuS = cpuSeconds(sim.child.pid!);
  await sim.stop();
  // Whatever the server printed besides its ready line (e.g. --trace-gc output) goes to stderr.
  if (nodeArgs.length) process.stderr.write(await sim.result);
  const { rows, baseNs } = readLog(log);
  if (process.env.KEEP_LOG) console.log(`log kept at ${log}`);
  else rmSync(dir, { recursive: true });

  const a = analyse(rows, baseNs, received);
  // The floor serves the same client, as many streams as the sim's median batch, in bursts at its median period.
  const floorStreams = Math.max(2, Math.min(streams, a.batchP50));
  const floorChild = await startChild(['--import', 'tsx', 'bench/sim-emission.ts', '--floor', String(floorStreams), String(tokens), String(a.periodMs)]);
  await runClient(floorChild.url, floorStreams, tokens);
  const floor = JSON.parse(await floorChild.result) as { spreadMs: number[]; perWriteUs: number[]; firstWriteUs: number[] };
  await floorChild.stop();

  const wakeUs = await measureWakes(200);
  const bursts = a.iterations.filter((it) => it.n >= Math.max(2, 0.9 * a.batchP50));
  const steadyIterations = a.iterations.filter((it) => it.simMs > a.steadyFromMs);
  console.log(`${streams} streams x ${tokens} tokens, maxNumSeqs ${maxNumSeqs}: ${wallS.toFixed(1)} s, ${rows.length} tokens logged, ` +
    `${a.iterations.length} iterations (median ${a.batchP50} tokens, period ${a.periodMs.toFixed(1)} ms); server CPU ${serverCpuS.toFixed(2)} s ` +
    `(${((serverCpuS * 1e6) / Math.max(1, rows.length)).toFixed(0)} us per token incl. startup)`);
  console.log(`(a) emission error (write - sim):      ${fmt(a.errMs)}`);
  console.log(`(b)   after the arrival burst:        ${fmt(a.steadyMs)} (${a.steadyMs.length} tokens)`);
  console.log(`(c) scheduling alone: the driver's wake (timer, naps, busy wait) in this process, no writes: ${fmtUs(wakeUs)} late`);
  console.log(`    first write of an iteration late:  ${fmt(a.iterations.map((it) => it.firstMs))} (${a.iterations.length} iterations)`);
  console.log(`      after the arrival burst:          ${fmt(steadyIterations.map((it) => it.firstMs))} (${steadyIterations.length} iterations)`);
  console.log(`    batch spread (last - first write): ${fmt(bursts.map((it) => it.spreadMs))} (${bursts.length} iterations of >= 90% of the median batch)`);
  console.log(`    per write (spread / (n - 1)):      ${fmtUs(bursts.map((it) => (it.spreadMs * 1000) / (it.n - 1)))}`);
  console.log(`(d) inter-token gap error per stream:  ${fmt(a.gapMs)}; after the arrival burst: ${fmt(a.steadyGapMs)}`);
  console.log(`(e) floor, ${floorStreams} plain socket.write per burst: spread ${fmt(floor.spreadMs)}; per write ${fmtUs(floor.perWriteUs)}; ` +
    `first write of a burst ${fmtUs(floor.firstWriteUs)}`);
  const simSpread = q(bursts.map((it) => it.spreadMs), 0.5);
  const floorSpread = q(floor.spreadMs, 0.5);
  console.log(`    sim / floor: batch spread p50 ${(simSpread / floorSpread).toFixed(2)}x, p99 ${(q(bursts.map((it) => it.spreadMs), 0.99) / q(floor.spreadMs, 0.99)).toFixed(2)}x`);
  console.log(`client receive - sim:                  ${fmt(a.clientMs)}`);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

interface Row { id: string; index: number; simMs: number; writeMs: number }
interface Iteration { simMs: number; n: number; firstMs: number; spreadMs: number }

/** Rows of the emission log, times in ms from the first row's simulated time (baseNs, absolute). */
function readLog(file: string): { rows: Row[]; baseNs: bigint } {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('request_id'));
  const baseNs = BigInt(lines[0].split(',')[2]);
  const rows = lines.map((l) => {
    const [id, index, sim, write] = l.split(',');
    return { id, index: Number(index), simMs: Number(BigInt(sim) - baseNs) / 1e6, writeMs: Number(BigInt(write) - baseNs) / 1e6 };
  });
  return { rows, baseNs };
}

function analyse(rows: Row[], baseNs: bigint, received: Map<string, bigint[]>) {
  // Steady state: after every stream has its first token (the arrival burst of all streams is over).
  let steadyFromMs = -Infinity;
  for (const r of rows) if (r.index === 0 && r.simMs > steadyFromMs) steadyFromMs = r.simMs;
  const errMs = rows.map((r) => r.writeMs - r.simMs);
  const steadyMs = rows.filter((r) => r.simMs > steadyFromMs).map((r) => r.writeMs - r.simMs);
  // All tokens of one iteration share its simulated end time.
  const bySim = new Map<number, Row[]>();
  for (const r of rows) {
    const group = bySim.get(r.simMs);
    if (group) group.push(r);
    else bySim.set(r.simMs, [r]);
  }
  const iterations: Iteration[] = [...bySim].sort((x, y) => x[0] - y[0]).map(([simMs, rs]) => {
    const w = rs.map((r) => r.writeMs);
    const first = Math.min(...w);
    return { simMs, n: rs.length, firstMs: first - simMs, spreadMs: Math.max(...w) - first };
  });
  const gaps = new Map<string, Row[]>();
  for (const r of rows) {
    const stream = gaps.get(r.id);
    if (stream) stream.push(r);
    else gaps.set(r.id, [r]);
  }
  const gapMs: number[] = [];
  const steadyGapMs: number[] = [];
  for (const rs of gaps.values()) {
    rs.sort((x, y) => x.index - y.index);
    for (let k = 1; k < rs.length; k++) {
      const e = Math.abs(rs[k].writeMs - rs[k - 1].writeMs - (rs[k].simMs - rs[k - 1].simMs));
      gapMs.push(e);
      if (rs[k - 1].simMs > steadyFromMs) steadyGapMs.push(e);
    }
  }
  const clientMs: number[] = [];
  for (const r of rows) {
    const got = received.get(r.id)?.[r.index];
    if (got !== undefined) clientMs.push(Number(got - baseNs) / 1e6 - r.simMs);
  }
  const full = iterations.filter((it) => it.n >= 2);
  const periods = full.slice(1).map((it, i) => it.simMs - full[i].simMs);
  return { steadyFromMs, errMs, steadyMs, iterations, gapMs, steadyGapMs, clientMs, batchP50: q(iterations.map((it) => it.n), 0.5), periodMs: periods.length ? q(periods, 0.5) : 77 };
}

/**
 * Lateness of the real-time driver's wakes alone: one request of `tokens` tokens (no CPU profile, ~7 ms steps)
 * through RealtimeDriver in this process, each token's delivery time minus its simulated time, in us.
 */
async function measureWakes(tokens: number): Promise<number[]> {
  const clock = startMonotonicClock();
  const engine = new SimEngine({ settings: normalizeSimSettings({ cpuProfile: 'none' }), simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 } });
  const driver = new RealtimeDriver(engine, clock);
  const lateUs: number[] = [];
  await new Promise<void>((resolve) => {
    driver.submit({ id: 0, promptTokens: 20, maxTokens: tokens }, {
      onToken(_r, _index, simNs, last) {
        lateUs.push((clock.nowNs() - simNs) / 1000);
        if (last) resolve();
      },
    });
  });
  driver.close();
  return lateUs;
}

/** Streams from every client at once; each stream's receive times (hrtime) per token, keyed by x-request-id. */
async function runClient(url: string, streams: number, tokens: number): Promise<Map<string, bigint[]>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: streams + 10 });
  const received = new Map<string, bigint[]>();
  const one = (i: number): Promise<void> => {
    const id = `r${i}`;
    const times: bigint[] = [];
    received.set(id, times);
    return new Promise((resolve) => {
      // A failed stream is reported and left out; the run goes on (and its server is still stopped).
      const failed = (stream: string, e: Error): void => {
        errors.push(`${stream}: ${e.message}`);
        resolve();
      };
      const req = http.request(`${url}/v1/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-request-id': id } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          const t = process.hrtime.bigint();
          for (let k = c.indexOf('"text"'); k >= 0; k = c.indexOf('"text"', k + 1)) times.push(t);
        });
        res.on('end', () => resolve());
        res.on('error', (e) => failed(id, e));
      });
      req.on('error', (e) => failed(id, e));
      req.end(JSON.stringify({ model: MODEL, prompt: PROMPT, max_tokens: tokens, stream: true, ignore_eos: true }));
    });
  };
  const errors: string[] = [];
  await Promise.all(Array.from({ length: streams }, (_, i) => one(i)));
  if (errors.length) console.log(`${errors.length} of ${streams} streams failed at ${url}, e.g. ${errors[0]}`);
  agent.destroy();
  return received;
}

interface Child { child: ReturnType<typeof spawn>; url: string; result: Promise<string>; stop(): Promise<void> }

/** Starts a server child that prints `listening on <url>`; `result` is the rest of its stdout at exit. */
async function startChild(args: string[], cwd = ROOT): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  let out = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before it listened`)));
  });
  const result = exited.then(() => out.slice(out.indexOf('\n') + 1));
  return {
    child,
    url,
    result,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

/**
 * The floor: a minimal node:http server that answers every stream's headers, then, once all streams are in,
 * writes one chunk of the sim's bytes (HTTP chunk framing included) to every socket in one plain loop every
 * periodMs, `tokens` times, and prints the spread of each burst (first write returned to last write returned).
 */
async function serveFloor(streams: number, tokens: number, periodMs: number): Promise<void> {
  const sockets: Socket[] = [];
  const responses: ServerResponse[] = [];
  const gen: GenerationRequest = { endpoint: 'completions', model: MODEL, promptTokens: 7, maxTokens: tokens, stream: true, includeUsage: false, continuousUsage: false };
  const frame = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
  const spreadMs: number[] = [];
  const perWriteUs: number[] = [];
  const firstWriteUs: number[] = [];
  let started = false;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      responses.push(res);
      sockets.push(res.socket!);
      if (sockets.length === streams && !started) {
        started = true;
        void bursts();
      }
    });
  });
  const bursts = async (): Promise<void> => {
    const fmts = responses.map((_, i) => chunkFormatter(gen, `cmpl-sim-${i}`, Math.floor(Date.now() / 1000)));
    const writeMs = new Float64Array(streams);
    let dueMs = performance.now() + periodMs;
    for (let k = 0; k < tokens; k++) {
      const last = k === tokens - 1;
      const chunks = fmts.map((f) => frame(f.token(outputToken(k), k + 1, last)) + (last ? frame(f.end(tokens)) + '0\r\n\r\n' : ''));
      await new Promise((r) => setTimeout(r, Math.max(0, dueMs - performance.now() - 2)));
      while (performance.now() < dueMs);
      const startMs = performance.now();
      for (let i = 0; i < streams; i++) {
        sockets[i].write(chunks[i]);
        writeMs[i] = performance.now();
      }
      firstWriteUs.push((writeMs[0] - startMs) * 1000);
      spreadMs.push(writeMs[streams - 1] - writeMs[0]);
      perWriteUs.push(((writeMs[streams - 1] - writeMs[0]) * 1000) / (streams - 1));
      dueMs += periodMs;
    }
    // Let the last bytes drain before the process exits.
    await new Promise((r) => setTimeout(r, 200));
    process.stdout.write(JSON.stringify({ spreadMs, perWriteUs, firstWriteUs }) + '\n');
    for (const s of sockets) s.destroy();
    server.close();
    process.exit(0);
  };
  server.listen(0, '127.0.0.1', () => process.stdout.write(`floor listening on http://127.0.0.1:${(server.address() as { port: number }).port}\n`));
}

function q(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
}
function fmt(xs: number[]): string {
  return `p50 ${q(xs, 0.5).toFixed(3)} ms, p99 ${q(xs, 0.99).toFixed(3)} ms, max ${q(xs, 1).toFixed(3)} ms`;
}
function fmtUs(xs: number[]): string {
  return `p50 ${q(xs, 0.5).toFixed(1)} us, p99 ${q(xs, 0.99).toFixed(1)} us`;
}
