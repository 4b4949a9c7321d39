// Lifecycle of one job's inference server: start it in its own process group with output to a log file, wait
// until it is really ready, hand back how to reach it, and stop the whole group (SIGTERM, then SIGKILL after a
// grace period). Every group is also in the cleanup registry, so a runner that is interrupted or crashes does
// not leave servers holding GPUs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Job } from '../types.ts';
import { buildLaunch, type Launch } from './preset.ts';
import { findFreePort } from './ports.ts';
import { readLogTail } from './log-tail.ts';
import { waitUntilReady, type ReadyOutcome } from './readiness.ts';
import { isGroupAlive, registerServer, signalGroup } from './cleanup.ts';
import { startWatchdog } from './watchdog.ts';
import { ServerDiedError, ServerStartError, formatExit } from './start-error.ts';
import { readStartHint } from './start-hints.ts';

export { ServerDiedError, ServerStartError } from './start-error.ts';

export interface ServerExit {
  exitCode: number | null;
  signal: string | null;
  /** Since the process was spawned. */
  afterMs: number;
}

export interface RunningServer {
  baseUrl: string;
  metricsUrl: string | null;
  logPath: string | null;
  pid: number | null;
  stop(): Promise<void>;
  /** How the server process ended, or null while it runs (always null for external servers). */
  exited(): ServerExit | null;
}

export interface StartServerOptions {
  gpus: number[];
  logDir: string;
  repoRoot: string;
  host?: string;
  port?: number;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL on stop; engines flush and free GPU memory in this time. */
  stopGraceMs?: number;
}

const DEFAULT_STOP_GRACE_MS = 15_000;

