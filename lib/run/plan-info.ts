import fs from 'node:fs';
import type { Workflow } from '../types.ts';
import type { PlanLineInfo, PlannedJob } from '../plan/plan.ts';
import { openStore } from '../store/index.ts';
import { detectGpus } from '../exec/gpus.ts';
import { planPacking } from '../exec/pack.ts';

/** What --dry-run adds to each job: its runs already cached, and the GPUs it would get. Writes nothing. */
export async function planInfo(workflow: Workflow, planned: PlannedJob[], cacheDir: string, gpuList: number[] | null): Promise<Map<string, PlanLineInfo>> {
  const info = new Map<string, PlanLineInfo>();
  const counts = new Map<string, number>();
  const haveCache = fs.existsSync(cacheDir);
  if (haveCache) {
    const store = await openStore(cacheDir);
    try {
      for (const p of planned) counts.set(p.fingerprint, (await store.listRuns({ fingerprint: p.fingerprint })).length);
    } finally {
      await store.close();
    }
  }
  const gpuJobs = planned.map((p) => p.job).filter((j) => j.gpus > 0);
  const assigned = new Map<string, { gpus: number[]; wave: number }>();
  if (gpuJobs.length > 0) {
    const setting = gpuList ?? (workflow.executor.type === 'local' ? workflow.executor.gpus : 'auto');
    const gpus = await detectGpus(setting);
    if (gpus.length > 0) planPacking(gpuJobs, gpus).waves.forEach((wave, w) => wave.forEach((a) => assigned.set(a.jobId, { gpus: a.gpus, wave: w + 1 })));
  }
  for (const p of planned) info.set(p.job.id, { cachedRuns: haveCache ? (counts.get(p.fingerprint) ?? 0) : null, gpus: assigned.get(p.job.id)?.gpus ?? null, wave: assigned.get(p.job.id)?.wave ?? null });
  return info;
}
