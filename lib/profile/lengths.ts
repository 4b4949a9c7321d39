// Which prompt lengths to profile for a job, and what the server's prefill chunk size is (the fit's chunk term).

import type { Job, ProfileSettings } from '../types.ts';
import { readModelProfile } from '../sim/profiles.ts';

/** As the workflow schema's default: powers of two from 256 to 16384 tokens. */
export const DEFAULT_PROFILE_LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384];

/** Context length the job's server runs with, or null when headroom cannot know it (a real server left at its default). */
export function contextTokensOf(job: Job): number | null {
  if (job.model.maxModelLen !== null) return job.model.maxModelLen;
  if (job.system.engine === 'sim') return readModelProfile(job.model.simModel).maxModelLen;
  return null;
}

/**
 * The longest prompt the job's server takes with the profile's decode length: the context minus the decode, and
 * for the simulated vLLM scheduler (no chunking) also its token budget, as vLLM V0 refuses longer prompts.
 * Null when unknown.
 */
export function longestPromptOf(job: Job): number | null {
  const context = contextTokensOf(job);
  const limits = context === null ? [] : [context - job.profile.outputTokens];
  if (job.system.engine === 'sim' && job.system.sim.scheduler === 'vllm') limits.push(job.system.sim.maxNumBatchedTokens);
  return limits.length === 0 ? null : Math.min(...limits);
}

/**
 * The job's profile settings with lengths the server takes (see longestPromptOf). When that cuts the list
 * short, the longest prompt that still fits is added, so the fit spans every prompt the server can take and
 * extrapolates as little as possible.
 */
export function profileSettingsFor(job: Job): ProfileSettings {
  const base = job.profile;
  const wanted = [...new Set(base.lengths.length > 0 ? base.lengths : DEFAULT_PROFILE_LENGTHS)].sort((a, b) => a - b);
  const longest = longestPromptOf(job);
  if (longest === null) return { ...base, lengths: wanted };
  const lengths = wanted.filter((n) => n <= longest);
  if (longest > 0 && wanted.some((n) => n > longest) && !lengths.includes(longest)) lengths.push(longest);
  return { ...base, lengths };
}

/**
 * Tokens per prefill iteration when the server splits long prompts into chunks, else null. Only sizes the
 * workflow states are used: the simulator's Sarathi budget, vLLM's --max-num-batched-tokens with chunked prefill,
 * SGLang's --chunked-prefill-size. An engine's unstated default is not guessed (versions differ).
 */
export function prefillChunkTokensOf(job: Job): number | null {
  const { engine, flags, sim } = job.system;
  const positive = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : typeof v === 'string' && /^\d+$/.test(v) && +v > 0 ? +v : null);
  if (engine === 'sim') return sim.scheduler === 'sarathi' ? sim.maxNumBatchedTokens : null;
  const flag = (name: string) => flags[name] ?? flags[name.replaceAll('-', '_')] ?? flags[camel(name)];
  const on = flag('enable-chunked-prefill');
  if (engine === 'vllm' && (on === true || on === 'true')) return positive(flag('max-num-batched-tokens'));
  if (engine === 'sglang') return positive(flag('chunked-prefill-size'));
  return null;
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
