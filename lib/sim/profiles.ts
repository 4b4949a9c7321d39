// Model, hardware and CPU profiles of the simulated engine are JSON data files under ./profiles; this reads and
// checks them (a typo in a profile name names the files that do exist).
import { readFileSync, readdirSync } from 'node:fs';

export interface ModelProfile {
  name: string;
  hfId: string;
  layers: number;
  hidden: number;
  headsQ: number;
  headsKv: number;
  headDim: number;
  ffn: number;
  /** Experts per MoE layer (1 for dense) and how many each token uses. */
  experts: number;
  expertsTopK: number;
  vocab: number;
  maxModelLen: number;
}

export interface HardwareProfile {
  name: string;
  peakFlops: number;
  bandwidthBytesPerS: number;
  memoryMiB: number;
  efficiency: { gemm: number; weightReads: number; attentionFull: number; attentionChunked: number; kvReads: number };
  fixedStepMs: number;
  /** Kernel-launch cost of an eager (non CUDA graph) iteration, amortized away by eagerLaunchTokens tokens. */
  eagerLaunchMs: number;
  eagerLaunchTokens: number;
  cudaGraphMaxBatch: number;
  allReduceLatencyUs: number;
  allReduceBytesPerS: number;
}

export interface CpuProfile {
  name: string;
  stepMs: number;
  perSequenceMs: number;
  perPrefillTokenUs: number;
  /** Once per request before it can be scheduled: HTTP parsing and tokenizing. */
  requestMs: number;
  requestPerPromptTokenUs: number;
}

const ROOT = new URL('./profiles/', import.meta.url);
const cache = new Map<string, unknown>();

function readProfile<T>(kind: 'models' | 'hardware' | 'cpu', name: string, keys: string[]): T {
  const key = `${kind}/${name}`;
  const hit = cache.get(key);
  if (hit) return hit as T;
  const names = listProfiles(kind);
  if (!names.includes(name)) {
    throw new Error(`Unknown simulator ${kind === 'models' ? 'model' : kind} profile \`${name}\`: expected one of ${names.map((n) => `\`${n}\``).join(', ')}`);
  }
  const value = JSON.parse(readFileSync(new URL(`${key}.json`, ROOT), 'utf8')) as Record<string, unknown>;
  const missing = keys.filter((k) => value[k] === undefined);
  if (missing.length) throw new Error(`Simulator profile ${key}.json lacks ${missing.join(', ')}`);
  cache.set(key, value);
  return value as T;
}

/** Names of the profiles of one kind (file names without .json). */
export function listProfiles(kind: 'models' | 'hardware' | 'cpu'): string[] {
  return readdirSync(new URL(`${kind}/`, ROOT))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function readModelProfile(name: string): ModelProfile {
  return readProfile('models', name, ['layers', 'hidden', 'headsQ', 'headsKv', 'headDim', 'ffn', 'experts', 'expertsTopK', 'vocab', 'maxModelLen']);
}

export function readHardwareProfile(name: string): HardwareProfile {
  return readProfile('hardware', name, ['peakFlops', 'bandwidthBytesPerS', 'memoryMiB', 'efficiency', 'fixedStepMs', 'eagerLaunchMs']);
}

export function readCpuProfile(name: string): CpuProfile {
  return readProfile('cpu', name, ['stepMs', 'perSequenceMs', 'perPrefillTokenUs', 'requestMs', 'requestPerPromptTokenUs']);
}
