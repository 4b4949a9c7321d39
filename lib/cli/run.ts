import path from 'node:path';
import { UsageError, EXIT } from './exit-codes.ts';
import { parseCommand } from './args.ts';
import { readWorkflow } from '../workflow/read.ts';
import { fingerprintJobs, formatPlan, selectJobs, type PlanLineInfo } from '../plan/plan.ts';

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      'dry-run': { type: 'boolean', default: false },
      only: { type: 'string' },
      executor: { type: 'string' },
      strategy: { type: 'string' },
      gpus: { type: 'string' },
    },
    'run',
  );
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (usage: npx zx run.mjs <workflow.yml>)`);
  const executor = values.executor as string | undefined;
  if (executor && !['local', 'slurm', 'ssh'].includes(executor)) throw new UsageError(`--executor: expected local, slurm or ssh, got "${executor}"`);
  const strategy = values.strategy as string | undefined;
  if (strategy && !['headroom', 'etalon'].includes(strategy)) throw new UsageError(`--strategy: expected headroom or etalon, got "${strategy}"`);
  const cacheDir = path.resolve(String(values.cache));
  const gpuText = values.gpus as string | undefined;
  const gpus = gpuText === undefined ? null : gpuText.split(',').map((g) => Number(g.trim()));
  if (gpus && gpus.some((g) => !Number.isInteger(g) || g < 0)) throw new UsageError(`--gpus: expected GPU indices separated by commas, like 0,1,2,3; got "${gpuText}"`);
  const { workflow, jobs: all } = readWorkflow(positionals[0]);
  const jobs = selectJobs(all, (values.only as string | undefined) ?? null);
  if (jobs.length === 0) throw new UsageError(`--only "${values.only}" matches no job; jobs are:\n  ${all.map((j) => j.id).join('\n  ')}`);
  if (strategy) for (const j of jobs) j.search = { ...j.search, strategy: strategy as 'headroom' | 'etalon' };
  const planned = await fingerprintJobs(workflow, jobs, cacheDir);
  if (values['dry-run']) {
    const { planInfo } = await import('../run/plan-info.ts');
    const info: Map<string, PlanLineInfo> = await planInfo(workflow, planned, cacheDir, gpus);
    process.stdout.write(formatPlan(workflow, planned, info) + '\n');
    if ((executor ?? workflow.executor.type) === 'slurm') {
      const { formatSlurmDryRun } = await import('../exec/slurm.ts');
      const { REPO_ROOT } = await import('../run/job.ts');
      const settings = workflow.executor.type === 'slurm' ? workflow.executor : { type: 'slurm' as const, partition: null, account: null, time: '04:00:00', sbatchArgs: [] };
      process.stdout.write('\n' + formatSlurmDryRun(jobs, { workflowFile: workflow.file, cacheDir, repoRoot: REPO_ROOT, settings }) + '\n');
    }
    return EXIT.ok;
  }
  const { runWorkflow } = await import('../run/workflow.ts');
  const reportJobs = jobs.length === all.length ? planned : await fingerprintJobs(workflow, all, cacheDir);
  return runWorkflow(workflow, planned, { cacheDir, gpus, reportJobs, executor: (executor as 'local' | 'slurm' | 'ssh' | undefined) ?? workflow.executor.type });
}
