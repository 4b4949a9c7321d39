// The cache key of a prefill profile: what shapes how fast the server prefills one prompt, and nothing else.
// The trace, the load, the SLOs and the search are left out, so every job on the same server shares one profile.

import { hashKey } from '../hash.ts';
import type { Job } from '../types.ts';

/** Bumped when the meaning of a stored profile changes. */
export const PROFILE_FORMAT = 1;

export function profileFingerprint(job: Job): string {
  const { model, system, parallel, profile, client } = job;
  const sim = system.engine === 'sim';
  const key = {
    format: PROFILE_FORMAT, // what a stored profile means
    model: model.hfId, // the weights served
    maxModelLen: model.maxModelLen, // caps the profiled lengths; sizes the KV cache
    tokenizer: model.tokenizer, // prompts are built with it
    simModel: sim ? model.simModel : null, // the simulated model's cost profile
    engine: system.engine, // which server
    flags: system.flags, // chunked prefill, budgets, CUDA graphs: all change prefill time
    env: system.env, // engines read tuning knobs from the environment
    command: system.command, // a custom command is a different server
    url: system.engine === 'external' ? system.url : null, // an external server is known only by its address
    sim: sim ? { ...system.sim, clock: null } : null, // scheduler, hardware, CPU era (the clock does not change it)
    parallel, // GPUs per server and how the model is split
    profile, // lengths, repetitions and decode length measured
    endpoint: client.endpoint, // chat adds a template: other prompt tokens
  };
  return hashKey(key, 16);
}
