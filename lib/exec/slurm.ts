// The Slurm executor: one sbatch job per headroom job, each running headroom for that job alone on the node
// Slurm picks; the coordinator polls, resubmits failed or preempted jobs (they resume from the runs they
// already cached) and returns when every job has settled. Runs land in the shared cache directly.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../types.ts';
import {
  formatJobFileName, formatSbatchScript, formatSlurmLogDir, type SbatchScriptOptions,
} from './slurm-script.ts';
import {
  readExitFile, readSlurmStates, runCommand, SLURM_FINAL_STATES, SLURM_RETRY_STATES, type SlurmJobState,
} from './slurm-queue.ts';

export { formatSbatchScript, formatSlurmTime, type SlurmSettings } from './slurm-script.ts';

export interface RunSlurmOptions extends SbatchScriptOptions {
  log?: (line: string) => void;
  /** Between squeue polls; keep it at seconds on a real cluster, the controller serves everyone. */
  pollMs?: number;
  /** New submissions allowed per job after a failure, timeout, preemption or node failure. */
  maxResubmits?: number;
  /** Polls a job may be unknown to squeue and sacct, with no exit file, before it counts as LOST. */
  lostAfterPolls?: number;
  /** Environment for sbatch/squeue/scancel (e.g. SLURM_CONF). */
  env?: NodeJS.ProcessEnv;
  /** Aborting cancels every job still queued or running (scancel) and returns. */
  signal?: AbortSignal;
}

export interface SlurmJobOutcome {
  /** Final Slurm state (COMPLETED, FAILED, ...), SUBMIT_FAILED when sbatch refused it, CANCELLED on abort. */
  state: string;
  /** Submissions made (1 + resubmits). */
  attempts: number;
  slurmJobIds: string[];
  /** Output of the last attempt, or null when none was submitted. */
  logFile: string | null;
}

interface Tracked {
  job: Job;
  scriptFile: string;
  outcome: SlurmJobOutcome;
  slurmId: string | null;
  last: SlurmJobState | null;
  missingPolls: number;
  settled: boolean;
}

const DEFAULT_POLL_MS = 10_000;
const DEFAULT_MAX_RESUBMITS = 2;
const DEFAULT_LOST_AFTER_POLLS = 3;
/** A long grid says how it stands at least this often, even when nothing changed. */
const HEARTBEAT_MS = 10 * 60_000;

/** Every job's sbatch script, as `--dry-run` shows them. */
export function formatSlurmDryRun(jobs: Job[], opts: SbatchScriptOptions): string {
  return jobs.map((job) => `# ---- ${job.id}\n${formatSbatchScript(job, opts)}`).join('\n');
}

/** Last lines of a log file, for the message about a failed attempt. */
async function readLogTail(path: string, lines: number): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

