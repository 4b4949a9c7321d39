// The ssh executor: a few GPU boxes, each a headroom checkout (`workdir`) with its own cache. Every job runs
// as `headroom --only <job> --executor local` on one host's free GPUs (an aligned block), its output streamed
// into a local log, and its new runs are copied back into the local cache when it ends, failed or not (a
// failed job's finished runs are valid, and the retry resumes from them on the same host's cache).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ExecutorSettings, Job } from '../types.ts';
import { formatJobCommand, formatJobFileName } from './slurm-script.ts';
import { formatElapsed } from './slurm.ts';
import { fetchSshRuns } from './ssh-fetch.ts';
import {
  formatRemoteWorkflowPath, formatSshJobScript, formatUploadScript, parseRemotePgid, runRemote, startSshMux,
  stripRemotePgid, type SshMux,
} from './ssh-remote.ts';
import { startGpuPool, validateSshPlacement, type Placement } from './ssh-placement.ts';

export type SshSettings = Extract<ExecutorSettings, { type: 'ssh' }>;
export { formatRemoteWorkflowPath, formatSshJobScript } from './ssh-remote.ts';

export interface RunSshOptions {
  /** Local workflow file; it is copied to each host so the host expands exactly the same jobs. */
  workflowFile: string;
  /** Local cache the runs are copied into. */
  cacheDir: string;
  settings: SshSettings;
  /** Local checkout the workflow path is taken relative to (same layout under each workdir); default cwd. */
  repoRoot?: string;
  /** Cache on the hosts, relative to workdir unless absolute; default `cache`. */
  remoteCacheDir?: string;
  /** Copy the workflow file to the hosts first (default true); off when the hosts already hold it. */
  uploadWorkflow?: boolean;
  /** The workflow's path on the hosts (relative to workdir unless absolute); default: see formatRemoteWorkflowPath. */
  remoteWorkflowFile?: string;
  /** Replaces the headroom command; `{jobId}`, `{workflow}`, `{cacheDir}` are filled in (remote paths). */
  command?: string[];
  /** ssh and its options; default `ssh -o BatchMode=yes` (no password prompts in the middle of a grid). */
  ssh?: string[];
  /** Share one ssh connection per host among a job's sessions (default true). */
  multiplex?: boolean;
  /** New attempts per failed job; default 1. */
  maxRetries?: number;
  /** Jobs needing no GPU that may run at once per host; default 1. */
  cpuSlotsPerHost?: number;
  log?: (line: string) => void;
  /** Aborting stops the remote jobs (their process groups) and returns after fetching what they wrote. */
  signal?: AbortSignal;
}

export interface SshJobOutcome {
  state: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  attempts: number;
  /** Host of the last attempt, null if it never started. */
  host: string | null;
  /** Host GPU ids of the last attempt. */
  gpus: number[];
  /** Exit status of the last attempt's command (255: ssh could not connect). */
  exitCode: number | null;
  /** Files copied into the local cache, over all attempts. */
  fetchedFiles: number;
  logFile: string;
}

/** A long grid says how it stands at least this often, even when nothing changed. */
const HEARTBEAT_MS = 10 * 60_000;

interface Attempt {
  code: number;
  pgid: string | null;
}

/** Runs jobs on the hosts' free GPUs until all are done; says how each ended. */
export async function runSsh(jobs: Job[], opts: RunSshOptions): Promise<Map<string, SshJobOutcome>> {
  validateSshPlacement(jobs, opts.settings.hosts);
  const ssh = opts.ssh ?? ['ssh', '-o', 'BatchMode=yes'];
  const mux: SshMux | null = opts.multiplex === false ? null : await startSshMux(ssh);
  try {
    return await runSshJobs(jobs, opts, mux?.ssh ?? ssh, (host) => mux?.open(host) ?? Promise.resolve());
  } finally {
    await mux?.close();
  }
}

