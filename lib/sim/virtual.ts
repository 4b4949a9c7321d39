// Virtual time: the engine runs as fast as it can over a whole schedule, jumping the clock from one iteration's
// end to the next (or to the next arrival when idle). Same seed and settings, same events, to the nanosecond.
import type { ParallelSpec, RequestEvents, ScheduledRequest, ServerSample, SimSettings } from '../types.ts';
import { SimEngine } from './engine.ts';

export interface VirtualRunInput {
  settings: SimSettings;
  simModel: string;
  parallel: ParallelSpec;
  schedule: ScheduledRequest[];
  maxModelLen?: number | null;
  /**
   * Called about every simulated `checkEveryNs` (default 1 s) with the requests that have arrived so far; return
   * true to stop the run early (unfinished requests are then recorded as 'cancelled' with the tokens they got).
   */
  shouldStop?: (requests: readonly RequestEvents[], nowNs: number) => boolean;
  checkEveryNs?: number;
  /** Engine gauges are sampled about this often (simulated; default 1 s), like a /metrics scrape. */
  sampleEveryNs?: number;
}

export interface VirtualRunResult {
  requests: RequestEvents[];
  durationNs: number;
  stoppedEarly: boolean;
  /** Engine gauges (running, waiting, KV use, preemptions) over the run, as the real server's /metrics gives. */
  serverSamples: ServerSample[];
}

export function simulateRun(input: VirtualRunInput): VirtualRunResult {
  const engine = new SimEngine(input);
  const order = input.schedule.map((_, i) => i).sort((a, b) => input.schedule[a].scheduledNs - input.schedule[b].scheduledNs || a - b);
  const events: RequestEvents[] = input.schedule.map((s) => ({
    idx: s.idx,
    scheduledNs: s.scheduledNs,
    sentNs: s.scheduledNs,
    promptTokensRequested: s.promptTokens,
    promptTokens: s.promptTokens,
    outputTokensRequested: s.outputTokens,
    outputTokens: null,
    status: 'ok',
    httpStatus: 200,
    error: null,
    tokenSource: 'sim',
    tokenNs: [],
    endNs: null,
  }));
  const reqs = input.schedule.map((s, i) => engine.submit({ id: i, promptTokens: s.promptTokens, maxTokens: s.outputTokens, arrivalNs: s.scheduledNs }));
  for (const r of reqs) {
    if (r.state !== 'rejected') continue;
    const e = events[r.id];
    Object.assign(e, { status: 'http_error', httpStatus: 400, error: r.error, promptTokens: null, outputTokens: 0, endNs: r.readyNs });
  }

  const checkEveryNs = input.checkEveryNs ?? 1e9;
  let nextCheckNs = checkEveryNs;
  let arrived = 0; // prefix of `order` already arrived, for shouldStop
  let nowNs = 0;
  let stoppedEarly = false;
  const sampleEveryNs = input.sampleEveryNs ?? 1e9;
  let nextSampleNs = 0;
  const serverSamples: ServerSample[] = [];
  for (;;) {
    if (!engine.hasWork()) {
      const next = engine.nextReadyNs();
      if (next === null) break;
      nowNs = Math.max(nowNs, next);
    }
    while (nextSampleNs <= nowNs) {
      // Gauges hold their value between iterations; a sample due while the engine was idle shows the idle state.
      const g = engine.gauges();
      serverSamples.push({ tNs: nextSampleNs, running: g.running, waiting: g.waiting, kvUsage: g.kvUsage, preemptions: g.preemptions });
      nextSampleNs += sampleEveryNs;
    }
    const res = engine.step(nowNs);
    if (!res) continue;
    nowNs = res.endNs;
    for (const r of res.produced) events[r.id].tokenNs.push(nowNs);
    for (const r of res.finished) events[r.id].endNs = nowNs;
    if (input.shouldStop && nowNs >= nextCheckNs) {
      nextCheckNs = nowNs - (nowNs % checkEveryNs) + checkEveryNs;
      while (arrived < order.length && input.schedule[order[arrived]].scheduledNs <= nowNs) arrived++;
      const sofar = order.slice(0, arrived).map((i) => events[i]);
      if (input.shouldStop(sofar, nowNs)) {
        stoppedEarly = true;
        break;
      }
    }
  }
  for (const r of reqs) {
    const e = events[r.id];
    if (r.state === 'rejected') continue;
    e.outputTokens = e.tokenNs.length;
    if (r.state === 'finished') continue;
    // Only an early stop leaves requests unfinished.
    e.status = 'cancelled';
    e.httpStatus = null;
    e.error = 'run stopped early';
    if (e.scheduledNs > nowNs) {
      e.sentNs = null;
      e.promptTokens = null;
    }
    e.endNs = null;
  }
  return { requests: events, durationNs: nowNs, stoppedEarly, serverSamples };
}

/** TTFT of one request alone on an idle server (incl. the per-request HTTP/tokenize overhead): the true prefill curve. */
export function idleTtftNs(settings: SimSettings, simModel: string, parallel: ParallelSpec, promptTokens: number): number {
  const engine = new SimEngine({ settings, simModel, parallel, maxModelLen: Number.MAX_SAFE_INTEGER });
  const req = engine.submit({ id: 0, promptTokens, maxTokens: 1, arrivalNs: 0 });
  if (req.state === 'rejected') throw new Error(`idleTtftNs: a ${promptTokens}-token prompt cannot run on ${simModel}: ${req.error}`);
  let nowNs = req.readyNs;
  for (;;) {
    const res = engine.step(nowNs)!;
    nowNs = res.endNs;
    if (res.produced.length > 0) return nowNs;
  }
}
