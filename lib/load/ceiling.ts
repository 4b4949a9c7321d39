// The client's own ceiling: the highest QPS at which it still sends on time (p99 of sent - scheduled within the
// lag bound) with every request completing, found by doubling then bisecting. Used by `calibrate` against the
// simulated engine and by bench/load-ceiling.ts against the fixture server.
import type { ClientSettings, RequestEvents, ScheduledRequest } from '../types.ts';
import { runLoad } from './driver.ts';
import { createPromptMaker } from './prompts.ts';

export interface CeilingOptions {
  baseUrl: string;
  model: string;
  /** Threads for the client (1 = this thread only). */
  workers: number;
  maxLagNs: number;
  /** Length of each step's run, in seconds of arrivals. */
  seconds: number;
  promptTokens: number;
  outputTokens: number;
  startQps: number;
  maxQps: number;
  /** Bisection steps after the first failing QPS. */
  bisectSteps: number;
  endpoint?: ClientSettings['endpoint'];
  /** Run a failing QPS a second time before believing it (default true). */
  confirmFailures?: boolean;
  onStep?: (step: CeilingStep) => void;
}

export interface CeilingStep {
  qps: number;
  workers: number;
  requests: number;
  ok: number;
  lagP99Ns: number;
  /** Most streams open at once during the run. */
  peakInFlight: number;
  /** Output tokens received per second, between the first send and the last end. */
  tokensPerSecond: number;
  pass: boolean;
}

export interface Ceiling {
  steps: CeilingStep[];
  /** The best passing step, or null when even the start QPS failed. */
  best: CeilingStep | null;
}

export function measurePeakInFlight(requests: readonly RequestEvents[]): number {
  const events: [number, number][] = [];
  for (const r of requests) {
    if (r.sentNs === null) continue;
    events.push([r.sentNs, 1], [r.endNs ?? r.sentNs, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0, peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (open += d));
  return peak;
}

async function runStep(opts: CeilingOptions, qps: number): Promise<CeilingStep> {
  const count = Math.max(20, Math.round(qps * opts.seconds));
  const schedule: ScheduledRequest[] = Array.from({ length: count }, (_, idx) => ({
    idx, scheduledNs: Math.round((idx * 1e9) / qps), promptTokens: opts.promptTokens, outputTokens: opts.outputTokens,
  }));
  const client: ClientSettings = {
    endpoint: opts.endpoint ?? 'completions', timeoutNs: 60e9, warmupRequests: Math.min(8, count), maxLagNs: opts.maxLagNs,
    ignoreEos: true, workers: opts.workers, drainNs: 60e9,
  };
  const result = await runLoad({ baseUrl: opts.baseUrl, model: opts.model, client, schedule, prompts: await createPromptMaker({ kind: 'sim' }) });
  const ok = result.requests.filter((r) => r.status === 'ok');
  const tokens = ok.reduce((s, r) => s + r.tokenNs.length, 0);
  const first = Math.min(...result.requests.map((r) => r.sentNs ?? Infinity));
  const last = Math.max(...result.requests.map((r) => r.endNs ?? 0));
  return {
    qps, workers: opts.workers, requests: count, ok: ok.length, lagP99Ns: result.lagP99Ns,
    peakInFlight: measurePeakInFlight(result.requests),
    tokensPerSecond: last > first ? tokens / ((last - first) / 1e9) : 0,
    pass: ok.length === count && result.lagP99Ns <= opts.maxLagNs,
  };
}

export async function findClientCeiling(opts: CeilingOptions): Promise<Ceiling> {
  const steps: CeilingStep[] = [];
  const step = async (qps: number) => {
    let s = await runStep(opts, qps);
    steps.push(s);
    opts.onStep?.(s);
    // On a shared machine one descheduling fails a step by itself; a QPS fails only when a second run agrees.
    if (!s.pass && opts.confirmFailures !== false) {
      s = await runStep(opts, qps);
      steps.push(s);
      opts.onStep?.(s);
    }
    return s;
  };
  let good: CeilingStep | null = null;
  let badQps: number | null = null;
  for (let qps = opts.startQps; qps <= opts.maxQps; qps *= 2) {
    const s = await step(qps);
    if (!s.pass) {
      badQps = qps;
      break;
    }
    good = s;
  }
  if (badQps !== null) {
    let lo = good?.qps ?? 0;
    let hi = badQps;
    for (let i = 0; i < opts.bisectSteps && hi - lo > 1; i++) {
      const mid = Math.round(lo > 0 ? Math.sqrt(lo * hi) : hi / 2);
      if (mid <= lo || mid >= hi) break;
      const s = await step(mid);
      if (s.pass) {
        good = s;
        lo = mid;
      } else hi = mid;
    }
  }
  return { steps, best: good };
}
