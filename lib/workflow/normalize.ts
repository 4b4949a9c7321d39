import path from 'node:path';
import type {
  ArrivalSpec, ClientSettings, ExecutorSettings, LengthSpec, Model, ParallelSpec, PercentileBound, ProfileSettings,
  SearchSettings, SimSettings, Slo, SloScope, System, Trace, Workflow,
} from '../types.ts';
import { parseDuration } from './duration.ts';

// The user's form (`*Spec`) after schema validation: every default is filled in by the schema itself
// (schemas/workflow.schema.json is the one home of defaults). Normalizing turns units into numbers.
type Raw = Record<string, any>;

/** Durations were checked by the schema's pattern; this cannot fail on a validated document. */
function ns(text: string): number {
  const v = parseDuration(text);
  if (v === null) throw new Error(`internal: unvalidated duration ${JSON.stringify(text)}`);
  return v;
}

const DEFAULT_BUDGET: Record<SimSettings['scheduler'], number> = { vllm: 32768, sarathi: 512 };

function normalizeParallel(p: Raw): ParallelSpec {
  return { tp: p.tp, pp: p.pp };
}

function normalizeModel(m: Raw): Model {
  return {
    name: m.name,
    hfId: m.hfId,
    tokenizer: m.tokenizer ?? m.hfId,
    maxModelLen: m.maxModelLen,
    simModel: m.simModel,
    systems: m.systems,
    traces: m.traces,
    parallel: m.parallel ? m.parallel.map(normalizeParallel) : null,
  };
}

function normalizeSim(s: Raw): SimSettings {
  return {
    clock: s.clock,
    scheduler: s.scheduler,
    hardware: s.hardware,
    cpuProfile: s.cpuProfile,
    maxNumBatchedTokens: s.maxNumBatchedTokens ?? DEFAULT_BUDGET[s.scheduler as SimSettings['scheduler']],
    maxNumSeqs: s.maxNumSeqs,
    blockSize: s.blockSize,
    gpuMemoryUtilization: s.gpuMemoryUtilization,
    faults: {
      errorRate: s.faults.errorRate,
      errorStatus: s.faults.errorStatus,
      dropAfterTokens: s.faults.dropAfterTokens,
      stallNs: s.faults.stall === null ? null : ns(s.faults.stall),
      startDelayNs: ns(s.faults.startDelay),
      exitAfterRequests: s.faults.exitAfterRequests,
    },
  };
}

function normalizeSystem(s: Raw, baseDir: string): System {
  return {
    name: s.name,
    engine: s.engine,
    flags: s.flags,
    env: s.env,
    command: s.command,
    parallel: s.parallel.map(normalizeParallel),
    url: s.url,
    apiKeyEnv: s.apiKeyEnv,
    startTimeoutNs: ns(s.startTimeout),
    restartPerProbe: s.restartPerProbe,
    sim: normalizeSim(s.sim),
    prefillOnnx: s.prefillOnnx === null ? null : path.resolve(baseDir, s.prefillOnnx),
  };
}

function normalizeLengths(l: Raw, baseDir: string): LengthSpec {
  switch (l.type) {
    case 'csv':
      return { type: 'csv', path: l.path === null ? '' : path.resolve(baseDir, l.path), url: l.url, sha256: l.sha256 };
    case 'fixed':
      return { type: 'fixed', prompt: l.prompt, output: l.output };
    case 'uniform':
      return { type: 'uniform', prompt: [l.prompt[0], l.prompt[1]], output: [l.output[0], l.output[1]] };
    case 'zipf':
      return { type: 'zipf', prompt: [l.prompt[0], l.prompt[1]], output: [l.output[0], l.output[1]], theta: l.theta };
    default:
      return { type: 'synthetic', name: l.name };
  }
}

function normalizeArrivals(a: Raw, baseDir: string): ArrivalSpec {
  switch (a.type) {
    case 'gamma':
      return { type: 'gamma', cv: a.cv };
    case 'static':
      return { type: 'static' };
    case 'timestamps':
      return { type: 'timestamps', path: path.resolve(baseDir, a.path) };
    default:
      return { type: 'poisson', etalonClip: a.etalonClip };
  }
}

function normalizeTrace(t: Raw, baseDir: string): Trace {
  return {
    name: t.name,
    lengths: normalizeLengths(t.lengths, baseDir),
    arrivals: normalizeArrivals(t.arrivals, baseDir),
    maxTotalTokens: t.maxTotalTokens,
    requests: t.requests,
    seed: t.seed,
  };
}

function normalizeBound(b: Raw): PercentileBound {
  return { maxNs: ns(b.max), percentile: b.percentile };
}

/** A TTFT bound may be dynamic (minus the request's predicted prefill); the schema fills false by default. */
function normalizeTtftBound(b: Raw): PercentileBound {
  return { ...normalizeBound(b), minusPredictedPrefill: b.minusPredictedPrefill };
}

function normalizeSlo(s: Raw): Slo {
  const appliesTo: SloScope = { models: s.appliesTo.models, systems: s.appliesTo.systems, traces: s.appliesTo.traces };
  switch (s.type) {
    case 'deadline':
      return {
        name: s.name, type: 'deadline', tbtNs: ns(s.tbt), ttftSlackNs: ns(s.ttftSlack),
        maxMissRate: s.maxMissRate, percentile: s.percentile, appliesTo,
      };
    case 'tbt_ttft':
      return { name: s.name, type: 'tbt_ttft', tbt: normalizeBound(s.tbt), ttft: normalizeTtftBound(s.ttft), appliesTo };
    default:
      return { name: s.name, type: 'ttft_tpot', ttft: normalizeTtftBound(s.ttft), tpot: normalizeBound(s.tpot), appliesTo };
  }
}

function normalizeExecutor(e: Raw): ExecutorSettings {
  switch (e.type) {
    case 'slurm':
      return { type: 'slurm', partition: e.partition, account: e.account, time: e.time, sbatchArgs: e.sbatchArgs };
    case 'ssh':
      return { type: 'ssh', hosts: e.hosts.map((h: Raw) => ({ host: h.host, gpus: h.gpus, workdir: h.workdir })) };
    default:
      return { type: 'local', gpus: e.gpus };
  }
}

/** Turns a validated, default-filled workflow document into the strict form the stages use. */
export function normalizeWorkflow(doc: Raw, file: string): Workflow {
  const baseDir = path.dirname(file);
  const search: SearchSettings = { ...(doc.search as SearchSettings) };
  const c = doc.client;
  const client: ClientSettings = {
    endpoint: c.endpoint, timeoutNs: ns(c.timeout), warmupRequests: c.warmupRequests, maxLagNs: ns(c.maxLag),
    ignoreEos: c.ignoreEos, workers: c.workers, drainNs: ns(c.drain),
  };
  const profile: ProfileSettings = { ...(doc.profile as ProfileSettings) };
  return {
    name: doc.name,
    file,
    description: doc.description,
    models: doc.models.map(normalizeModel),
    systems: doc.systems.map((s: Raw) => normalizeSystem(s, baseDir)),
    traces: doc.traces.map((t: Raw) => normalizeTrace(t, baseDir)),
    slos: doc.slos.map(normalizeSlo),
    search,
    client,
    profile,
    executor: normalizeExecutor(doc.executor),
  };
}
