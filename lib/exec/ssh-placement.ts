// Which GPUs of which host a job gets. A job needing n GPUs takes an aligned block: n neighbouring slots of a
// host's GPU list, starting at a multiple of n rounded up to a power of two (2 GPUs at 0-1 or 2-3, 4 at 0-3),
// as Etalon's allocator does, so tensor-parallel peers share a switch and big blocks stay free for big jobs.
import type { ExecutorSettings, Job } from '../types.ts';

export type SshHost = Extract<ExecutorSettings, { type: 'ssh' }>['hosts'][number];

export interface Placement {
  hostIndex: number;
  /** The host's own GPU ids (its `gpus` entries), for CUDA_VISIBLE_DEVICES. */
  gpus: number[];
  /** Positions in the host's GPU list (what is freed again). */
  slots: number[];
}

export interface GpuPool {
  /** A place for a job needing `gpus` GPUs now (on `onlyHost` when given), or null when none is free. */
  take(gpus: number, onlyHost?: number): Placement | null;
  give(placement: Placement): void;
  /** No more jobs go to this host (it stopped answering). */
  retire(hostIndex: number): void;
}

function alignmentOf(n: number): number {
  let a = 1;
  while (a < n) a *= 2;
  return a;
}

/** Throws when a job needs more GPUs than any one host has (it could never start). */
export function validateSshPlacement(jobs: Job[], hosts: SshHost[]): void {
  if (hosts.length === 0) throw new Error('Expected the ssh executor to list at least one host, got none');
  const most = Math.max(...hosts.map((h) => h.gpus.length));
  const tooBig = jobs.filter((j) => j.gpus > most);
  if (tooBig.length > 0) {
    throw new Error(
      `Expected every job to fit on one ssh host (the largest has ${most} GPU${most === 1 ? '' : 's'}), got ` +
        tooBig.map((j) => `${j.id} needing ${j.gpus}`).join(', '),
    );
  }
}

/**
 * GPUs free on each host. Jobs needing no GPU (sim, external) take one of `cpuSlotsPerHost` slots instead,
 * so a host is not flooded with CPU-bound load drivers.
 */
export function startGpuPool(hosts: SshHost[], cpuSlotsPerHost = 1): GpuPool {
  const busy = hosts.map((h) => h.gpus.map(() => false));
  const cpuJobs = hosts.map(() => 0);
  const retired = hosts.map(() => false);
  return {
    take(n, onlyHost) {
      const allowed = (h: number) => !retired[h] && (onlyHost === undefined || h === onlyHost);
      if (n === 0) {
        let best = -1;
        for (let h = 0; h < hosts.length; h++) {
          if (allowed(h) && cpuJobs[h] < cpuSlotsPerHost && (best < 0 || cpuJobs[h] < cpuJobs[best])) best = h;
        }
        if (best < 0) return null;
        cpuJobs[best]++;
        return { hostIndex: best, gpus: [], slots: [] };
      }
      const align = alignmentOf(n);
      // Best fit: the host left with the fewest free GPUs, so whole hosts stay whole for big jobs.
      let choice: { hostIndex: number; start: number; freeAfter: number } | null = null;
      for (let h = 0; h < hosts.length; h++) {
        if (!allowed(h)) continue;
        const slots = busy[h];
        const free = slots.filter((b) => !b).length;
        for (let start = 0; start + n <= slots.length; start += align) {
          if (slots.slice(start, start + n).some((b) => b)) continue;
          if (choice === null || free - n < choice.freeAfter) choice = { hostIndex: h, start, freeAfter: free - n };
          break;
        }
      }
      if (choice === null) return null;
      const { hostIndex, start } = choice;
      const slots = Array.from({ length: n }, (_, i) => start + i);
      for (const s of slots) busy[hostIndex][s] = true;
      return { hostIndex, gpus: slots.map((s) => hosts[hostIndex].gpus[s]), slots };
    },
    give(p) {
      if (p.slots.length === 0) cpuJobs[p.hostIndex]--;
      for (const s of p.slots) busy[p.hostIndex][s] = false;
    },
    retire(h) {
      retired[h] = true;
    },
  };
}
