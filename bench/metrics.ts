// Metrics benchmark: a synthetic run of 20,000 requests x 500 tokens (10M token times) written to the store, then
// evaluated for the three SLO types in one call, and the fluid token rate. Also: ways of getting token times
// from JS into DuckDB (300k tokens, the size of a 1000-request run), and the deadline miss as a window function
// over flat token rows against the list_reduce form the store uses.
// The fluid token rate is also timed against its earlier implementation (read from git at --before), alternating
// the two on one stored run, with their answers checked equal.
// Run: node --import tsx bench/metrics.ts [--reps 3] [--requests 20000] [--tokens 500] [--write] [--fluid] [--before REV]
//   --write replaces the "## Metrics" section of bench/RESULTS.md with the figures; with --fluid only the fluid
//   figures are measured, and --write then replaces only those in the section.
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, DuckDBDataChunk, INTEGER, DOUBLE, BIGINT, LIST, listValue } from '@duckdb/node-api';
import { openStore } from '../lib/store/index.ts';
import type { RunEvents, Slo } from '../lib/types.ts';
import { readFluidRate } from '../lib/metrics/fluid.ts';
import { openMetricsInstance } from '../lib/metrics/golden.ts';

const { values: args } = parseArgs({ options: {
  reps: { type: 'string', default: '3' }, requests: { type: 'string', default: '20000' },
  tokens: { type: 'string', default: '500' }, write: { type: 'boolean', default: false },
  fluid: { type: 'boolean', default: false }, before: { type: 'string', default: '1eeb323' } } });
const REPS = Number(args.reps), N = Number(args.requests), K = Number(args.tokens);
const ms = 1_000_000;
const ANY = { models: null, systems: null, traces: null };

/** Deterministic pseudo-random run: Poisson-ish arrivals at 20 qps, TTFT 40-240 ms, gaps 15-35 ms with stalls. */
function makeRun(n: number, k: number): RunEvents {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const requests = [];
  let arrival = 0;
  for (let i = 0; i < n; i++) {
    arrival += Math.round(-Math.log(1 - rand()) * 50 * ms);
    const tokenNs: number[] = [];
    let t = arrival + 40 * ms + Math.round(rand() * 200 * ms);
    for (let j = 0; j < k; j++) {
      tokenNs.push(t);
      t += 15 * ms + Math.round(rand() * 20 * ms) + (rand() < 0.01 ? 300 * ms : 0);
    }
    requests.push({ idx: i, scheduledNs: arrival, sentNs: arrival + Math.round(rand() * 100_000), promptTokensRequested: 100 + (i % 50),
      promptTokens: 100 + (i % 50), outputTokensRequested: k, outputTokens: k, status: 'ok' as const, httpStatus: 200, error: null,
      tokenSource: 'sim' as const, tokenNs, endNs: tokenNs[k - 1] });
  }
  return { fingerprint: 'bench', qps: 20, jobId: 'bench', model: 'm', system: 's', trace: 't', seed: 1, startedAt: new Date().toISOString(),
    durationNs: arrival, clock: 'virtual', complete: true, stopReason: null, lagP99Ns: 0, requests, serverSamples: [] };
}

const SLOS: Slo[] = [
  { name: 'deadline', type: 'deadline', tbtNs: 30 * ms, ttftSlackNs: 100 * ms, maxMissRate: 0.1, percentile: 0.99, appliesTo: ANY },
  { name: 'tbt_ttft', type: 'tbt_ttft', tbt: { maxNs: 50 * ms, percentile: 0.99 }, ttft: { maxNs: 500 * ms, percentile: 0.9 }, appliesTo: ANY },
  { name: 'ttft_tpot', type: 'ttft_tpot', ttft: { maxNs: 500 * ms, percentile: 0.9 }, tpot: { maxNs: 30 * ms, percentile: 0.9 }, appliesTo: ANY },
];

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const cpuMs: Record<string, number[]> = {};
/** Wall time in ms; CPU time (all threads, DuckDB's included) is kept per label, to read past a shared machine. */
async function timeIt(f: () => Promise<unknown>, label = ''): Promise<number> {
  const c = process.cpuUsage(); const t = performance.now(); await f(); const wall = performance.now() - t;
  const d = process.cpuUsage(c); (cpuMs[label] ??= []).push((d.user + d.system) / 1000);
  return wall;
}

