import type { Job } from '../types.ts';
import { readSyntheticModels } from '../load/synthetic.ts';
import { readTraceFile, sha256Hex, type TraceFileContext } from '../load/trace-file.ts';

/** Bumped when the meaning of a stored run changes, so old runs are not mistaken for new ones. */
export const RUN_FORMAT = 1;

async function lengthsKey(job: Job, ctx: TraceFileContext): Promise<unknown> {
  const l = job.trace.lengths;
  if (l.type === 'csv') {
    // The content, not the path: a moved file keeps its runs; an edited one does not. A declared sha256 is
    // the content's name already (the download is checked against it), so a dry run need not fetch it.
    return { type: 'csv', sha256: l.sha256 ?? sha256Hex(await readTraceFile(l, ctx)) };
  }
  if (l.type === 'synthetic') return { ...l, model: readSyntheticModels()[l.name] };
  return l;
}

async function arrivalsKey(job: Job, ctx: TraceFileContext): Promise<unknown> {
  const a = job.trace.arrivals;
  if (a.type === 'timestamps') return { type: 'timestamps', sha256: sha256Hex(await readTraceFile({ path: a.path, url: null, sha256: null }, ctx)) };
  return a;
}

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
    lengths: await lengthsKey(job, ctx), // the requests' sizes (content hash for files)
    arrivals: await arrivalsKey(job, ctx), // the arrival process (scaled by the QPS kept beside the key)
    maxTotalTokens: trace.maxTotalTokens, // clipping changes the lengths
    requests: trace.requests, // how many requests a run holds
    seed: trace.seed, // which requests, which gaps, which prompts
    endpoint: client.endpoint, // chat adds a template; other tokens, other server path
    ignoreEos: client.ignoreEos, // whether outputs run to their full length
    warmupRequests: client.warmupRequests, // a warmer server at the first measured request
    timeoutNs: client.timeoutNs, // when a slow request is cut and counted failed
    drainNs: client.drainNs, // when stragglers are cancelled
  };
  return sha256Hex(canonicalJson(key)).slice(0, 16);
}

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
