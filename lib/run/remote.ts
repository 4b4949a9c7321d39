import type { Workflow } from '../types.ts';
import type { PlannedJob } from '../plan/plan.ts';
import { runSlurm } from '../exec/slurm.ts';
import { runSsh } from '../exec/ssh.ts';
import { REPO_ROOT } from './job.ts';

export interface RemoteOptions {
  cacheDir: string;
  executor: 'slurm' | 'ssh';
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * Runs each job on a Slurm node or an ssh host, where headroom runs that one job with the local executor and
 * writes its runs into the (shared or copied-back) cache. The coordinator then reads capacities from the cache.
 */
export async function runRemote(workflow: Workflow, planned: PlannedJob[], opts: RemoteOptions): Promise<{ failures: { jobId: string; error: Error }[] }> {
  const jobs = planned.map((p) => p.job);
  const failures: { jobId: string; error: Error }[] = [];
  if (opts.executor === 'slurm') {
    const settings = workflow.executor.type === 'slurm'
      ? workflow.executor
      : { type: 'slurm' as const, partition: null, account: null, time: '04:00:00', sbatchArgs: [] };
    const outcomes = await runSlurm(jobs, {
      workflowFile: workflow.file, cacheDir: opts.cacheDir, repoRoot: REPO_ROOT, settings, log: opts.log, signal: opts.signal,
    });
    for (const [jobId, o] of outcomes) {
      if (o.state !== 'COMPLETED') failures.push({ jobId, error: new Error(`Slurm job ended ${o.state} after ${o.attempts} attempt(s); log: ${o.logFile ?? 'none'}`) });
    }
  } else {
    if (workflow.executor.type !== 'ssh') throw Object.assign(new Error(`--executor ssh needs executor: { type: ssh, hosts: [...] } in ${workflow.file}`), { name: 'InputError' });
    const outcomes = await runSsh(jobs, {
      workflowFile: workflow.file, cacheDir: opts.cacheDir, settings: workflow.executor, repoRoot: REPO_ROOT, log: opts.log, signal: opts.signal,
    });
    for (const [jobId, o] of outcomes) {
      if (o.state !== 'COMPLETED') failures.push({ jobId, error: new Error(`ssh job on ${o.host ?? 'no host'} ended ${o.state} (exit ${o.exitCode}) after ${o.attempts} attempt(s); log: ${o.logFile}`) });
    }
  }
  return { failures };
}
