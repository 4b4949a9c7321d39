// Running jobs on this machine: a GPU job starts as soon as an aligned block of free GPUs exists (see pack.ts),
// jobs needing no GPU share a concurrency limit (default 1: the load driver and the simulator each want a core,
// and this machine has two), and a job that needs more GPUs than exist fails at once with an Error saying so.
// One job's failure does not stop the others; each job's result or Error is in the returned map.
import type { Job } from '../types.ts';
import { explainTooLarge, orderSmallestFirst, takeAlignedBlock } from './pack.ts';

export interface RunLocalOptions {
  /** Jobs needing no GPU (sim, external) that may run at once. */
  concurrency?: number;
  /** Once aborted, no further job starts; those still waiting get an Error. Running jobs are left to finish. */
  signal?: AbortSignal;
}

export async function runLocal<T>(
  jobs: Job[],
  gpus: number[],
  runJob: (job: Job, gpus: number[]) => Promise<T>,
  opts: RunLocalOptions = {},
): Promise<Map<string, T | Error>> {
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const results = new Map<string, T | Error>();
  const free = gpus.map(() => true);
  let waitingGpu: Job[] = [];
  const waitingCpu: Job[] = [];
  for (const job of orderSmallestFirst(jobs)) {
    const reason = explainTooLarge(job, gpus);
    if (reason) results.set(job.id, new Error(reason));
    else if (job.gpus === 0) waitingCpu.push(job);
    else waitingGpu.push(job);
  }
  let cpuRunning = 0;
  let running = 0;

  return new Promise((resolve) => {
    const finish = (job: Job, outcome: T | Error, release: () => void) => {
      results.set(job.id, outcome);
      release();
      running--;
      schedule();
    };
    const launch = (job: Job, assigned: number[], release: () => void) => {
      running++;
      // A synchronous throw in runJob counts as that job's failure, like a rejection.
      Promise.resolve()
        .then(() => runJob(job, assigned))
        .then(
          (value) => finish(job, value, release),
          (err) => finish(job, err instanceof Error ? err : new Error(String(err)), release),
        );
    };
    const schedule = () => {
      if (opts.signal?.aborted) {
        for (const job of [...waitingGpu, ...waitingCpu]) results.set(job.id, new Error(`Job ${job.id} was not started: the run was interrupted`));
        waitingGpu = [];
        waitingCpu.length = 0;
      }
      const stillWaiting: Job[] = [];
      for (const job of waitingGpu) {
        const block = takeAlignedBlock(free, gpus, job.gpus);
        if (block === null) {
          stillWaiting.push(job);
          continue;
        }
        launch(job, block.gpus, () => {
          for (const i of block.positions) free[i] = true;
        });
      }
      waitingGpu = stillWaiting;
      while (cpuRunning < concurrency && waitingCpu.length > 0) {
        cpuRunning++;
        launch(waitingCpu.shift()!, [], () => cpuRunning--);
      }
      if (running === 0 && waitingGpu.length === 0 && waitingCpu.length === 0) {
        // Report in the order the jobs were given.
        resolve(new Map(jobs.filter((j) => results.has(j.id)).map((j) => [j.id, results.get(j.id)!])));
      }
    };
    opts.signal?.addEventListener('abort', () => schedule(), { once: true });
    schedule();
  });
}
