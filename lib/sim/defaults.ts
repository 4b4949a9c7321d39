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
