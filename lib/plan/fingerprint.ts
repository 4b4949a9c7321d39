import type { Job } from '../types.ts';
import { traceContentHash } from '../load/schedule.ts';
import type { TraceFileContext } from '../load/trace-file.ts';
import { hashKey } from '../hash.ts';

/** Bumped when the meaning of a stored run changes, so old runs are not mistaken for new ones. */
export const RUN_FORMAT = 1;

/**
 * The cache key of a job's runs (with the QPS beside it): everything that shapes the load sent or the server
 * that answers, and nothing else. Names, ports, SLOs, the grid position and the lag bound are left out: SLOs and
 * the lag bound are judged later over stored runs, and renaming a system must not throw its runs away.
 */
export async function jobFingerprint(job: Job, ctx: TraceFileContext): Promise<string> {
  const { model, system, trace, client, parallel } = job;
  const sim = system.engine === 'sim';
  const key = {
    format: RUN_FORMAT, // what a stored run means
    model: model.hfId, // the weights served
    maxModelLen: model.maxModelLen, // context the server is started with (KV-cache size, rejections)
    tokenizer: model.tokenizer, // prompts are built with it: other text, other token counts
    simModel: sim ? model.simModel : null, // the simulated model's cost profile
    engine: system.engine, // which server
    flags: system.flags, // scheduler budgets, chunked prefill, caching: all change capacity
    env: system.env, // engines read tuning knobs from the environment
    command: system.command, // a custom command is a different server
    url: system.engine === 'external' ? system.url : null, // an external server is known only by its address
    sim: sim ? system.sim : null, // scheduler, hardware and cost profile of the simulated engine
    restartPerProbe: system.restartPerProbe, // a fresh server per probe measures a colder system
    parallel, // GPUs per server and how the model is split
    trace: await traceContentHash(trace, ctx), // lengths and arrivals by content (files) or by spec (built-ins)
    maxTotalTokens: trace.maxTotalTokens, // clipping changes the lengths
    requests: trace.requests, // how many requests a run holds
    seed: trace.seed, // which requests, which gaps, which prompts
    endpoint: client.endpoint, // chat adds a template; other tokens, other server path
    ignoreEos: client.ignoreEos, // whether outputs run to their full length
    warmupRequests: client.warmupRequests, // a warmer server at the first measured request
    timeoutNs: client.timeoutNs, // when a slow request is cut and counted failed
    drainNs: client.drainNs, // when stragglers are cancelled
  };
  return hashKey(key, 16);
}
