// Etalon's profiling (one request per length, no warm-up, on a freshly started server) against headroom's
// (warm-up at both ends, 3 requests per length, median), both over HTTP against the simulated engine in real time
// started as its own process, each trial on a fresh server. Error of each measured point vs the true idle TTFT.
//   node --import tsx bench/profile-warmup.ts [trials=5]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPromptMaker } from '../lib/load/prompts.ts';
import { normalizeSimSettings } from '../lib/sim/defaults.ts';
import { idleTtftNs } from '../lib/sim/virtual.ts';
import { httpMeasure, profilePrefill, type PrefillPoint } from '../lib/profile/profile.ts';
import { fitPrefill, predictPrefillNs } from '../lib/profile/fit.ts';

const TRIALS = Number(process.argv[2] ?? 5);
const LENGTHS = [256, 512, 1024, 2048, 4096, 8192];
const settings = normalizeSimSettings({ scheduler: 'vllm', clock: 'real' });
const truth = (n: number) => idleTtftNs(settings, 'llama-3-8b', { tp: 1, pp: 1 }, n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function withFreshServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const main = fileURLToPath(new URL('../lib/sim/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--served-model-name', 'm', '--max-model-len', '16384', '--settings', JSON.stringify(settings)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`sim server exited with ${code} before it was ready`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /listening on (\S+)/.exec(line);
        if (m) resolve(m[1]);
      });
    });
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function etalonStyle(url: string): Promise<PrefillPoint[]> {
  const measure = httpMeasure({ baseUrl: url, model: 'm', prompts: await createPromptMaker({ kind: 'sim' }) });
  const points: PrefillPoint[] = [];
  for (const n of LENGTHS) points.push({ promptTokens: n, ttftNs: (await measure(n, 1))[0] });
  return points;
}

async function headroomStyle(url: string): Promise<PrefillPoint[]> {
  const measure = httpMeasure({ baseUrl: url, model: 'm', prompts: await createPromptMaker({ kind: 'sim' }) });
  return profilePrefill({ lengths: LENGTHS, repetitions: 3, outputTokens: 16 }, measure);
}

const errs = (points: PrefillPoint[]) => points.map((p) => p.ttftNs / truth(p.promptTokens) - 1);
const results: Record<string, { first: number[]; worst: number[]; fitWorst: number[] }> = {
  etalon: { first: [], worst: [], fitWorst: [] },
  headroom: { first: [], worst: [], fitWorst: [] },
};
for (let t = 0; t < TRIALS; t++) {
  for (const [name, run] of [['etalon', etalonStyle], ['headroom', headroomStyle]] as const) {
    const points = await withFreshServer(async (url) => (process.stderr.write(`trial ${t} ${name} ${url}\n`), run(url)));
    const e = errs(points);
    results[name].first.push(e[0]);
    results[name].worst.push(Math.max(...e.map(Math.abs)));
    try {
      const fit = fitPrefill(points, { maxWorstRelErr: Infinity, monotoneTolerance: 1 });
      let w = 0;
      for (let n = 256; n <= 8192; n += 64) w = Math.max(w, Math.abs(predictPrefillNs(fit, n) / truth(n) - 1));
      results[name].fitWorst.push(w);
    } catch (err) {
      results[name].fitWorst.push(NaN);
    }
  }
}
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
console.log(`### Profiling a fresh real-time sim server (vLLM scheduler, Llama-3-8B/H100), ${TRIALS} trials, medians\n`);
console.log('| method | error of the first (256-token) point | worst point error | worst fit error 256..8192 |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${pct(median(r.first))} | ${pct(median(r.worst))} | ${pct(median(r.fitWorst))} |`);
}
