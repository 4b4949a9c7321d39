// Starting a server as a child process (the simulated engine for `calibrate`, the fixture server for benchmarks),
// so that it does not share the client's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { registerServer } from '../engines/cleanup.ts';

export interface ChildServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawn `node --import tsx <script> ...args` and wait for a stdout line matching `ready` (group 1 = URL). */
export async function startChildServer(script: string, args: string[], ready: RegExp, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ChildServer> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  // tsx resolves from the working directory: the repository root, where it is installed.
  // Its own process group, registered for cleanup, so an interrupted calibrate or benchmark leaves no server.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const unregister = child.pid ? registerServer(child.pid, `load child ${script}`) : () => {};
  child.once('exit', () => unregister());
  const ready$ = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script}: not ready within ${timeoutMs} ms; output: ${out}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with code ${code} before it was ready; output: ${out}`)));
  });
  let url: string;
  try {
    url = await ready$;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Median, for benchmark summaries. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
