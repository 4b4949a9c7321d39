// Emission error of the real-time simulated server: how late each token is handed to the socket compared with
// its simulated time, with N concurrent streams from a client in another process (this one). Reads the
// server's emission log (lib/sim/emission-log.ts). Also shows what the client saw (receive time - sim time).
// Target: p99 emission error <= 2 ms at 500 concurrent streams.
//   node --import tsx bench/sim-emission.ts [streams=500] [tokens=100]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const streams = Number(process.argv[2] ?? 500);
const tokens = Number(process.argv[3] ?? 100);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sim-emission-'));
const log = join(dir, 'emission.csv');
const MODEL = 'sim-bench';

const child = spawn(process.execPath, ['--import', 'tsx', 'lib/sim/main.ts', '--port', '0', '--served-model-name', MODEL,
  '--settings', JSON.stringify({ maxNumSeqs: 1024 }), '--emission-log', log], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
    const m = /listening on (\S+)\n/.exec(out);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`sim server exited ${code}`)));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: streams + 10 });
const received = new Map<string, bigint[]>();
function one(i: number): Promise<void> {
  const id = `r${i}`;
  const times: bigint[] = [];
  received.set(id, times);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-request-id': id } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const t = process.hrtime.bigint();
        for (let k = c.indexOf('"text"'); k >= 0; k = c.indexOf('"text"', k + 1)) times.push(t);
      });
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: MODEL, prompt: 'tell me a story about the sea', max_tokens: tokens, stream: true, ignore_eos: true }));
  });
}
const t0 = performance.now();
await Promise.all(Array.from({ length: streams }, (_, i) => one(i)));
const wallS = (performance.now() - t0) / 1000;
// utime + stime of the server process, in clock ticks (100 per second on Linux).
const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
const serverCpuS = (Number(stat[11]) + Number(stat[12])) / 100;
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));

const emitMs: number[] = [];
const steadyMs: number[] = [];
const byIndex = new Map<number, number[]>();
const clientMs: number[] = [];
const rows = readFileSync(log, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('request_id')).map((l) => l.split(','));
// Steady state: after every stream has its first token (the arrival burst of all streams is over).
let steadyFromNs = 0n;
for (const [, idx, sim] of rows) if (idx === '0' && BigInt(sim) > steadyFromNs) steadyFromNs = BigInt(sim);
for (const [id, idx, sim, write] of rows) {
  const e = Number(BigInt(write) - BigInt(sim)) / 1e6;
  emitMs.push(e);
  if (BigInt(sim) > steadyFromNs) steadyMs.push(e);
  const bucket = Math.min(Number(idx), 10);
  byIndex.set(bucket, [...(byIndex.get(bucket) ?? []), e]);
  const got = received.get(id)?.[Number(idx)];
  if (got !== undefined) clientMs.push(Number(got - BigInt(sim)) / 1e6);
}
if (process.env.KEEP_LOG) console.log(`log kept at ${log}`);
else rmSync(dir, { recursive: true });
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
};
const fmt = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(3)} ms, p99 ${q(xs, 0.99).toFixed(3)} ms, max ${q(xs, 1).toFixed(3)} ms`;
console.log(`${streams} streams x ${tokens} tokens in ${wallS.toFixed(1)} s (${emitMs.length} tokens logged); server CPU ${serverCpuS.toFixed(2)} s (${((serverCpuS * 1e6) / Math.max(1, emitMs.length)).toFixed(0)} us per token incl. startup)`);
console.log(`emission error (write - sim):   ${fmt(emitMs)}`);
console.log(`  after the arrival burst:      ${fmt(steadyMs)} (${steadyMs.length} tokens)`);
console.log(`client receive - sim:           ${fmt(clientMs)}`);
console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (process.env.DETAIL) for (const [k, v] of [...byIndex].sort((a, b) => a[0] - b[0])) console.log(`  token ${k === 10 ? '>=10' : k}: ${fmt(v)}`);
