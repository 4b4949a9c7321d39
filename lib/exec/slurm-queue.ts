// What Slurm says about our jobs: squeue while the controller remembers them, then sacct where accounting
// exists, then the exit file the batch script leaves in the cache (clusters without slurmdbd forget finished
// jobs after MinJobAge, and sacct there answers only "accounting storage is disabled").
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface SlurmJobState {
  /** Slurm's state name (PENDING, RUNNING, COMPLETED, FAILED, PREEMPTED, ...), or UNKNOWN. */
  state: string;
  /** squeue's reason (Priority, Resources, NonZeroExitCode, ...), or null. */
  reason: string | null;
  /** Node list once it runs. */
  nodes: string | null;
}

/** States after which a job will not run again by itself. */
export const SLURM_FINAL_STATES = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE',
  'OUT_OF_MEMORY', 'REVOKED', 'SPECIAL_EXIT', 'LOST',
]);

/**
 * Final states worth a new submission: the job resumes from its cached runs. CANCELLED is not among them
 * (someone cancelled it on purpose), nor DEADLINE/REVOKED (Slurm will refuse it again).
 */
export const SLURM_RETRY_STATES = new Set([
  'FAILED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL', 'OUT_OF_MEMORY', 'SPECIAL_EXIT', 'LOST',
]);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; a missing program is a result with code 127, not a throw. */
export function runCommand(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env: env ?? process.env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 127 ? err.message : '') });
    });
  });
}

/** Parses `squeue -h -o '%i|%T|%r|%N'` lines into states by Slurm job id. */
export function parseSqueue(text: string): Map<string, SlurmJobState> {
  const states = new Map<string, SlurmJobState>();
  for (const line of text.split('\n')) {
    const [id, state, reason, nodes] = line.trim().split('|');
    if (!id || !state) continue;
    states.set(id, {
      state: state.trim().toUpperCase(),
      reason: reason && reason !== 'None' ? reason : null,
      nodes: nodes ? nodes : null,
    });
  }
  return states;
}

/** Parses `sacct -n -P -X -o JobID,State` lines; `CANCELLED by 1000` becomes CANCELLED. */
export function parseSacct(text: string): Map<string, SlurmJobState> {
  const states = new Map<string, SlurmJobState>();
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (!id || !state) continue;
    states.set(id, { state: state.split(/\s+/)[0].toUpperCase(), reason: null, nodes: null });
  }
  return states;
}

/** The exit file a finished batch script wrote, as a state; null when there is none (yet). */
export async function readExitFile(path: string): Promise<SlurmJobState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const status = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(status)) return null;
  return { state: status === 0 ? 'COMPLETED' : 'FAILED', reason: `exit status ${status}`, nodes: null };
}

/**
 * States of the given Slurm job ids. Ids neither squeue nor sacct know are left out; the caller decides when
 * a job has been missing long enough to count as lost (and looks for its exit file).
 */
export async function readSlurmStates(ids: string[], env?: NodeJS.ProcessEnv): Promise<Map<string, SlurmJobState>> {
  if (ids.length === 0) return new Map();
  // squeue fails as a whole when none of the ids is known any more; its stdout still holds the known ones.
  const queue = await runCommand('squeue', ['-h', '-t', 'all', '-o', '%i|%T|%r|%N', '-j', ids.join(',')], env);
  const states = parseSqueue(queue.stdout);
  const missing = ids.filter((id) => !states.has(id));
  if (missing.length > 0) {
    const acct = await runCommand('sacct', ['-n', '-P', '-X', '-o', 'JobID,State', '-j', missing.join(',')], env);
    if (acct.code === 0) for (const [id, s] of parseSacct(acct.stdout)) if (missing.includes(id)) states.set(id, s);
  }
  return states;
}
