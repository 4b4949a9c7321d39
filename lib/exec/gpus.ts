// Which GPUs this machine offers to headroom: the workflow's own list, else CUDA_VISIBLE_DEVICES when set
// (Slurm and container runtimes set it; an empty value, -1 or Slurm's NoDevFiles mean none), else every GPU
// nvidia-smi lists, else none. Ids are the ones CUDA_VISIBLE_DEVICES takes, so a job's subset is passed on as is.
import { execFile } from 'node:child_process';

export type ReadGpuIndexes = (env: NodeJS.ProcessEnv) => Promise<number[] | null>;

export async function detectGpus(
  setting: number[] | 'auto',
  env: NodeJS.ProcessEnv = process.env,
  readIndexes: ReadGpuIndexes = readNvidiaSmiIndexes,
): Promise<number[]> {
  if (setting !== 'auto') return validateGpuList(setting, 'executor.gpus');
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) return parseVisibleDevices(visible);
  return (await readIndexes(env)) ?? [];
}

export function parseVisibleDevices(value: string): number[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'NoDevFiles' || trimmed === '-1') return [];
  const words = trimmed.split(',').map((w) => w.trim());
  // CUDA stops at the first invalid entry; a UUID or MIG name cannot be packed by index here.
  if (words.some((w) => !/^\d+$/.test(w))) {
    throw new Error(
      `Expected CUDA_VISIBLE_DEVICES to list GPU indexes like 0,1,2, got \`${value}\`; list the GPUs in the workflow's executor.gpus instead`,
    );
  }
  return validateGpuList(words.map(Number), 'CUDA_VISIBLE_DEVICES');
}

function validateGpuList(list: number[], where: string): number[] {
  const seen = new Set<number>();
  for (const g of list) {
    if (!Number.isInteger(g) || g < 0) throw new Error(`Expected ${where} to hold non-negative integers, got \`${g}\``);
    if (seen.has(g)) throw new Error(`Expected ${where} to name each GPU once, got ${g} twice`);
    seen.add(g);
  }
  return [...list];
}

// `nvidia-smi --query-gpu=index --format=csv,noheader` prints one index per line; null when it is absent or fails.
export function readNvidiaSmiIndexes(env: NodeJS.ProcessEnv): Promise<number[] | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { env, timeout: 20_000 }, (err, stdout) => {
      if (err) return resolve(null);
      const indexes = stdout.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number);
      resolve(indexes);
    });
  });
}
