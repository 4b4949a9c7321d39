// `npx zx run.mjs profile <workflow.yml> [--only PATTERN] [--force] [--no-chart] [--gpus 0,1] [--cache DIR]`: the prefill
// profile (fit + ONNX predictor + chart) of every model x system x parallel spec the workflow plans, written
// under <cache>/profiles/. Jobs that share a server share one profile (the trace does not enter its key).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import type { Job } from '../types.ts';
import { parseCommand } from './args.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { readWorkflow } from '../workflow/read.ts';
import { selectJobs } from '../plan/plan.ts';
import { startServer, type RunningServer } from '../engines/server.ts';
import { createPromptMaker } from '../load/prompts.ts';
import { createProfile, ensurePrefillPredictor, profilePaths, readProfileMeta, type PrefillProfileMeta } from '../profile/cache.ts';
import { formatPrefillChartSvg } from '../profile/chart.ts';
import { formatFit, PrefillFitError } from '../profile/fit.ts';
import { profileFingerprint } from '../profile/fingerprint.ts';
import { httpMeasure, virtualMeasure, type Measure } from '../profile/profile.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface MeasureHandle {
  measure: Measure;
  close(): Promise<void>;
}

export interface ProfileJobsOptions {
  cacheDir: string;
  /** How to measure a job; by default the simulator in virtual time, else the job's server over HTTP. */
  measureFor?: (job: Job) => MeasureHandle;
  /** Profile again even when a profile is cached. */
  force?: boolean;
  /** Write <fingerprint>.svg beside each profile (default true). */
  charts?: boolean;
  /** GPUs for a job's server (default 0..gpus-1). */
  gpus?: number[];
  log?: (line: string) => void;
}

export interface ProfileOutcome {
  jobId: string;
  fingerprint: string;
  /** Where the predictor came from (see ensurePrefillPredictor), or null when profiling failed. */
  source: string | null;
  meta: PrefillProfileMeta | null;
  chartPath: string | null;
  /** Why the profile was refused (a poor fit), or null. */
  error: string | null;
}

