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

/** A clock on process.hrtime, with its origin at creation; originNs is the absolute monotonic time of 0. */
export function startMonotonicClock(): Clock & { originNs: bigint } {
  const originNs = process.hrtime.bigint();
  return { originNs, nowNs: () => Number(process.hrtime.bigint() - originNs) };
}

// Timers fire up to ~1 ms late; wake this much early and spin on setImmediate (I/O still runs in between).
const SPIN_NS = 1_500_000;

export class RealtimeDriver {
  private readonly listeners = new Map<SimRequest, TokenListener>();
  private inFlight: StepResult | null = null;
  private idleWakeNs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastEndNs = 0;
  /** Bumped by every wakeAt, so a replaced wake's spin loop stops. */
  private wakeGen = 0;

  constructor(
    readonly engine: SimEngine,
    readonly clock: Clock,
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
    for (const req of res.produced) {
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
  }

  private wakeAt(tNs: number, fn: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const gen = ++this.wakeGen;
    const spin = (): void => {
      if (this.closed || gen !== this.wakeGen) return;
      if (this.clock.nowNs() >= tNs) fn();
      else setImmediate(spin);
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
