import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Capacity, Job, PrefillTable } from '../types.ts';
import type { Store } from '../store/index.ts';
import { searchJob } from '../search/job.ts';
import { needsPrefillTable } from '../metrics/slo-prefill.ts';
import { startServer, type RunningServer } from '../engines/server.ts';
import { createPromptMaker, type PromptMaker } from '../load/prompts.ts';
import { ensurePrefillPredictor, prefillTable } from '../profile/cache.ts';
import { httpMeasure, virtualMeasure, type Measure } from '../profile/profile.ts';
import { realProbeRunner, virtualProbeRunner, type ProbeRunner } from './probe.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface JobContext {
  store: Store;
  cacheDir: string;
  /** Folder of the workflow file: relative trace paths resolve against it. */
  baseDir: string;
  /** GPUs assigned to this job's server. */
  gpus: number[];
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Only judge cached runs (jobs that ran elsewhere): a probe that would need a benchmark is an error. */
  cachedOnly?: boolean;
}

/** Whether the job's probes are simulated in-process (virtual time) rather than sent to a server. */
export function isVirtual(job: Job): boolean {
  return job.system.engine === 'sim' && job.system.sim.clock === 'virtual';
}

/**
 * The pieces a job needs to run probes, created lazily: a fully cached search starts no server and profiles
 * nothing. `close` stops whatever was started.
 */
export function createJobRuntime(job: Job, fingerprint: string, ctx: JobContext) {
  const schedCtx = { baseDir: ctx.baseDir, cacheDir: ctx.cacheDir };
  let server: RunningServer | null = null;
  let starting: Promise<RunningServer> | null = null;
  const ensureServer = async (): Promise<RunningServer> => {
    if (server) return server;
    starting ??= startServer(job, { gpus: ctx.gpus, logDir: path.join(ctx.cacheDir, 'logs'), repoRoot: REPO_ROOT, signal: ctx.signal });
    server = await starting;
    return server;
  };
  const stopServer = async () => {
    const s = server ?? (starting ? await starting.catch(() => null) : null);
    server = null;
    starting = null;
    if (s) await s.stop();
  };
  const apiKey = job.system.apiKeyEnv ? (process.env[job.system.apiKeyEnv] ?? null) : null;
  let prompts: PromptMaker | null = null;
  const ensurePrompts = async (): Promise<PromptMaker> => {
    if (prompts) return prompts;
    // The server's own tokenizer where it exposes one (vLLM's /tokenize; the sim counts words); else the
    // model's tokenizer.json, which hosted APIs and the other engines leave to the client.
    if (job.system.engine === 'sim') prompts = await createPromptMaker({ kind: 'sim' });
    else if (job.system.engine === 'vllm') prompts = await createPromptMaker({ kind: 'server', baseUrl: (await ensureServer()).baseUrl, model: job.model.hfId, apiKey });
    else prompts = await createPromptMaker({ kind: 'tokenizer', tokenizer: job.model.tokenizer, cacheDir: ctx.cacheDir });
    return prompts;
  };
  const probe: ProbeRunner = ctx.cachedOnly
    ? async (qps) => {
        throw new Error(`${job.id} has no cached run at ${qps} QPS: the job ran elsewhere and did not leave it in ${ctx.cacheDir}`);
      }
    : isVirtual(job)
    ? virtualProbeRunner(job, fingerprint, schedCtx)
    : realProbeRunner(job, fingerprint, {
        ctx: schedCtx,
        server: ensureServer,
        restart: job.system.restartPerProbe ? stopServer : null,
        prompts: ensurePrompts,
        apiKey,
        signal: ctx.signal,
        progressLabel: job.id,
      });
  // An interrupt stops the search before its next probe (a real run also aborts mid-flight, in the driver).
  const runProbe: ProbeRunner = async (qps, opts) => {
    if (ctx.signal?.aborted) throw Object.assign(new Error(`${job.id}: interrupted before the probe at ${qps} QPS`), { name: 'AbortError' });
    return probe(qps, opts);
  };
  const measure: Measure = isVirtual(job)
    ? virtualMeasure(job)
    : httpMeasure({ server: ensureServer, model: job.model.hfId, prompts: ensurePrompts, apiKey, client: job.client });
  const prefill = job.slos.some(needsPrefillTable)
    ? async (lengths: number[]): Promise<PrefillTable> => {
        // Keyed by the server alone (not the trace): one profile serves every trace and `run.mjs profile`.
        const predictor = await ensurePrefillPredictor(job, { cacheDir: ctx.cacheDir, measure, log: ctx.log });
        return prefillTable(predictor, lengths);
      }
    : null;
  return { runProbe, prefill, close: stopServer };
}

/** Searches one job's capacity for every SLO it carries; the server (if any) is stopped whatever happens. */
export async function runJob(job: Job, fingerprint: string, ctx: JobContext): Promise<Capacity[]> {
  if (job.system.apiKeyEnv && !process.env[job.system.apiKeyEnv]) {
    throw new Error(`system ${job.system.name}: the environment variable ${job.system.apiKeyEnv} (apiKeyEnv) is not set`);
  }
  const rt = createJobRuntime(job, fingerprint, ctx);
  try {
    return await searchJob(job, { store: ctx.store, fingerprint, runProbe: rt.runProbe, prefill: rt.prefill, log: ctx.log });
  } finally {
    await rt.close();
  }
}
