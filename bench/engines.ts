// Costs of the engine lifecycle and the local executor, measured with the fixture engine and the sim:
//   - how long after a server is ready startServer notices (readiness polling),
//   - what headroom adds to a start (log file, port, watchdog) over the bare process,
//   - stop time for a server that honours SIGTERM and for one that ignores it,
//   - one /metrics scrape of the sim, and parsing a large vLLM-sized /metrics body,
//   - planning 1000 jobs on 8 GPUs.
// Run: node --import tsx bench/engines.ts [--reps N]   (writes nothing; paste the table into bench/RESULTS.md)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/engines/server.ts';
import { findFreePort } from '../lib/engines/ports.ts';
import { startScraper } from '../lib/engines/scrape.ts';
import { parsePrometheusText } from '../lib/engines/prometheus.ts';
import { planPacking } from '../lib/exec/pack.ts';
import { makeJob } from '../test/fixtures/engines/make-job.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const fakeEngine = path.join(repoRoot, 'test/fixtures/engines/fake-engine.mjs');
const reps = Number(process.argv[process.argv.indexOf('--reps') + 1]) || 7;
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-engines-'));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows: [string, number, string][] = [];
const report = (name: string, xs: number[], unit = 'ms') => {
  rows.push([name, median(xs), `${unit}, min ${Math.min(...xs).toFixed(1)} max ${Math.max(...xs).toFixed(1)}, n=${xs.length}`]);
  console.log(`${name}: median ${median(xs).toFixed(2)} ${unit} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`);
};

function fakeJob(mode: string, extra: string[] = []) {
  return makeJob({
    id: `bench/${mode}`,
    system: { command: [process.execPath, fakeEngine, '--host', '{host}', '--port', '{port}', '--mode', mode, ...extra] },
  });
}

// Bare process: spawn the fixture and wait for its "ready at" line on stdout.
async function bareStartMs(): Promise<number> {
  const port = await findFreePort();
  const t0 = Date.now();
  const child = spawn(process.execPath, [fakeEngine, '--port', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready at')) resolve();
    });
  });
  const ms = Date.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return ms;
}

const detectMs: number[] = [];
const startMs: number[] = [];
const bareMs: number[] = [];
const stopMs: number[] = [];
const stopIgnoreMs: number[] = [];
for (let i = 0; i < reps; i++) {
  bareMs.push(await bareStartMs());
  const t0 = Date.now();
  const server = await startServer(fakeJob('ok', ['--start-delay-ms', String(300 + 97 * i)]), { gpus: [], logDir, repoRoot, stopGraceMs: 5000 });
  const returned = Date.now();
  startMs.push(returned - t0 - (300 + 97 * i));
  // The log is appended to on every start of the same job; the last ready line is this start's.
  const readyAt = Number([...fs.readFileSync(server.logPath!, 'utf8').matchAll(/ready at (\d+)/g)].at(-1)![1]);
  detectMs.push(returned - readyAt);
  const s0 = Date.now();
  await server.stop();
  stopMs.push(Date.now() - s0);

  const stubborn = await startServer(fakeJob('ignore-term'), { gpus: [], logDir, repoRoot, stopGraceMs: 1000 });
  const k0 = Date.now();
  await stubborn.stop();
  stopIgnoreMs.push(Date.now() - k0);
}
report('ready noticed after the server is ready', detectMs);
report('bare fixture start (spawn to ready)', bareMs);
report('startServer minus start delay (fixture)', startMs);
report('stop, server honours SIGTERM', stopMs);
report('stop, server ignores SIGTERM (grace 1000 ms)', stopIgnoreMs);

// The sim through its preset: start, one scrape, stop.
const simStart: number[] = [];
const scrapeMs: number[] = [];
for (let i = 0; i < Math.min(reps, 5); i++) {
  const job = makeJob({ id: 'bench/sim', system: { engine: 'sim', startTimeoutNs: 60e9 } });
  const t0 = Date.now();
  const server = await startServer(job, { gpus: [], logDir, repoRoot, stopGraceMs: 5000 });
  simStart.push(Date.now() - t0);
  for (let k = 0; k < 20; k++) {
    const s0 = performance.now();
    await (await startScraper(server.metricsUrl!, 'sim', { intervalMs: 60_000 })).stop();
    scrapeMs.push(performance.now() - s0);
  }
  await server.stop();
}
report('sim startServer (node + tsx + sim) to ready', simStart);
report('one /metrics scrape of the sim (fetch + parse + map)', scrapeMs);

// A large /metrics body: 40 histograms x 30 buckets x 4 label sets, like vLLM with several models.
const lines: string[] = [];
for (let h = 0; h < 40; h++) for (let m = 0; m < 4; m++) for (let b = 0; b < 30; b++) {
  lines.push(`vllm:hist_${h}_bucket{le="${b / 10}",model_name="model-${m}",engine="0"} ${b * 17}`);
}
lines.push('vllm:num_requests_running{model_name="model-0"} 12');
const body = lines.join('\n');
const parseMs: number[] = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  parsePrometheusText(body);
  parseMs.push(performance.now() - t0);
}
report(`parse a ${(body.length / 1024).toFixed(0)} KiB /metrics body (${lines.length} samples)`, parseMs);

const jobs = Array.from({ length: 1000 }, (_v, i) => makeJob({ id: `j${i}`, tp: [1, 2, 4, 8][i % 4] }));
const planMs: number[] = [];
for (let i = 0; i < 9; i++) {
  const t0 = performance.now();
  planPacking(jobs, [0, 1, 2, 3, 4, 5, 6, 7]);
  planMs.push(performance.now() - t0);
}
report('planPacking, 1000 jobs (TP 1/2/4/8) on 8 GPUs', planMs);

fs.rmSync(logDir, { recursive: true, force: true });
console.log('\n| measurement | median | spread |\n|---|---|---|');
for (const [name, med, rest] of rows) console.log(`| ${name} | ${med.toFixed(med < 10 ? 2 : 0)} | ${rest} |`);