async function runSshJobs(
  jobs: Job[], opts: RunSshOptions, ssh: string[], openHost: (host: string) => Promise<void>,
): Promise<Map<string, SshJobOutcome>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const hosts = opts.settings.hosts;
  const remoteCacheDir = opts.remoteCacheDir ?? 'cache';
  const remoteWorkflow = opts.remoteWorkflowFile ?? formatRemoteWorkflowPath(opts.workflowFile, opts.repoRoot ?? process.cwd());
  const maxRetries = opts.maxRetries ?? 1;
  const logDir = join(opts.cacheDir, 'logs', 'ssh');
  await mkdir(logDir, { recursive: true });
  const pool = startGpuPool(hosts, opts.cpuSlotsPerHost ?? 1);

  const outcomes = new Map<string, SshJobOutcome>();
  for (const job of jobs) {
    outcomes.set(job.id, {
      state: 'CANCELLED', attempts: 0, host: null, gpus: [], exitCode: null, fetchedFiles: 0,
      logFile: join(logDir, `${formatJobFileName(job.id)}.log`),
    });
  }

  const runSshCommand = async (host: string, script: string, input?: Buffer, onOut?: (chunk: string) => void) => {
    await openHost(host);
    return runRemote(ssh, host, script, input, onOut);
  };

  // The workflow goes to each host once, before its first job there.
  const uploads = new Map<number, Promise<void>>();
  const upload = (hostIndex: number): Promise<void> => {
    if (opts.uploadWorkflow === false) return Promise.resolve();
    let done = uploads.get(hostIndex);
    if (!done) {
      done = (async () => {
        const { host, workdir } = hosts[hostIndex];
        const script = formatUploadScript(workdir, remoteWorkflow);
        let out = '';
        const code = await runSshCommand(host, script, await readFile(opts.workflowFile), (s) => (out += s));
        if (code !== 0) throw new Error(`Copying ${opts.workflowFile} to ${host}:${workdir}/${remoteWorkflow} failed (exit ${code}): ${out.trim()}`);
      })();
      uploads.set(hostIndex, done);
    }
    return done;
  };

  const live = new Map<string, { host: string; pgid: string | null }>();
  const stopRemote = async (host: string, pgid: string) => {
    // The external kill: dash's builtin cannot signal a process group.
    await runSshCommand(host, `env kill -TERM -- -${pgid} 2>/dev/null || true`);
  };
  // Stops in flight are awaited before returning: the shared connections close after that.
  const stopping = new Set<Promise<void>>();
  const stop = (host: string, pgid: string) => {
    const p = stopRemote(host, pgid).finally(() => stopping.delete(p));
    stopping.add(p);
  };
  const onAbort = () => {
    for (const { host, pgid } of live.values()) if (pgid) stop(host, pgid);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const runAttempt = async (job: Job, place: Placement): Promise<Attempt> => {
    const outcome = outcomes.get(job.id) as SshJobOutcome;
    const { host, workdir } = hosts[place.hostIndex];
    outcome.attempts += 1;
    outcome.host = host;
    outcome.gpus = place.gpus;
    const markName = `.headroom-mark-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const logStream = createWriteStream(outcome.logFile, { flags: 'a' });
    const startedMs = Date.now();
    logStream.write(`# ${new Date().toISOString()} attempt ${outcome.attempts} on ${host} GPUs [${place.gpus.join(',')}]\n`);
    log(`ssh: started ${job.id} on ${host} (GPUs ${place.gpus.length ? place.gpus.join(',') : 'none'}, attempt ${outcome.attempts})`);
    const attempt: Attempt = { code: 0, pgid: null };
    let fetched = 0;
    try {
      await upload(place.hostIndex);
      if (opts.signal?.aborted) throw new Error(`${job.id}: interrupted before its command started`);
      const command = formatJobCommand(job, { ...opts, workflowFile: remoteWorkflow, cacheDir: remoteCacheDir });
      const script = formatSshJobScript({ workdir, remoteCacheDir, markName, gpus: place.gpus, command });
      // Output is held back until the process group line is seen (it may come in pieces): that line is ours.
      let head: string | null = '';
      live.set(job.id, { host, pgid: null });
      attempt.code = await runSshCommand(host, script, undefined, (chunk) => {
        if (head === null) {
          logStream.write(chunk);
          return;
        }
        head += chunk;
        const pgid = parseRemotePgid(head);
        if (pgid !== null) {
          attempt.pgid = pgid;
          live.set(job.id, { host, pgid });
          if (opts.signal?.aborted) stop(host, pgid);
          logStream.write(stripRemotePgid(head));
          head = null;
        } else if (head.length > 4096) {
          logStream.write(head);
          head = null;
        }
      });
      if (head) logStream.write(head);
    } catch (e) {
      attempt.code = 1;
      logStream.write(`${(e as Error).message}\n`);
      log(`ssh: ${(e as Error).message}`);
    } finally {
      live.delete(job.id);
    }
    outcome.exitCode = attempt.code;
    // A command that never started wrote nothing (and its host may not answer at all).
    if (attempt.pgid !== null) {
      try {
        const remoteCache = posix.isAbsolute(remoteCacheDir) ? remoteCacheDir : posix.join(workdir, remoteCacheDir);
        const files = await fetchSshRuns({ ssh, host, remoteCacheDir: remoteCache, markName, localCacheDir: opts.cacheDir });
        fetched = files.length;
        outcome.fetchedFiles += files.length;
        if (files.length > 0) logStream.write(`# fetched ${files.length} file(s): ${files.join(' ')}\n`);
      } catch (e) {
        log(`ssh: ${job.id}: ${(e as Error).message}`);
      }
    }
    await new Promise((resolve) => logStream.end(resolve));
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    log(`ssh: ${job.id} on ${host} exited ${attempt.code} after ${seconds} s; fetched ${fetched} file(s); log ${outcome.logFile}`);
    outcome.state = attempt.code === 0 ? 'COMPLETED' : opts.signal?.aborted ? 'CANCELLED' : 'FAILED';
    return attempt;
  };

  // A host on which two attempts in a row failed before their command started (no connection, no setsid, a
  // full disk...) gets no more jobs.
  const MAX_HOST_FAILURES = 2;
  const hostFailures = hosts.map(() => 0);
  const noteHost = (hostIndex: number, attempt: Attempt) => {
    if (attempt.pgid !== null || attempt.code === 0) {
      hostFailures[hostIndex] = 0;
      return;
    }
    if (++hostFailures[hostIndex] === MAX_HOST_FAILURES) {
      pool.retire(hostIndex);
      for (const [id, h] of stickTo) if (h === hostIndex) stickTo.delete(id);
      log(`ssh: no more jobs for ${hosts[hostIndex].host}: ${MAX_HOST_FAILURES} attempts in a row failed before their command started (see the job logs)`);
    }
  };

  // Biggest jobs first; a smaller job may fill GPUs a bigger one cannot use yet.
  const queue = [...jobs].sort((a, b) => b.gpus - a.gpus);
  // A retry waits for the host it failed on: that host's cache holds the runs it resumes from. Only when the
  // command never started there (no connection, say) may it go anywhere.
  const stickTo = new Map<string, number>();
  /** Attempts per job whose command ran and failed (those count against maxRetries). */
  const commandFailures = new Map<string, number>();
  const running = new Set<Promise<void>>();
  const settled = new Set<string>();
  let lastSummary = '';
  let lastSummaryMs = Date.now();
  const startedMs = Date.now();
  while ((queue.length > 0 && !opts.signal?.aborted) || running.size > 0) {
    for (let i = 0; i < queue.length && !opts.signal?.aborted; ) {
      const place = pool.take(queue[i].gpus, stickTo.get(queue[i].id));
      if (place === null) {
        i++;
        continue;
      }
      const job = queue.splice(i, 1)[0];
      const task: Promise<void> = runAttempt(job, place).then((attempt) => {
        pool.give(place);
        running.delete(task);
        noteHost(place.hostIndex, attempt);
        const o = outcomes.get(job.id) as SshJobOutcome;
        if (o.state === 'FAILED' && !opts.signal?.aborted) {
          if (attempt.pgid === null) {
            // The host failed, not the job: it goes anywhere else, without using up its retries (retired hosts
            // bound how often this happens).
            stickTo.delete(job.id);
            queue.unshift(job);
            log(`ssh: ${job.id} did not start on ${hosts[place.hostIndex].host}; queued again`);
          } else {
            const failures = (commandFailures.get(job.id) ?? 0) + 1;
            commandFailures.set(job.id, failures);
            if (failures <= maxRetries) {
              log(`ssh: retrying ${job.id} on ${hosts[place.hostIndex].host} (retry ${failures} of ${maxRetries})`);
              stickTo.set(job.id, place.hostIndex);
              queue.unshift(job);
            } else {
              settled.add(job.id);
            }
          }
        } else {
          settled.add(job.id);
        }
      });
      running.add(task);
    }
    if (running.size === 0 && queue.length > 0 && !opts.signal?.aborted) {
      // Nothing runs and nothing could be placed: the hosts that could take these jobs are retired.
      for (const job of queue.splice(0)) {
        const o = outcomes.get(job.id) as SshJobOutcome;
        o.state = 'FAILED';
        settled.add(job.id);
        log(`ssh: ${job.id} cannot run: no host left with ${job.gpus} free GPU${job.gpus === 1 ? '' : 's'}`);
      }
    }
    const summary = formatSshSummary(jobs, outcomes, settled, queue.length, running.size);
    if (summary !== lastSummary || Date.now() - lastSummaryMs >= HEARTBEAT_MS) {
      log(`ssh: ${summary} (${formatElapsed(Date.now() - startedMs)})`);
      lastSummary = summary;
      lastSummaryMs = Date.now();
    }
    if (running.size > 0) {
      // Wake up for the heartbeat too: a long job is otherwise silent for hours.
      let timer: NodeJS.Timeout | undefined;
      const beat = new Promise<void>((resolve) => (timer = setTimeout(resolve, HEARTBEAT_MS)));
      await Promise.race([...running, beat]);
      clearTimeout(timer);
    }
  }
  opts.signal?.removeEventListener('abort', onAbort);
  await Promise.all(stopping);
  log(`ssh: ${formatSshSummary(jobs, outcomes, settled, queue.length, 0)} (${formatElapsed(Date.now() - startedMs)})`);
  return outcomes;
}

/** One progress line; a job counts as failed only once it will not be retried. */
function formatSshSummary(
  jobs: Job[], outcomes: Map<string, SshJobOutcome>, settled: Set<string>, queued: number, running: number,
): string {
  let completed = 0, failed = 0;
  for (const job of jobs) {
    const state = outcomes.get(job.id)?.state;
    if (state === 'COMPLETED') completed++;
    else if (state === 'FAILED' && settled.has(job.id)) failed++;
  }
  return `${jobs.length} jobs: ${queued} queued, ${running} running, ${completed} completed, ${failed} failed`;
}
