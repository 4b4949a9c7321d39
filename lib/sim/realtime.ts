// Real time: the same engine, stepped on the process's monotonic clock. Requests join when they arrive; each
// iteration's tokens are delivered when the clock reaches the iteration's simulated end. The simulated times
// never drift with timer lateness: an iteration starts at the previous one's simulated end, not when a timer
// happened to fire, so lateness shows only as emission error (write time minus simulated time).
import type { SimEngine, SimRequest, StepResult } from './engine.ts';

export interface Clock {
  /** Nanoseconds since the driver's origin (monotonic). */
  nowNs(): number;
}

export interface TokenListener {
  /** One token of `req` (its `generated`-th) due at simNs; `last` when the request is complete. */
  onToken(req: SimRequest, index: number, simNs: number, last: boolean): void;
}

/**
 * A clock with its origin at creation; originNs is the absolute monotonic time (process.hrtime.bigint()) of 0.
 * Reads go through performance.now(), which is the same monotonic clock in ms as a double: no BigInt on the
 * token path. The origin pairs one hrtime reading with the performance.now() readings around it.
 */
export function startMonotonicClock(): Clock & { originNs: bigint } {
  let originNs = 0n;
  let originMs = 0;
  let bestMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const abs = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < bestMs) {
      bestMs = after - before;
      originNs = abs;
      originMs = (before + after) / 2;
    }
  }
  return { originNs, nowNs: () => Math.round((performance.now() - originMs) * 1e6) };
}

// Timers fire up to ~1 ms late: wake this much early, then nap in steps of NAP_NS with I/O in between, and
// busy-wait the last BUSY_NS (no more than that, so I/O is never held up for long).
const SPIN_NS = 1_500_000;
const NAP_NS = 250_000;
const BUSY_NS = 200_000;
// Idle work (the emission log's flush) runs only when the next wake is at least this far away, and stops this
// long before the wake's timer is due, so it never lands in a burst of token writes.
const IDLE_MIN_NS = 5_000_000;
const IDLE_MARGIN_NS = SPIN_NS + 1_500_000;
// With nothing scheduled at all, idle work runs in slices of this length between turns of the event loop.
const IDLE_SLICE_NS = 1_000_000;

/** Work to do between iterations: called with a deadline; returns true when work is left for a later call. */
export type IdleWork = (deadlineNs: number) => boolean;

export class RealtimeDriver {
  private readonly listeners = new Map<SimRequest, TokenListener>();
  private inFlight: StepResult | null = null;
  private idleWakeNs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastEndNs = 0;
  /** Bumped by every wakeAt, so a replaced wake's spin loop stops. */
  private wakeGen = 0;
  /** Clock time of the pending wake (or null), so idle work knows its deadline. */
  private wakeNs: number | null = null;
  private idleQueued = false;

  constructor(
    readonly engine: SimEngine,
    readonly clock: Clock,
    private readonly idleWork: IdleWork | null = null,
  ) {}

  submit(r: { id: number; promptTokens: number; maxTokens: number }, listener: TokenListener): SimRequest {
    const req = this.engine.submit({ ...r, arrivalNs: this.clock.nowNs() });
    if (req.state === 'rejected') return req;
    this.listeners.set(req, listener);
    if (!this.inFlight) this.planIdleWake();
    return req;
  }

  abort(req: SimRequest): void {
    this.engine.abort(req);
    this.listeners.delete(req);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeNs = null;
  }

  /**
   * Runs idle work after the current turn (so a burst's writes are all out first) while the next wake is far
   * enough away; with no wake pending at all it goes on in short slices, yielding to I/O in between.
   */
  private queueIdleWork(): void {
    if (!this.idleWork || this.idleQueued || this.closed) return;
    this.idleQueued = true;
    setImmediate(() => {
      this.idleQueued = false;
      if (this.closed) return;
      const nowNs = this.clock.nowNs();
      const wakeNs = this.wakeNs;
      if (wakeNs !== null && wakeNs - nowNs < IDLE_MIN_NS) return;
      const deadlineNs = wakeNs === null ? nowNs + IDLE_SLICE_NS : wakeNs - IDLE_MARGIN_NS;
      if (this.idleWork!(deadlineNs) && wakeNs === null) this.queueIdleWork();
    });
  }

  private planIdleWake(): void {
    const next = this.engine.nextReadyNs();
    if (next === null || (this.idleWakeNs !== null && this.idleWakeNs <= next)) return;
    this.idleWakeNs = next;
    this.wakeAt(next, () => {
      this.idleWakeNs = null;
      this.startStep(Math.max(next, this.lastEndNs));
    });
  }

  private startStep(startNs: number): void {
    const res = this.engine.step(startNs);
    if (!res) {
      this.planIdleWake();
      return;
    }
    this.inFlight = res;
    this.wakeAt(res.endNs, () => this.endStep(res));
  }

  private endStep(res: StepResult): void {
    this.inFlight = null;
    this.lastEndNs = res.endNs;
    // One tight loop over the batch in the engine's stable order, without returning to the event loop.
    const produced = res.produced;
    for (let i = 0; i < produced.length; i++) {
      const req = produced[i];
      const l = this.listeners.get(req);
      if (!l) continue; // aborted while the iteration ran
      const last = req.state === 'finished';
      if (last) this.listeners.delete(req);
      l.onToken(req, req.generated - 1, res.endNs, last);
    }
    if (this.closed) return;
    const next = this.engine.nextReadyNs();
    if (this.engine.hasWork() || (next !== null && next <= res.endNs)) this.startStep(res.endNs);
    else this.planIdleWake();
    this.queueIdleWork();
  }

  private wakeAt(tNs: number, fn: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeNs = tNs;
    const gen = ++this.wakeGen;
    // Near the deadline: short naps that let I/O run in between, then a busy wait of at most BUSY_NS to the
    // exact nanosecond. Napping instead of spinning the event loop leaves the CPU to others (on a 2-core host,
    // the client) and allocates nothing.
    const spin = (): void => {
      if (this.closed || gen !== this.wakeGen) return;
      let aheadNs = tNs - this.clock.nowNs();
      if (aheadNs > BUSY_NS) {
        nap(Math.min(aheadNs - BUSY_NS, NAP_NS));
        aheadNs = tNs - this.clock.nowNs();
        if (aheadNs > BUSY_NS) return void setImmediate(spin);
      }
      while (this.clock.nowNs() < tNs);
      this.wakeNs = null;
      fn();
    };
    const aheadNs = tNs - this.clock.nowNs();
    if (aheadNs > SPIN_NS) {
      this.timer = setTimeout(() => {
        this.timer = null;
        spin();
      }, (aheadNs - SPIN_NS) / 1e6);
    } else spin();
  }
}

const napCell = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps the thread (nothing else runs meanwhile); the kernel may add ~50-100 us. */
function nap(ns: number): void {
  Atomics.wait(napCell, 0, 0, ns / 1e6);
}
