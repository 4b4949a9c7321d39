// How fast the simulator runs in virtual time: a 1000-request ShareGPT run near capacity, per scheduler.
// Target: <= 0.3 s per run on the 2-core development machine. Prints a table to paste into RESULTS.md.
//   node --import tsx bench/sim-virtual.ts
import { normalizeSimSettings } from '../lib/sim/defaults.ts';
import { simulateRun } from '../lib/sim/virtual.ts';
import { buildTraceSchedule, median, type TraceName } from './sim-workload.ts';

const REPEATS = 9;
const cases: { trace: TraceName; scheduler: 'vllm' | 'sarathi'; qps: number }[] = [
  { trace: 'sharegpt', scheduler: 'vllm', qps: 3 },
  { trace: 'sharegpt', scheduler: 'sarathi', qps: 3 },
  { trace: 'sharegpt', scheduler: 'vllm', qps: 6 },
  { trace: 'arxiv', scheduler: 'sarathi', qps: 2 },
];

// One untimed run first: a capacity search runs many probes in one process, so the JIT is warm for all but one.
simulateRun({ settings: normalizeSimSettings(), simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 }, schedule: buildTraceSchedule('sharegpt', 1000, 7, 3) });
// Wall time is what a search waits for; CPU time (user + system of this process) is less sensitive to other
// processes competing for the 2 cores.
console.log('| trace | scheduler | QPS | simulated s | iterations | tokens | wall ms (median of 9) | min ms | CPU ms (median) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  const schedule = buildTraceSchedule(c.trace, 1000, 42, c.qps);
  const settings = normalizeSimSettings({ scheduler: c.scheduler });
  const times: number[] = [];
  const cpu: number[] = [];
  let res;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    res = simulateRun({ settings, simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 }, schedule });
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const tokens = res!.requests.reduce((n, r) => n + r.tokenNs.length, 0);
  const steps = new Set(res!.requests.flatMap((r) => r.tokenNs)).size;
  console.log(`| ${c.trace} | ${c.scheduler} | ${c.qps} | ${(res!.durationNs / 1e9).toFixed(0)} | ~${steps} | ${tokens} | ${median(times).toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${median(cpu).toFixed(0)} |`);
}
