// The open-loop sender for one thread's share of a run: sends each request when it is due, whatever is in
// flight, and reports each request's events as it ends. Used in-process, or inside a worker thread.
import type { RequestEvents, RequestStatus } from '../types.ts';
import { createTarget, startRequest, type InFlight, type PreparedRequest, type Target } from './client.ts';
import { setStrictTimeout, type StrictTimer } from './strict-timer.ts';

export interface ShardConfig {
  url: string;
  apiKey: string | null;
  timeoutNs: number;
  /** This shard's requests, in any order. */
  requests: PreparedRequest[];
  warmup: PreparedRequest[];
  /** Run-clock time after which requests still running are cancelled (last arrival + drain). */
  deadlineNs: number;
}

export interface ShardCounts {
  sent: number;
  inFlight: number;
}

/** Tokens a request still in flight received since the last report (its first report carries sentNs). */
export interface PartialDelta {
  idx: number;
  sentNs: number;
  tokenNs: number[];
}

export class Shard {
  private target: Target;
  private pending: PreparedRequest[];
  private next = 0;
  private inFlight = new Map<number, InFlight>();
  /** Tokens of each in-flight request already reported by takeDeltas. */
  private reported = new Map<number, number>();
  private sent = 0;
  private stopped: { status: RequestStatus; reason: string } | null = null;
  private runStartNs = 0n;
  private timer: NodeJS.Timeout | null = null;
  private deadlineTimer: StrictTimer | null = null;
  private settle: (() => void) | null = null;
  private onResult: (r: RequestEvents) => void = () => {};

  constructor(private config: ShardConfig) {
    const url = new URL(config.url);
    this.target = createTarget(url, config.apiKey);
    this.pending = [...config.requests].sort((a, b) => a.scheduledNs - b.scheduledNs || a.idx - b.idx);
  }

  /** Warm-up requests, all at once, on a throwaway clock; their results are dropped. */
  async warmup(): Promise<void> {
    const t0 = process.hrtime.bigint();
    const now = () => Number(process.hrtime.bigint() - t0);
    await Promise.all(this.config.warmup.map((r) => startRequest(this.target, r, this.config.timeoutNs, now).done));
  }

  counts(): ShardCounts {
    return { sent: this.sent, inFlight: this.inFlight.size };
  }

  /** What requests in flight received since the last call: early-stop rules judge them before they end. */
  takeDeltas(): PartialDelta[] {
    const out: PartialDelta[] = [];
    for (const [idx, f] of this.inFlight) {
      const from = this.reported.get(idx);
      if (from !== undefined && from === f.tokenNs.length) continue;
      out.push({ idx, sentNs: f.sentNs, tokenNs: f.tokenNs.slice(from ?? 0) });
      this.reported.set(idx, f.tokenNs.length);
    }
    return out;
  }

  private nowNs = (): number => Number(process.hrtime.bigint() - this.runStartNs);

  /** Run on the clock that reads 0 at `runStartNs` (process.hrtime.bigint()); resolves when every request ended. */
  run(runStartNs: bigint, onResult: (r: RequestEvents) => void): Promise<void> {
    this.runStartNs = runStartNs;
    this.onResult = onResult;
    const finished = new Promise<void>((resolve) => (this.settle = resolve));
    const untilDeadlineMs = (this.config.deadlineNs - this.nowNs()) / 1e6;
    this.deadlineTimer = setStrictTimeout(() => this.stop('cancelled', 'still running when the drain time after the last arrival ran out'), untilDeadlineMs);
    this.tick();
    return finished;
  }

  /** End the run now: requests in flight end with `status`, unsent ones are recorded as never sent. */
  stop(status: RequestStatus, reason: string): void {
    if (this.stopped) return;
    this.stopped = { status, reason };
    if (this.timer) clearTimeout(this.timer);
    for (const f of [...this.inFlight.values()]) f.cancel(status, reason);
    while (this.next < this.pending.length) {
      const r = this.pending[this.next++]!;
      this.onResult({
        idx: r.idx, scheduledNs: r.scheduledNs, sentNs: null, promptTokensRequested: r.promptTokens, promptTokens: null,
        outputTokensRequested: r.outputTokens, outputTokens: null, status, httpStatus: null,
        error: `not sent: ${reason}`, tokenSource: 'chunks', tokenNs: [], endNs: null,
      });
    }
    this.maybeSettle();
  }

  private tick = (): void => {
    this.timer = null;
    if (this.stopped) return;
    let now = this.nowNs();
    while (this.next < this.pending.length && this.pending[this.next]!.scheduledNs <= now) {
      this.send(this.pending[this.next++]!);
      now = this.nowNs();
    }
    if (this.next >= this.pending.length) return this.maybeSettle();
    const waitNs = this.pending[this.next]!.scheduledNs - now;
    // No busy-waiting for sub-millisecond precision: spinning the loop until the due time cost up to half a
    // core at 500 QPS, taken from reading the streams (whose token times matter more). A send is at most ~1 ms
    // late from the timer's granularity, well inside the lag bound, and the lag is recorded anyway.
    this.timer = setTimeout(this.tick, Math.min(2 ** 31 - 1, Math.ceil(waitNs / 1e6)));
  };

  private send(r: PreparedRequest): void {
    const flight = startRequest(this.target, r, this.config.timeoutNs, this.nowNs);
    this.sent++;
    this.inFlight.set(r.idx, flight);
    flight.done.then((events) => {
      this.inFlight.delete(r.idx);
      this.reported.delete(r.idx);
      this.onResult(events);
      this.maybeSettle();
    });
  }

  private maybeSettle(): void {
    if (this.next < this.pending.length || this.inFlight.size > 0 || !this.settle) return;
    this.deadlineTimer?.clear();
    this.target.pool.destroy();
    const settle = this.settle;
    this.settle = null;
    settle();
  }
}
