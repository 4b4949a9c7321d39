import path from 'node:path';
import chalk from 'chalk';
import type { Capacity, Job, Workflow } from '../types.ts';
import type { PlannedJob } from '../plan/plan.ts';
import { openStore } from '../store/index.ts';
import { formatCapacityTable } from '../search/format.ts';
import { detectGpus } from '../exec/gpus.ts';
import { runLocal } from '../exec/local.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { runJob } from './job.ts';

export interface RunOptions {
  cacheDir: string;
  executor: 'local' | 'slurm' | 'ssh';
  /** GPU indices to pack onto; default the workflow's executor.gpus or the detected ones. */
  gpus?: number[] | null;
  /** Write the HTML report at the end (default true). */
  report?: boolean;
  log?: (line: string) => void;
  /** Every job of the workflow, for the report, when `planned` is a selection (--only). */
  reportJobs?: PlannedJob[];
}

/** Runs every planned job (searching capacities), prints the table, writes the report; returns the exit code. */
export async function runWorkflow(workflow: Workflow, planned: PlannedJob[], opts: RunOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log(chalk.yellow(`${sig}: stopping servers; completed runs stay in the cache`));
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const store = await openStore(opts.cacheDir);
  const capacities: Capacity[] = [];
  const failures: { jobId: string; error: Error }[] = [];
  const started = Date.now();
  try {
    if (opts.executor !== 'local') {
      const { runRemote } = await import('./remote.ts');
      const r = await runRemote(workflow, planned, { cacheDir: opts.cacheDir, executor: opts.executor, log, signal: abort.signal });
      failures.push(...r.failures);
      // Remote jobs wrote their runs into the shared cache: the same search over them decides without a benchmark.
    }
    const failed = new Set(failures.map((f) => f.jobId));
    const local = planned.filter((p) => !failed.has(p.job.id));
    const byId = new Map(local.map((p) => [p.job.id, p]));
    const gpus = opts.executor === 'local' && local.some((p) => p.job.gpus > 0)
      ? await detectGpus(opts.gpus ?? (workflow.executor.type === 'local' ? workflow.executor.gpus : 'auto'))
      : [];
    const runOne = async (job: Job, assigned: number[]) => {
      if (abort.signal.aborted) throw abortError();
      log(chalk.bold(`${job.id}`) + chalk.dim(` (fingerprint ${byId.get(job.id)!.fingerprint})`));
      return runJob(job, byId.get(job.id)!.fingerprint, {
        store, cacheDir: opts.cacheDir, baseDir: path.dirname(workflow.file), gpus: assigned, signal: abort.signal,
        log: (line) => log(`  ${line}`), cachedOnly: opts.executor !== 'local',
      });
    };
    let results: Map<string, Capacity[] | Error>;
    if (opts.executor === 'local') {
      results = await runLocal(local.map((p) => p.job), gpus, runOne, { signal: abort.signal });
    } else {
      // The jobs ran elsewhere: judge their cached runs here, one after another, on no GPU.
      results = new Map();
      for (const p of local) results.set(p.job.id, await runOne(p.job, []).catch((e: Error) => e));
    }
    for (const [jobId, r] of results) {
      if (r instanceof Error) failures.push({ jobId, error: r });
      else capacities.push(...r);
    }
    // Remote jobs stored their own capacities beside their runs; the coordinator only re-judged them.
    if (capacities.length > 0 && opts.executor === 'local') await store.writeCapacities(capacities, { workflow: workflow.name, strategy: planned[0].job.search.strategy });
    await store.refreshCatalog();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
  if (capacities.length > 0) {
    process.stdout.write(formatCapacityTable(capacities) + '\n');
    const spent = capacities.reduce((s, c) => s + c.benchmarkSeconds, 0);
    log(chalk.dim(`${planned.length} job(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${spent.toFixed(0)} s of serving benchmarked; results: npx zx run.mjs sql "select * from capacities"`));
  }
  if (opts.report !== false && capacities.length > 0) {
    try {
      const { writeReport } = await import('../report/index.ts');
      const file = await writeReport(workflow, opts.reportJobs ?? planned, { cacheDir: opts.cacheDir });
      log(`report: ${path.relative(process.cwd(), file)}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') log(chalk.red(`report failed: ${(err as Error).message}`));
    }
  }
  for (const f of failures) log(chalk.red(`${f.jobId} failed: ${f.error.message}`));
  if (abort.signal.aborted) return EXIT.interrupted;
  if (failures.some((f) => f.error.name === 'ServerStartError' || (f.error as { isServerFailure?: boolean }).isServerFailure)) return EXIT.server;
  return failures.length > 0 ? EXIT.failed : EXIT.ok;
}

function abortError(): Error {
  const e = new Error('interrupted');
  e.name = 'AbortError';
  return e;
}
