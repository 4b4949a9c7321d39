// setTimeout that never fires early: Node's timers run on the event loop's cached millisecond clock, so they
// can fire up to ~1 ms before the delay has passed on a monotonic clock (a 400 ms request timeout was seen to
// end a request after 399.x ms), and delays past 2^31 - 1 ms (~24.8 days) fire at once. Both are re-armed.
import { performance } from 'node:perf_hooks';

const MAX_DELAY_MS = 2 ** 31 - 1;

export interface StrictTimer {
  clear(): void;
}

export function setStrictTimeout(fn: () => void, delayMs: number): StrictTimer {
  const dueMs = performance.now() + Math.max(0, delayMs);
  let handle: NodeJS.Timeout;
  const arm = () => {
    const left = dueMs - performance.now();
    if (left <= 0) return fn();
    handle = setTimeout(arm, Math.min(MAX_DELAY_MS, Math.ceil(left)));
  };
  handle = setTimeout(arm, Math.min(MAX_DELAY_MS, Math.ceil(Math.max(0, delayMs))));
  return { clear: () => clearTimeout(handle) };
}
