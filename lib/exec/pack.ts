// Placing jobs on GPUs the way Etalon's allocator does: a job needing n GPUs gets n consecutive entries of the
// GPU list starting at a multiple of n (a TP-2 job gets 0,1 or 2,3, never 1,2), so NVLink pairs and NUMA halves
// stay together and small jobs do not fragment the blocks large ones need. Jobs go smallest first. Jobs
// needing no GPU (sim, external) are not placed; the local executor runs them under its own concurrency limit.
import type { Job } from '../types.ts';

export interface Placement {
  jobId: string;
  gpus: number[];
}

export interface PackingPlan {
  /** Jobs that run together; each wave starts when the previous one is done (a picture, see runLocal). */
  waves: Placement[][];
  /** Jobs that can never run here. */
  impossible: { jobId: string; reason: string }[];
}

/** Lowest aligned run of n free positions, or null. */
export function findAlignedBlock(free: boolean[], n: number): number | null {
  if (n <= 0 || n > free.length) return null;
  for (let start = 0; start + n <= free.length; start += n) {
    let ok = true;
    for (let i = start; i < start + n && ok; i++) ok = free[i];
    if (ok) return start;
  }
  return null;
}

/**
 * Takes the lowest aligned run of n free GPUs: marks it taken in `free` (positions in `gpus`) and returns the
 * positions and the GPU ids, or null when none is free. The executor and the dry-run's waves both place this way.
 */
export function takeAlignedBlock(free: boolean[], gpus: readonly number[], n: number): { positions: number[]; gpus: number[] } | null {
  const start = findAlignedBlock(free, n);
  if (start === null) return null;
  const positions = Array.from({ length: n }, (_, i) => start + i);
  for (const i of positions) free[i] = false;
  return { positions, gpus: gpus.slice(start, start + n) };
}

/** Stable smallest-first order. */
export function orderSmallestFirst(jobs: Job[]): Job[] {
  return jobs.map((job, i) => ({ job, i })).sort((a, b) => a.job.gpus - b.job.gpus || a.i - b.i).map((x) => x.job);
}

export function explainTooLarge(job: Job, gpus: number[]): string | null {
  if (job.gpus <= gpus.length) return null;
  const offer = gpus.length === 0 ? 'none' : `${gpus.length} (${gpus.join(',')})`;
  return `Job ${job.id} needs ${job.gpus} GPUs (tp ${job.parallel.tp} x pp ${job.parallel.pp}); this machine offers ${offer}`;
}

export function planPacking(jobs: Job[], gpus: number[], opts: { concurrency?: number } = {}): PackingPlan {
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const impossible: PackingPlan['impossible'] = [];
  let pending: Job[] = [];
  const cpuJobs: Job[] = [];
  for (const job of orderSmallestFirst(jobs)) {
    const reason = explainTooLarge(job, gpus);
    if (reason) impossible.push({ jobId: job.id, reason });
    else if (job.gpus === 0) cpuJobs.push(job);
    else pending.push(job);
  }
  const waves: Placement[][] = [];
  while (pending.length > 0 || cpuJobs.length > 0) {
    const free = gpus.map(() => true);
    const wave: Placement[] = [];
    const left: Job[] = [];
    for (const job of pending) {
      const block = takeAlignedBlock(free, gpus, job.gpus);
      if (block === null) {
        left.push(job);
        continue;
      }
      wave.push({ jobId: job.id, gpus: block.gpus });
    }
    for (const job of cpuJobs.splice(0, concurrency)) wave.push({ jobId: job.id, gpus: [] });
    waves.push(wave);
    pending = left;
  }
  return { waves, impossible };
}
