// Settings the simulated engine uses when a caller gives none (the CLI without --settings, tests): vLLM V0 on
// one H100 with vLLM 0.5-era CPU costs, as Etalon measured it.
import type { SimFaults, SimSettings } from '../types.ts';

export const NO_FAULTS: SimFaults = {
  errorRate: 0,
  errorStatus: 500,
  dropAfterTokens: null,
  stallNs: null,
  startDelayNs: 0,
  exitAfterRequests: null,
};

export const DEFAULT_SIM_SETTINGS: SimSettings = {
  clock: 'virtual',
  scheduler: 'vllm',
  hardware: 'h100',
  cpuProfile: 'vllm-0.5',
  maxNumBatchedTokens: 32768,
  maxNumSeqs: 256,
  blockSize: 16,
  gpuMemoryUtilization: 0.9,
  faults: NO_FAULTS,
};

export type SimSettingsSpec = Partial<Omit<SimSettings, 'faults' | 'maxNumBatchedTokens'>> & {
  maxNumBatchedTokens?: number | null;
  faults?: Partial<SimFaults>;
};

/**
 * Fills the fields a partial settings object leaves out (faults merged field by field). The token budget
 * defaults by scheduler, as Etalon ran them: 32768 for vllm (rope scaling x4), 512 for sarathi.
 */
export function normalizeSimSettings(spec: SimSettingsSpec = {}): SimSettings {
  const scheduler = spec.scheduler ?? DEFAULT_SIM_SETTINGS.scheduler;
  const maxNumBatchedTokens = spec.maxNumBatchedTokens ?? (scheduler === 'sarathi' ? 512 : 32768);
  return { ...DEFAULT_SIM_SETTINGS, ...spec, scheduler, maxNumBatchedTokens, faults: { ...NO_FAULTS, ...(spec.faults ?? {}) } };
}

/** Throws naming every field of the settings that the engine cannot run with. */
export function validateSimSettings(s: SimSettings): void {
  const problems: string[] = [];
  if (s.scheduler !== 'vllm' && s.scheduler !== 'sarathi') problems.push(`scheduler: expected "vllm" or "sarathi", got ${JSON.stringify(s.scheduler)}`);
  for (const k of ['maxNumBatchedTokens', 'maxNumSeqs', 'blockSize'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) problems.push(`${k}: expected a positive integer, got ${JSON.stringify(s[k])}`);
  }
  if (!(s.gpuMemoryUtilization > 0 && s.gpuMemoryUtilization <= 1)) problems.push(`gpuMemoryUtilization: expected a number in (0, 1], got ${JSON.stringify(s.gpuMemoryUtilization)}`);
  const f = s.faults;
  if (!(f.errorRate >= 0 && f.errorRate <= 1)) problems.push(`faults.errorRate: expected a number in [0, 1], got ${JSON.stringify(f.errorRate)}`);
  if (!Number.isInteger(f.errorStatus) || f.errorStatus < 400 || f.errorStatus > 599) problems.push(`faults.errorStatus: expected an HTTP error status (400-599), got ${JSON.stringify(f.errorStatus)}`);
  if (problems.length) throw new Error(`Invalid simulator settings:\n  - ${problems.join('\n  - ')}`);
}