export async function startServer(job: Job, opts: StartServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (job.system.engine === 'external' ? 0 : await findFreePort(host));
  const launch = buildLaunch(job, { host, port, gpus: opts.gpus, repoRoot: opts.repoRoot });
  const timeoutMs = Math.max(1, Math.round(job.system.startTimeoutNs / 1e6));
  if (!launch.launched) return startExternal(job, launch, timeoutMs, opts.signal);

  fs.mkdirSync(opts.logDir, { recursive: true });
  const logPath = path.join(opts.logDir, `${sanitizeJobId(job.id)}.log`);
  const logFd = fs.openSync(logPath, 'a');
  const envLine = Object.entries(launch.env).map(([k, v]) => `${k}=${v}`).join(' ');
  fs.writeSync(logFd, `# headroom ${new Date().toISOString()} starting: ${envLine ? envLine + ' ' : ''}${launch.command.join(' ')}\n`);

  const spawnedAt = Date.now();
  // Written by child events; an object so that TypeScript does not narrow it to its initial null.
  const state: { exit: ServerExit | null; spawnError: Error | null } = { exit: null, spawnError: null };
  let child: ChildProcess;
  try {
    child = spawn(launch.command[0], launch.command.slice(1), {
      // Its own process group, so stop() reaches the workers an engine forks (vLLM's per-GPU processes).
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, ...launch.env },
      // tsx (sim) resolves from the working directory; real engines run where the user runs headroom.
      cwd: job.system.engine === 'sim' ? opts.repoRoot : process.cwd(),
    });
  } finally {
    fs.closeSync(logFd);
  }
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      state.spawnError = err;
      state.exit ??= { exitCode: null, signal: null, afterMs: Date.now() - spawnedAt };
      resolve();
    });
    child.once('exit', (code, signal) => {
      state.exit = { exitCode: code, signal, afterMs: Date.now() - spawnedAt };
      resolve();
    });
  });
  const pid = child.pid ?? null;
  const unregister = pid !== null ? registerServer(pid, job.id) : () => {};
  const graceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  if (pid !== null) startWatchdog(pid, graceMs);
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= stopGroup(pid, exitedPromise, graceMs).finally(unregister));

  const outcome: ReadyOutcome = pid === null
    ? { ready: false, reason: 'exited', afterMs: 0, lastProblem: null }
    : await waitUntilReady({
        healthUrl: launch.healthUrl,
        modelsUrl: launch.modelsUrl,
        timeoutMs,
        exited: () => state.exit,
        signal: opts.signal,
      });
  if (!outcome.ready) {
    await stop();
    // Give the exit event a moment so a crash reports its code rather than "did not become ready".
    await Promise.race([exitedPromise, sleep(200)]);
    const ended = state.exit;
    const how = state.spawnError
      ? `could not be started: ${state.spawnError.message}${(state.spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is \`${launch.command[0]}\` installed and on PATH?)` : ''}`
      : outcome.reason === 'exited' && ended
        ? `${formatExit(ended.exitCode, ended.signal)} after ${formatSeconds(ended.afterMs)}, before it was ready`
        : outcome.reason === 'aborted'
          ? `start was cancelled after ${formatSeconds(outcome.afterMs)}`
          : `did not become ready within ${formatSeconds(timeoutMs)}${outcome.lastProblem ? ` (last check: ${outcome.lastProblem})` : ''}`;
    const logTail = readLogTail(logPath);
    const hint = readStartHint(job.system.engine, logTail);
    throw new ServerStartError({
      message: `Server for job ${job.id} (${job.system.engine}) ${how}.${hint ? ` ${hint}.` : ''}`,
      exitCode: outcome.reason === 'exited' ? (ended?.exitCode ?? null) : null,
      signal: outcome.reason === 'exited' ? (ended?.signal ?? null) : null,
      afterMs: outcome.reason === 'exited' && ended ? ended.afterMs : Date.now() - spawnedAt,
      logPath,
      logTail,
    });
  }
  return {
    baseUrl: launch.baseUrl,
    metricsUrl: launch.metricsUrl,
    logPath,
    pid,
    stop,
    exited: () => state.exit,
  };
}

/** Throws a ServerDiedError (exit code or signal, uptime, log tail) when the job's server has exited. */
export function checkServerAlive(job: Job, server: RunningServer): void {
  const ended = server.exited();
  if (!ended) return;
  const logPath = server.logPath ?? '';
  throw new ServerDiedError({
    message: `Server for job ${job.id} (${job.system.engine}) ${formatExit(ended.exitCode, ended.signal)} after ${formatSeconds(ended.afterMs)}, while the job was using it.`,
    exitCode: ended.exitCode,
    signal: ended.signal,
    afterMs: ended.afterMs,
    logPath,
    logTail: logPath ? readLogTail(logPath) : [],
  });
}

async function startExternal(job: Job, launch: Launch, timeoutMs: number, signal?: AbortSignal): Promise<RunningServer> {
  const keyName = job.system.apiKeyEnv;
  const key = keyName ? process.env[keyName] : undefined;
  const outcome = await waitUntilReady({
    healthUrl: launch.healthUrl,
    modelsUrl: launch.modelsUrl,
    headers: key ? { authorization: `Bearer ${key}` } : undefined,
    timeoutMs,
    signal,
  });
  if (!outcome.ready) {
    throw new ServerStartError({
      message: `External server for job ${job.id} at ${launch.baseUrl} did not answer within ${formatSeconds(timeoutMs)}${outcome.lastProblem ? ` (last check: ${outcome.lastProblem})` : ''}.`,
      exitCode: null,
      signal: null,
      afterMs: outcome.afterMs,
      logPath: '',
      logTail: [],
    });
  }
  return { baseUrl: launch.baseUrl, metricsUrl: null, logPath: null, pid: null, stop: async () => {}, exited: () => null };
}

async function stopGroup(pgid: number | null, exited: Promise<void>, graceMs: number): Promise<void> {
  if (pgid === null) return;
  if (isGroupAlive(pgid)) {
    signalGroup(pgid, 'SIGTERM');
    await waitFor(() => !isGroupAlive(pgid), graceMs);
    if (isGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    await waitFor(() => !isGroupAlive(pgid), 5000);
  }
  await Promise.race([exited, sleep(1000)]);
}

export function sanitizeJobId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'job';
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(25);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
