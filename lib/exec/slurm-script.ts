// The batch script that runs one headroom job on a Slurm node, and the pieces of it that the ssh executor
// shares (the job's command line and shell quoting). Everything here is pure: `--dry-run` prints it as is.
import { join } from 'node:path';
import type { ExecutorSettings, Job } from '../types.ts';
import { parseDuration } from '../workflow/duration.ts';

export type SlurmSettings = Extract<ExecutorSettings, { type: 'slurm' }>;

export interface JobCommandOptions {
  /** Workflow file as the node sees it. */
  workflowFile: string;
  /** Cache directory as the node sees it. */
  cacheDir: string;
  /**
   * Replaces the headroom command (for stand-ins and wrappers). `{jobId}`, `{workflow}` and `{cacheDir}` are
   * substituted inside each argument.
   */
  command?: string[];
}

export interface SbatchScriptOptions extends JobCommandOptions {
  /** The headroom checkout the node runs from (shared file system). */
  repoRoot: string;
  settings: SlurmSettings;
}

/** The default command: headroom runs this one job with the local executor on the GPUs it was given. */
export const HEADROOM_JOB_COMMAND = [
  'npx', 'zx', 'run.mjs', '{workflow}', '--only', '{jobId}', '--executor', 'local', '--cache', '{cacheDir}',
];

/** Quotes one word for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function quoteShell(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The argv that runs one job: the template with `{jobId}`, `{workflow}`, `{cacheDir}` filled in. */
export function formatJobCommand(job: Job, opts: JobCommandOptions): string[] {
  const template = opts.command ?? HEADROOM_JOB_COMMAND;
  if (template.length === 0) throw new Error(`Expected the job command to have at least one word, got []`);
  const values: Record<string, string> = { jobId: job.id, workflow: opts.workflowFile, cacheDir: opts.cacheDir };
  return template.map((arg) => arg.replace(/\{(jobId|workflow|cacheDir)\}/g, (_, key: string) => values[key]));
}

