// headroom as a library: the steps `run.mjs` takes, for your own zx scripts (top-level await, typed).
//
//   import { register } from 'tsx/esm/api'; register();
//   const hr = await import('headroom/lib/index.ts');
//   const plan = await hr.planWorkflow('workflows/quickstart.yml', { only: 'sharegpt' });
//   const caps = await hr.searchCapacity(plan, plan.jobs[0]);
import path from 'node:path';
import YAML from 'yaml';
import type { Capacity, Job, RunEvents, Workflow } from './types.ts';
import { parseWorkflow, readWorkflow } from './workflow/read.ts';
import { fingerprintJobs, selectJobs, type PlannedJob } from './plan/plan.ts';
import { openStore, type Evaluation, type Store } from './store/index.ts';
import { runJob, createJobRuntime } from './run/job.ts';

export type * from './types.ts';
export type { PlannedJob } from './plan/plan.ts';
export type { Store, Evaluation } from './store/index.ts';
export { readWorkflow, parseWorkflow } from './workflow/read.ts';
export { WorkflowError } from './workflow/errors.ts';
export { parseDuration, formatDuration } from './workflow/duration.ts';
export { selectJobs, fingerprintJobs, formatPlan } from './plan/plan.ts';
export { jobFingerprint } from './plan/fingerprint.ts';
export { openStore } from './store/index.ts';
export { buildSchedule } from './load/schedule.ts';
export { simulateRun, idleTtftNs } from './sim/virtual.ts';
export { startSimServer } from './sim/server.ts';
export { startServer } from './engines/server.ts';
export { runLoad } from './load/driver.ts';
export { formatCapacityTable } from './search/format.ts';
export { runWorkflow } from './run/workflow.ts';

export interface PlanOptions {
  /** Where runs, profiles and reports live (default ./cache). */
  cacheDir?: string;
  /** Only jobs whose id matches (see --only). */
  only?: string | null;
}

export interface WorkflowPlan {
  workflow: Workflow;
  jobs: PlannedJob[];
  cacheDir: string;
}

/** Reads a workflow file and plans its jobs (fingerprints included). Throws WorkflowError on bad input. */
export async function planWorkflow(file: string, opts: PlanOptions = {}): Promise<WorkflowPlan> {
  const cacheDir = path.resolve(opts.cacheDir ?? 'cache');
  const { workflow, jobs } = readWorkflow(file);
  return { workflow, jobs: await fingerprintJobs(workflow, selectJobs(jobs, opts.only ?? null), cacheDir), cacheDir };
}

/**
 * Plans a workflow built in code (same schema, defaults and errors as a file). `name` stands in for the file
 * name in errors; relative paths resolve against `baseDir` (default: the working directory).
 */
export async function planWorkflowObject(spec: Record<string, unknown>, opts: PlanOptions & { baseDir?: string } = {}): Promise<WorkflowPlan> {
  const cacheDir = path.resolve(opts.cacheDir ?? 'cache');
  const file = path.resolve(opts.baseDir ?? '.', `${String(spec.name ?? 'workflow')}.yml`);
  const { workflow, jobs } = parseWorkflow(YAML.stringify(spec), file);
  return { workflow, jobs: await fingerprintJobs(workflow, selectJobs(jobs, opts.only ?? null), cacheDir), cacheDir };
}

async function withStore<T>(cacheDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cacheDir);
  try {
    return await fn(store);
  } finally {
    await store.refreshCatalog().catch(() => undefined);
    await store.close();
  }
}

/** Searches one planned job's capacity for each of its SLOs (cached probes are reused). */
export async function searchCapacity(plan: WorkflowPlan, planned: PlannedJob, opts: { gpus?: number[]; log?: (line: string) => void } = {}): Promise<Capacity[]> {
  return withStore(plan.cacheDir, async (store) => {
    const caps = await runJob(planned.job, planned.fingerprint, {
      store, cacheDir: plan.cacheDir, baseDir: path.dirname(plan.workflow.file), gpus: opts.gpus ?? [], log: opts.log,
    });
    await store.writeCapacities(caps, { workflow: plan.workflow.name, strategy: planned.job.search.strategy });
    return caps;
  });
}

export interface BenchmarkResult {
  runId: string;
  run: RunEvents;
  evaluation: Evaluation;
}

/** One run of a job at one QPS (no search), stored like any probe and judged against the job's SLOs. */
export async function benchmark(plan: WorkflowPlan, planned: PlannedJob, qps: number, opts: { gpus?: number[]; store?: Store } = {}): Promise<BenchmarkResult> {
  const run = async (store: Store): Promise<BenchmarkResult> => {
    const rt = createJobRuntime(planned.job, planned.fingerprint, {
      store, cacheDir: plan.cacheDir, baseDir: path.dirname(plan.workflow.file), gpus: opts.gpus ?? [],
    });
    try {
      const run = await rt.runProbe(qps, {});
      const runId = await store.writeRun(run);
      const lengths = [...new Set(run.requests.flatMap((r) => (r.promptTokens === null ? [r.promptTokensRequested] : [r.promptTokensRequested, r.promptTokens])))];
      const prefill = rt.prefill ? await rt.prefill(lengths) : null;
      const evaluation = await store.evaluate(runId, planned.job.slos, { prefill, maxLagNs: planned.job.client.maxLagNs });
      return { runId, run, evaluation };
    } finally {
      await rt.close();
    }
  };
  // A caller running many benchmarks passes its open store; otherwise one is opened for this run.
  return opts.store ? run(opts.store) : withStore(plan.cacheDir, run);
}

export type { Job };