async function benchStore() {
  const run = makeRun(N, K);
  const prefill = new Map(Array.from({ length: 50 }, (_, i) => [100 + i, 80 * ms]));
  const write: number[] = [], evaluate: number[] = [], fluid: number[] = [];
  let verdicts = '', rate = 0;
  for (let r = 0; r < REPS; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
    const store = await openStore(dir);
    try {
      let id = '';
      write.push(await timeIt(async () => (id = await store.writeRun(run)), 'write'));
      evaluate.push(await timeIt(async () => {
        const ev = await store.evaluate(id, SLOS, { prefill });
        verdicts = ev.verdicts.map((v) => `${v.slo} ${v.pass ? 'pass' : 'fail'} ${JSON.stringify(v.values)}`).join('; ');
      }, 'evaluate'));
      fluid.push(await timeIt(async () => (rate = await store.fluidTokenRate(id)), 'fluid'));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`rep ${r}: write ${write[r].toFixed(0)} ms, evaluate ${evaluate[r].toFixed(0)} ms, fluid ${fluid[r].toFixed(0)} ms (CPU ${cpuMs.write[r].toFixed(0)}, ${cpuMs.evaluate[r].toFixed(0)}, ${cpuMs.fluid[r].toFixed(0)})`);
  }
  return { write, evaluate, fluid, verdicts, rate };
}

/** 300k token times into DuckDB three ways (median of 5). */
async function benchIngest() {
  const n = 600, k = 500;
  const toks = Array.from({ length: n }, (_, r) => Array.from({ length: k }, (_, i) => r * 1e8 + i * 2e7 + 12345));
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const ways: Record<string, () => Promise<void>> = {
    'appender, one row per token (BIGINT via BigInt)': async () => {
      const ap = await c.createAppender('flat');
      for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) { ap.appendInteger(r); ap.appendInteger(i); ap.appendBigInt(BigInt(toks[r][i])); ap.endRow(); }
      ap.closeSync();
    },
    'data chunks, one row per token (typed vectors)': async () => {
      const ap = await c.createAppender('flat');
      const ch = DuckDBDataChunk.create([INTEGER, INTEGER, BIGINT], 2048);
      const v = [0, 1, 2].map((i) => ch.getColumnVector(i)) as unknown as { setItem(i: number, x: unknown): void; flush(): void }[];
      let m = 0;
      const flush = () => { for (const x of v) x.flush(); ch.rowCount = m; ap.appendDataChunk(ch); m = 0; };
      for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) { v[0].setItem(m, r); v[1].setItem(m, i); v[2].setItem(m, BigInt(toks[r][i])); if (++m === 2048) flush(); }
      if (m) flush();
      ap.closeSync();
    },
    'data chunks, one LIST(DOUBLE) per request (the store\'s way)': async () => {
      const ap = await c.createAppender('lists');
      const ch = DuckDBDataChunk.create([INTEGER, LIST(DOUBLE)], 2048);
      for (let s = 0; s < n; s += 2048) {
        const part = toks.slice(s, s + 2048);
        ch.setColumns([part.map((_, j) => s + j), part.map((a) => listValue(a))]);
        ap.appendDataChunk(ch);
      }
      ap.closeSync();
    },
  };
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(ways)) {
    const xs: number[] = [];
    for (let r = 0; r < 5; r++) {
      await c.run('CREATE OR REPLACE TABLE flat (r INTEGER, i INTEGER, t_ns BIGINT); CREATE OR REPLACE TABLE lists (r INTEGER, ts DOUBLE[])');
      xs.push(await timeIt(f));
    }
    const cnt = await c.runAndReadAll('SELECT (SELECT count(*) FROM flat) + (SELECT coalesce(sum(len(ts)), 0) FROM lists)');
    if (Number(cnt.getRows()[0][0]) !== n * k) throw new Error(`${name}: expected ${n * k} tokens, found ${cnt.getRows()[0][0]}`);
    out[name] = median(xs);
    console.log(`ingest 300k: ${name}: ${out[name].toFixed(1)} ms`);
  }
  c.closeSync();
  db.closeSync();
  return out;
}