/** Submits a job, waits for every job to settle, and says how each ended. */
export async function runSlurm(jobs: Job[], opts: RunSlurmOptions): Promise<Map<string, SlurmJobOutcome>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const maxResubmits = opts.maxResubmits ?? DEFAULT_MAX_RESUBMITS;
  const lostAfterPolls = opts.lostAfterPolls ?? DEFAULT_LOST_AFTER_POLLS;
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw new Error(`Expected job ids to be unique for the slurm executor, got ${job.id} twice`);
    ids.add(job.id);
  }
  const logDir = formatSlurmLogDir(opts.cacheDir);
  await mkdir(logDir, { recursive: true });

  const tracked: Tracked[] = [];
  for (const job of jobs) {
    const scriptFile = join(logDir, `${formatJobFileName(job.id)}.sbatch`);
    await writeFile(scriptFile, formatSbatchScript(job, opts), { mode: 0o755 });
    tracked.push({
      job, scriptFile, slurmId: null, last: null, missingPolls: 0, settled: false,
      outcome: { state: 'UNSUBMITTED', attempts: 0, slurmJobIds: [], logFile: null },
    });
  }

  const submit = async (t: Tracked): Promise<void> => {
    t.outcome.attempts += 1;
    const result = await runCommand('sbatch', ['--parsable', t.scriptFile], opts.env);
    const slurmId = result.stdout.trim().split(';')[0];
    if (result.code !== 0 || !/^\d+$/.test(slurmId)) {
      t.settled = true;
      t.outcome.state = 'SUBMIT_FAILED';
      log(`slurm: sbatch refused ${t.job.id} (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
      return;
    }
    t.slurmId = slurmId;
    t.last = null;
    t.missingPolls = 0;
    t.outcome.state = 'SUBMITTED';
    t.outcome.slurmJobIds.push(slurmId);
    t.outcome.logFile = join(logDir, `${formatJobFileName(t.job.id)}-${slurmId}.out`);
    const gpus = t.job.gpus === 0 ? 'no GPU' : `${t.job.gpus} GPU${t.job.gpus === 1 ? '' : 's'}`;
    log(`slurm: submitted ${t.job.id} as ${slurmId} (${gpus}, attempt ${t.outcome.attempts}), log ${t.outcome.logFile}`);
  };

  const settle = async (t: Tracked, s: SlurmJobState): Promise<void> => {
    t.outcome.state = s.state;
    if (s.state === 'COMPLETED') {
      t.settled = true;
      return;
    }
    const why = s.reason ? ` (${s.reason})` : '';
    const tail = t.outcome.logFile ? await readLogTail(t.outcome.logFile, 5) : [];
    const retry = SLURM_RETRY_STATES.has(s.state) && t.outcome.attempts <= maxResubmits;
    log(
      `slurm: ${t.job.id} (${t.slurmId}) ended ${s.state}${why}; ` +
        (retry
          ? `resubmitting, attempt ${t.outcome.attempts + 1} of ${maxResubmits + 1}`
          : `giving up after ${t.outcome.attempts} attempt${t.outcome.attempts === 1 ? '' : 's'}`) +
        (t.outcome.logFile ? `; log ${t.outcome.logFile}` : ''),
    );
    for (const line of tail) log(`  | ${line}`);
    if (retry) await submit(t);
    else t.settled = true;
  };

  for (const t of tracked) {
    if (opts.signal?.aborted) break;
    await submit(t);
  }

  let lastSummary = '';
  let lastSummaryMs = Date.now();
  const startedMs = Date.now();
  while (tracked.some((t) => !t.settled) && !opts.signal?.aborted) {
    try {
      await sleep(pollMs, undefined, { signal: opts.signal });
    } catch {
      break; // aborted
    }
    const active = tracked.filter((t) => !t.settled && t.slurmId !== null);
    const states = await readSlurmStates(active.map((t) => t.slurmId as string), opts.env);
    for (const t of active) {
      let s = states.get(t.slurmId as string) ?? null;
      if (s === null) {
        s = await readExitFile(join(logDir, `${formatJobFileName(t.job.id)}-${t.slurmId}.exit`));
        if (s === null && ++t.missingPolls >= lostAfterPolls) {
          s = { state: 'LOST', reason: `unknown to squeue and sacct for ${t.missingPolls} polls`, nodes: null };
        }
      }
      if (s === null) continue;
      if (t.last?.state !== s.state) {
        const where = s.nodes ? ` on ${s.nodes}` : s.reason ? ` (${s.reason})` : '';
        log(`slurm: ${t.job.id} (${t.slurmId}) ${t.last?.state ?? 'SUBMITTED'} -> ${s.state}${where}`);
      }
      t.last = s;
      if (SLURM_FINAL_STATES.has(s.state)) await settle(t, s);
      else t.outcome.state = s.state;
    }
    const summary = formatSlurmSummary(tracked);
    if (summary !== lastSummary || Date.now() - lastSummaryMs >= HEARTBEAT_MS) {
      log(`slurm: ${summary} (${formatElapsed(Date.now() - startedMs)})`);
      lastSummary = summary;
      lastSummaryMs = Date.now();
    }
  }

  if (opts.signal?.aborted) {
    const live = tracked.filter((t) => !t.settled && t.slurmId !== null);
    if (live.length > 0) {
      await runCommand('scancel', live.map((t) => t.slurmId as string), opts.env);
      log(`slurm: interrupted; cancelled ${live.map((t) => `${t.job.id} (${t.slurmId})`).join(', ')}`);
    }
    for (const t of tracked.filter((x) => !x.settled)) t.outcome.state = 'CANCELLED';
  }
  const failed = tracked.filter((t) => t.outcome.state !== 'COMPLETED');
  log(
    `slurm: all ${tracked.length} job${tracked.length === 1 ? '' : 's'} settled: ` +
      `${tracked.length - failed.length} completed` +
      (failed.length > 0 ? `, ${failed.length} not (${failed.map((t) => `${t.job.id}: ${t.outcome.state}`).join(', ')})` : ''),
  );
  return new Map(tracked.map((t) => [t.job.id, t.outcome]));
}

/** Elapsed wall time for progress lines: 42s, 12m05s, 3h07m. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

/** One progress line: how many jobs are in each phase. */
function formatSlurmSummary(tracked: Tracked[]): string {
  let pending = 0, running = 0, completed = 0, failed = 0;
  for (const t of tracked) {
    const s = t.outcome.state;
    if (s === 'COMPLETED') completed++;
    else if (t.settled) failed++;
    else if (s === 'RUNNING' || s === 'COMPLETING' || s === 'CONFIGURING') running++;
    else pending++;
  }
  return `${tracked.length} jobs: ${pending} pending, ${running} running, ${completed} completed, ${failed} failed`;
}
