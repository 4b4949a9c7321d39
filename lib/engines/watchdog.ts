// Start the watchdog of a server's process group (watchdog.mjs): the last line of defence when the runner is
// killed outright and neither `finally` nor the signal handlers of cleanup.ts get to run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

export function startWatchdog(pgid: number, graceMs: number): void {
  const child = spawn(process.execPath, [script, String(process.pid), String(pgid), String(graceMs)], {
    detached: true,
    stdio: 'ignore',
    // Plain JS: a loader from NODE_OPTIONS (tsx) is not needed and would only slow the start.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  child.unref();
}