/** One deadline SLO over 10M tokens: window function over flat rows vs list_reduce over per-request lists. */
async function benchDeadlineForms() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  const store = await openStore(dir);
  try {
    await store.writeRun(makeRun(N, K));
    const window = `WITH u AS (SELECT request_idx, idx, t_ns - (SELECT scheduled_ns FROM requests r WHERE r.request_idx = t.request_idx) - 180000000 - idx * 30000000::BIGINT AS u FROM tokens t),
      b AS (SELECT request_idx, u, greatest(0, coalesce(max(u) OVER (PARTITION BY request_idx ORDER BY idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS base FROM u),
      r AS (SELECT request_idx, sum(CASE WHEN u <= base THEN 1 ELSE 0 END) AS on_time, sum(CASE WHEN u > base THEN 1 + (u - base) // 30000000 ELSE 0 END) AS missed FROM b GROUP BY request_idx)
      SELECT quantile_cont(missed / (on_time + missed), 0.99) AS q FROM r`;
    const lists = `SELECT quantile_cont(hr_miss_rate(hr_deadline_state(token_ns, scheduled_ns, 180000000, 30000000)), 0.99) AS q FROM requests`;
    const res: Record<string, number> = {};
    const answers: unknown[] = [];
    for (const [name, sql] of [['window over flat token rows', window], ['list_reduce over per-request lists', lists]] as const) {
      const xs: number[] = [];
      for (let r = 0; r < REPS; r++) xs.push(await timeIt(async () => answers.push((await store.query(sql))[0].q), name));
      res[name] = median(xs);
      console.log(`deadline form: ${name}: ${res[name].toFixed(0)} ms`);
    }
    if (new Set(answers).size !== 1) throw new Error(`the two deadline forms disagree: ${answers.join(', ')}`);
    return res;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type ReadFluid = typeof readFluidRate;
/** The fluid rate module as it was at a git revision, in a temp folder; its imports point at today's helpers. */
async function importFluidAt(rev: string, dir: string): Promise<ReadFluid> {
  const git = (path: string) => execFileSync('git', ['show', `${rev}:${path}`], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  const names = execFileSync('git', ['ls-tree', '--name-only', `${rev}`, 'lib/metrics/sql/'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' })
    .split('\n').filter((p) => /\/fluid-[\w-]+\.sql$/.test(p));
  mkdirSync(join(dir, 'sql'), { recursive: true });
  for (const p of names) writeFileSync(join(dir, 'sql', p.split('/').pop()!), git(p));
  const duckdb = pathToFileURL(createRequire(import.meta.url).resolve('@duckdb/node-api')).href;
  const code = git('lib/metrics/fluid.ts').replaceAll("'@duckdb/node-api'", `'${duckdb}'`)
    .replace("'../store/sql-text.ts'", `'${new URL('../lib/store/sql-text.ts', import.meta.url).href}'`)
    .replace("'./run-source.ts'", `'${new URL('../lib/metrics/run-source.ts', import.meta.url).href}'`);
  writeFileSync(join(dir, 'fluid.mts'), code);
  return (await import(pathToFileURL(join(dir, 'fluid.mts')).href)).readFluidRate as ReadFluid;
}

/** The fluid rate on one stored run, the earlier implementation and today's alternating; the answers must agree. */
async function benchFluidBeforeAfter() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  const store = await openStore(dir);
  const instance = await openMetricsInstance();
  try {
    const before = await importFluidAt(args.before!, join(dir, 'fluid-before'));
    const id = await store.writeRun(makeRun(N, K));
    const path = join(dir, 'runs', id, 'requests.parquet');
    const wall: Record<'before' | 'after', number[]> = { before: [], after: [] };
    const rates = new Set<number>();
    for (let r = 0; r < REPS; r++) {
      for (const [name, f] of [['before', before], ['after', readFluidRate]] as const) {
        wall[name].push(await timeIt(async () => rates.add((await f(instance, path)).tokensPerS), `fluid ${name}`));
      }
      console.log(`fluid rep ${r}: before ${wall.before[r].toFixed(0)} ms, after ${wall.after[r].toFixed(0)} ms`);
    }
    if (rates.size !== 1) throw new Error(`fluid rate before and after disagree: ${[...rates].join(', ')}`);
    return { wall, rate: [...rates][0] };
  } finally {
    instance.closeSync();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fluid = await benchFluidBeforeAfter();
const fluidRssMiB = process.resourceUsage().maxRSS / 1024;
const ratio = median(fluid.wall.before) / median(fluid.wall.after);
console.log(`fluid: before ${median(fluid.wall.before).toFixed(0)} ms, after ${median(fluid.wall.after).toFixed(0)} ms (${ratio.toFixed(1)}x); ` +
  `peak RSS so far ${fluidRssMiB.toFixed(0)} MiB`);
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fluidSection = () => [
  '### Fluid token rate, before and after', '',
  `Same stored run (${N.toLocaleString('en')} x ${K} tokens), same DuckDB instance, the two alternating, ${REPS} repetitions each; ` +
    `"before" is lib/metrics/fluid.ts at ${args.before}. Both give ${fluid.rate.toFixed(4)} tokens/s.`, '',
  '| fluidTokenRate | median wall | all wall | median CPU (all threads) |', '|---|---|---|---|',
  ...(['before', 'after'] as const).map((k) =>
    `| ${k} | ${fmt(median(fluid.wall[k]))} ms | ${fluid.wall[k].map(fmt).join(', ')} | ${fmt(median(cpuMs[`fluid ${k}`]))} ms |`),
  `| ratio before / after | ${ratio.toFixed(1)}x | | ${(median(cpuMs['fluid before']) / median(cpuMs['fluid after'])).toFixed(1)}x |`, '',
  `Peak RSS of the benchmark process by then: ${fluidRssMiB.toFixed(0)} MiB (it also held the run as JS events to write it).`, '',
].join('\n');

/** Replace (or append) one block of the "## Metrics" section of RESULTS.md, from its first line to the next blank-line-led heading. */
function writeResultsBlock(heading: string, block: string) {
  const path = new URL('./RESULTS.md', import.meta.url);
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('\n## Metrics\n');
  if (start < 0) throw new Error('bench/RESULTS.md has no "## Metrics" section to add the fluid figures to');
  const next = text.indexOf('\n## ', start + 1);
  const end = next < 0 ? text.length : next;
  let section = text.slice(start + 1, end);
  const at = section.indexOf(heading);
  if (at < 0) section = section.trimEnd() + '\n\n' + block;
  else {
    const after = section.indexOf('\n#', at + heading.length);
    section = section.slice(0, at) + block + (after < 0 ? '' : section.slice(after + 1));
  }
  writeFileSync(path, text.slice(0, start + 1) + section.trimEnd() + '\n' + (next < 0 ? '' : text.slice(next)));
}

if (args.fluid) {
  if (args.write) {
    writeResultsBlock('### Fluid token rate, before and after', fluidSection());
    // The step table's fluid row is today's implementation on this run too.
    const path = new URL('./RESULTS.md', import.meta.url);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^\| fluidTokenRate \(.*$/m,
      `| fluidTokenRate (threshold brackets, then Etalon's bisection near the p99; --fluid run) | ${fmt(median(fluid.wall.after))} ms | ` +
      `${fluid.wall.after.map(fmt).join(', ')} | ${fmt(median(cpuMs['fluid after']))} ms |`));
    console.log('wrote the fluid figures into the Metrics section of bench/RESULTS.md');
  }
  process.exit(0);
}

const s = await benchStore();
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS ${rssMiB.toFixed(0)} MiB; fluid rate ${s.rate.toFixed(2)} tokens/s; ${s.verdicts}`);
const ingest = await benchIngest();
const forms = await benchDeadlineForms();

if (args.write) {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const load = (await import('node:os')).loadavg()[0].toFixed(1);
  const section = [
    '## Metrics', '',
    `\`node --import tsx bench/metrics.ts --write\` on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0].model.trim()}), ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, DuckDB 1.5 (@duckdb/node-api); load average ${load} at the end (shared machine). ` +
      `Medians of ${REPS} repetitions.`, '',
    `Synthetic run: ${N.toLocaleString('en')} requests x ${K} tokens = ${(N * K / 1e6).toFixed(0)}M token times.`, '',
    '| step | median wall | all wall | median CPU (all threads) |', '|---|---|---|---|',
    `| writeRun (validate, stage in DuckDB, 3 Parquet files, rename) | ${f(median(s.write))} ms | ${s.write.map(f).join(', ')} | ${f(median(cpuMs.write))} ms |`,
    `| evaluate: deadline + tbt_ttft + ttft_tpot in one call | ${f(median(s.evaluate))} ms | ${s.evaluate.map(f).join(', ')} | ${f(median(cpuMs.evaluate))} ms |`,
    `| fluidTokenRate (threshold brackets, then Etalon's bisection near the p99) | ${f(median(s.fluid))} ms | ${s.fluid.map(f).join(', ')} | ${f(median(cpuMs.fluid))} ms |`,
    `| peak RSS of the whole benchmark process | ${rssMiB.toFixed(0)} MiB | | |`, '',
    `Verdicts: ${s.verdicts}; fluid rate ${s.rate.toFixed(2)} tokens/s.`, '',
    'Getting 300k token times (600 requests x 500) from JS into DuckDB, median of 5:', '',
    '| way | median |', '|---|---|',
    ...Object.entries(ingest).map(([k, v]) => `| ${k} | ${f(v)} ms |`), '',
    `One deadline SLO over the ${(N * K / 1e6).toFixed(0)}M tokens, same answer both ways, median of ${REPS}:`, '',
    '| form | median |', '|---|---|',
    ...Object.entries(forms).map(([k, v]) => `| ${k} | ${f(v)} ms |`), '',
    `CPU time (all threads) of those: ${Object.keys(forms).map((k) => `${k} ${f(median(cpuMs[k]))} ms`).join('; ')}.`, '',
    fluidSection(),
  ].join('\n');
  const path = new URL('./RESULTS.md', import.meta.url);
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('\n## Metrics\n');
  let next = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const updated = start < 0 ? text.trimEnd() + '\n\n' + section : text.slice(0, start + 1) + section + (next < 0 ? '' : text.slice(next));
  writeFileSync(path, updated);
  console.log('wrote the Metrics section of bench/RESULTS.md');
}