/** A job id as a file name: `llama-3-8b/vllm/sharegpt/tp1-pp1` -> `llama-3-8b_vllm_sharegpt_tp1-pp1`. */
export function formatJobFileName(jobId: string): string {
  // `%` would be read by Slurm as a filename pattern, `/` as a directory.
  return jobId.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Where a job's Slurm output goes: `<cache>/logs/slurm/` (created by the coordinator before sbatch). */
export function formatSlurmLogDir(cacheDir: string): string {
  return join(cacheDir, 'logs', 'slurm');
}

// Slurm's own --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
const SLURM_TIME = /^(\d+|\d+:\d+|\d+:\d+:\d+|\d+-\d+|\d+-\d+:\d+|\d+-\d+:\d+:\d+|UNLIMITED|INFINITE)$/i;

/** Turns the workflow's time limit (Slurm's form, or a duration such as `90m`) into Slurm's D-HH:MM:SS. */
export function formatSlurmTime(time: string): string {
  const text = time.trim();
  if (SLURM_TIME.test(text)) return text;
  const ns = parseDuration(text);
  if (ns === null || ns <= 0) {
    throw new Error(
      `Expected the slurm executor's \`time\` to be a duration such as "2h" or Slurm's D-HH:MM:SS, got ${JSON.stringify(time)}`,
    );
  }
  const totalS = Math.ceil(ns / 1e9);
  const d = Math.floor(totalS / 86400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hms = `${pad(Math.floor((totalS % 86400) / 3600))}:${pad(Math.floor((totalS % 3600) / 60))}:${pad(totalS % 60)}`;
  return d > 0 ? `${d}-${hms}` : hms;
}

/** CPUs asked for a job when the workflow does not say: 4 per GPU, at least 2 (the server and the client). */
export function defaultCpusFor(gpus: number): number {
  return Math.max(2, 4 * gpus);
}

/** A value in an #SBATCH line: sbatch splits those lines at blanks but keeps double-quoted words whole. */
function quoteDirective(value: string): string {
  return /[\s"']/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value;
}

/** Groups extra sbatch arguments into #SBATCH lines: a word starting with `-` opens a line, others join it. */
function formatExtraDirectives(args: string[]): string[] {
  const lines: string[][] = [];
  for (const arg of args) {
    const word = quoteDirective(arg);
    if (arg.startsWith('-') || lines.length === 0) lines.push([word]);
    else lines[lines.length - 1].push(word);
  }
  return lines.map((words) => `#SBATCH ${words.join(' ')}`);
}

/** The sbatch script for one job: its resources as #SBATCH lines, then headroom for that job alone. */
export function formatSbatchScript(job: Job, opts: SbatchScriptOptions): string {
  const { settings } = opts;
  const fileName = formatJobFileName(job.id);
  const logDir = formatSlurmLogDir(opts.cacheDir);
  const directives = [
    `#SBATCH --job-name=headroom/${job.id.replace(/[^A-Za-z0-9._\/:+-]+/g, '_')}`,
    `#SBATCH --output=${quoteDirective(join(logDir, `${fileName}-%j.out`))}`,
    `#SBATCH --nodes=1`,
    `#SBATCH --ntasks=1`,
  ];
  if (job.gpus > 0) directives.push(`#SBATCH --gres=gpu:${job.gpus}`);
  if (settings.partition) directives.push(`#SBATCH --partition=${quoteDirective(settings.partition)}`);
  if (settings.account) directives.push(`#SBATCH --account=${quoteDirective(settings.account)}`);
  if (settings.time) directives.push(`#SBATCH --time=${formatSlurmTime(settings.time)}`);
  // Slurm's default is one CPU per task, which starves an engine and the load driver alike (and shows up as
  // client lag or slow tokenization, not as an error): ask for some unless the workflow says how many.
  const saysCpus = settings.sbatchArgs.some((a) => /^(-c\d*|--cpus-per-task|--cpus-per-gpu|--exclusive)(=|$)/.test(a));
  if (!saysCpus) directives.push(`#SBATCH --cpus-per-task=${defaultCpusFor(job.gpus)}`);
  directives.push(...formatExtraDirectives(settings.sbatchArgs));

  const command = formatJobCommand(job, opts).map(quoteShell).join(' ');
  const jobWord = quoteShell(job.id);
  const exitFile = quoteShell(join(logDir, fileName)) + '-"$SLURM_JOB_ID".exit';
  const gpuCheck =
    job.gpus > 0
      ? [
          `# The engine's GPUs are the ones Slurm's gres allocated; a node that does not say which is an error.`,
          `if [ -z "\${CUDA_VISIBLE_DEVICES:-}" ]; then`,
          `  echo "headroom: expected Slurm to set CUDA_VISIBLE_DEVICES for ${job.gpus} GPU(s) (--gres=gpu:${job.gpus}), found it unset" >&2`,
          `  exit 1`,
          `fi`,
        ]
      : [`# This job needs no GPU: whatever the submitting shell had is not for it.`, `export CUDA_VISIBLE_DEVICES=`];
  return [
    '#!/bin/bash',
    `# headroom job ${job.id} (${job.gpus} GPU${job.gpus === 1 ? '' : 's'})`,
    ...directives,
    'set -euo pipefail',
    `job=${jobWord}`,
    `cd ${quoteShell(opts.repoRoot)}`,
    ...gpuCheck,
    `echo "headroom: job $job as Slurm job $SLURM_JOB_ID on $(hostname) with CUDA_VISIBLE_DEVICES=\${CUDA_VISIBLE_DEVICES:-}"`,
    'status=0',
    `${command} || status=$?`,
    `# The exit status outlives Slurm's memory of the job (clusters without accounting forget it after MinJobAge).`,
    `echo "$status" > ${exitFile}`,
    'exit "$status"',
    '',
  ].join('\n');
}