/** Profiles each distinct server of the jobs, in order; a refused fit is an outcome, a dead server throws. */
export async function profileJobs(jobs: Job[], opts: ProfileJobsOptions): Promise<ProfileOutcome[]> {
  const log = opts.log ?? (() => {});
  const measureFor = opts.measureFor ?? ((job: Job) => defaultMeasure(job, opts));
  const done = new Map<string, ProfileOutcome>();
  const outcomes: ProfileOutcome[] = [];
  for (const job of jobs) {
    const fingerprint = profileFingerprint(job);
    const shared = done.get(fingerprint);
    if (shared) {
      outcomes.push({ ...shared, jobId: job.id });
      continue;
    }
    const handle = measureFor(job);
    let outcome: ProfileOutcome;
    try {
      outcome = await profileOne(job, fingerprint, handle.measure, opts, log);
    } finally {
      await handle.close();
    }
    done.set(fingerprint, outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function profileOne(job: Job, fingerprint: string, measure: Measure, opts: ProfileJobsOptions, log: (l: string) => void): Promise<ProfileOutcome> {
  const base = { jobId: job.id, fingerprint, chartPath: null };
  try {
    if (opts.force && job.system.prefillOnnx === null) await createProfile(job, { cacheDir: opts.cacheDir, fingerprint, measure, log });
    const predictor = await ensurePrefillPredictor(job, { cacheDir: opts.cacheDir, fingerprint, measure, log });
    const meta = job.system.prefillOnnx === null ? await readProfileMeta(opts.cacheDir, fingerprint) : null;
    let chartPath: string | null = null;
    if (meta && opts.charts !== false) {
      chartPath = profilePaths(opts.cacheDir, fingerprint).onnx.replace(/\.onnx$/, '.svg');
      const title = `${meta.model} on ${meta.system} (tp${meta.parallel.tp}-pp${meta.parallel.pp})`;
      await writeFile(chartPath, await formatPrefillChartSvg(meta.points, meta.fit, { title }));
    }
    const source = opts.force && meta ? `new profile ${profilePaths(opts.cacheDir, fingerprint).onnx}` : predictor.source;
    return { ...base, source, meta, chartPath, error: null };
  } catch (e) {
    if (!(e instanceof PrefillFitError)) throw e;
    return { ...base, source: null, meta: null, error: e.message };
  }
}

// The simulator in virtual time measures in-process; anything else gets its server started on first use.
function defaultMeasure(job: Job, opts: ProfileJobsOptions): MeasureHandle {
  if (job.system.engine === 'sim' && job.system.sim.clock === 'virtual') return { measure: virtualMeasure(job), close: async () => {} };
  let server: Promise<RunningServer> | null = null;
  const ensureServer = () =>
    (server ??= startServer(job, {
      gpus: opts.gpus ?? Array.from({ length: job.gpus }, (_, i) => i),
      logDir: path.join(opts.cacheDir, 'logs'),
      repoRoot: REPO_ROOT,
    }));
  const apiKey = job.system.apiKeyEnv ? (process.env[job.system.apiKeyEnv] ?? null) : null;
  const prompts = async () => {
    if (job.system.engine === 'sim') return createPromptMaker({ kind: 'sim' });
    if (job.system.engine === 'external') return createPromptMaker({ kind: 'server', baseUrl: (await ensureServer()).baseUrl, model: job.model.hfId });
    return createPromptMaker({ kind: 'tokenizer', tokenizer: job.model.tokenizer, cacheDir: opts.cacheDir });
  };
  const measure = httpMeasure({ server: ensureServer, model: job.model.hfId, prompts, apiKey, client: job.client, outputTokens: job.profile.outputTokens });
  return {
    measure,
    close: async () => {
      if (server) await (await server).stop();
    },
  };
}

/** One block per profile: job, where the predictor came from, the fit and its chart. */
export function formatOutcomes(outcomes: ProfileOutcome[]): string {
  return outcomes
    .map((o) => {
      if (o.error) return `${o.jobId}\n  refused: ${o.error}`;
      const lines = [`${o.jobId}`, `  predictor: ${o.source}`];
      if (o.meta) lines.push(`  fit: ${formatFit(o.meta.fit)}`, `  lengths: ${o.meta.lengths.join(', ')}`);
      if (o.chartPath) lines.push(`  chart: ${o.chartPath}`);
      return lines.join('\n');
    })
    .join('\n');
}

export interface MainOptions {
  /** Overrides --cache. */
  cacheDir?: string;
  /** Where the summary and the progress lines go (process.stdout / process.stderr by default). */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const err = opts.err ?? ((t: string) => void process.stderr.write(t));
  const { values, positionals } = parseCommand(
    argv,
    { only: { type: 'string' }, force: { type: 'boolean', default: false }, gpus: { type: 'string' }, 'no-chart': { type: 'boolean', default: false } },
    'profile',
  );
  if (positionals.length !== 1) {
    throw new UsageError(`profile: expected one workflow file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (usage: npx zx run.mjs profile <workflow.yml>)`);
  }
  const gpus = values.gpus === undefined ? undefined : String(values.gpus).split(',').map(Number);
  if (gpus && gpus.some((g) => !Number.isInteger(g) || g < 0)) throw new UsageError(`--gpus: expected GPU indices like 0,1, got "${values.gpus}"`);
  const cacheDir = opts.cacheDir ?? path.resolve(String(values.cache));
  const { jobs: all } = readWorkflow(positionals[0]);
  const only = (values.only as string | undefined) ?? null;
  const jobs = selectJobs(all, only);
  if (jobs.length === 0) throw new UsageError(`--only "${only}" matches no job; jobs are:\n  ${all.map((j) => j.id).join('\n  ')}`);
  const outcomes = await profileJobs(jobs, {
    cacheDir,
    force: values.force as boolean,
    charts: !values['no-chart'],
    gpus,
    log: (line) => err(line + '\n'),
  });
  out(formatOutcomes(outcomes) + '\n');
  return outcomes.some((o) => o.error) ? EXIT.failed : EXIT.ok;
}
