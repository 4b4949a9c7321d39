// The shapes that flow between headroom's stages (workflow -> jobs -> engines -> load -> store -> metrics ->
// search -> report). Times inside the program are integer nanoseconds held in JS numbers (exact up to 2^53 ns,
// about 104 days); durations written by users are strings with units, normalized to nanoseconds.

// ---------------------------------------------------------------- workflow (normalized form)

export type EngineName = 'vllm' | 'sglang' | 'tgi' | 'trtllm' | 'llamacpp' | 'sim' | 'external';

export interface ParallelSpec {
  tp: number;
  pp: number;
}

export interface Model {
  name: string;
  /** Hugging Face id the server loads (`--model`), also what requests name in `model`. */
  hfId: string;
  /** tokenizer.json path or Hugging Face id; defaults to hfId. */
  tokenizer: string;
  /** Context length the server is started with; prompts + outputs above it are clipped by the trace cap. */
  maxModelLen: number | null;
  /** Simulated-engine model profile (data file name in lib/sim/profiles), used when engine is sim. */
  simModel: string;
  /** Allowed systems / traces / parallel specs for this model; null means all. */
  systems: string[] | null;
  traces: string[] | null;
  parallel: ParallelSpec[] | null;
}

export interface SimSettings {
  /** virtual: probes simulated in-process (no sleeping); real: an HTTP server driven by real load. */
  clock: 'virtual' | 'real';
  scheduler: 'vllm' | 'sarathi';
  hardware: string; // h100, h200, a100
  cpuProfile: string; // vllm-0.5, vllm-0.6+, none
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  blockSize: number;
  gpuMemoryUtilization: number;
  /** Fault knobs for reliability tests (real-time server only). */
  faults: SimFaults;
}

export interface SimFaults {
  errorRate: number;
  errorStatus: number;
  dropAfterTokens: number | null;
  stallNs: number | null;
  startDelayNs: number;
  exitAfterRequests: number | null;
}

export interface System {
  name: string;
  engine: EngineName;
  /** Engine flags passed through as `--key value` (true: bare `--key`, false: omitted). */
  flags: Record<string, string | number | boolean>;
  env: Record<string, string>;
  /** Command template overriding the preset; `{model}`, `{port}`, `{tp}`, `{pp}`, `{host}` are substituted. */
  command: string[] | null;
  parallel: ParallelSpec[];
  /** engine: external only. */
  url: string | null;
  /** Name of the environment variable holding the API key; the key itself is never stored. */
  apiKeyEnv: string | null;
  startTimeoutNs: number;
  restartPerProbe: boolean;
  sim: SimSettings;
  /** A user's own prefill-time regressor (ONNX), instead of profiling. */
  prefillOnnx: string | null;
}

export type LengthSpec =
  | { type: 'csv'; path: string; url: string | null; sha256: string | null }
  | { type: 'fixed'; prompt: number; output: number }
  | { type: 'uniform'; prompt: [number, number]; output: [number, number] }
  | { type: 'zipf'; prompt: [number, number]; output: [number, number]; theta: number }
  | { type: 'synthetic'; name: 'sharegpt' | 'arxiv' | 'bwb' };

export type ArrivalSpec =
  | { type: 'poisson'; etalonClip: boolean }
  | { type: 'gamma'; cv: number }
  | { type: 'static' }
  | { type: 'timestamps'; path: string };

export interface Trace {
  name: string;
  lengths: LengthSpec;
  arrivals: ArrivalSpec;
  /** Prompt + output tokens are clipped proportionally to this cap (Etalon's rule). */
  maxTotalTokens: number;
  /** Requests per run (one probe). */
  requests: number;
  seed: number;
}

export interface PercentileBound {
  maxNs: number;
  /** In (0, 1]; 0.99 is p99. */
  percentile: number;
  /**
   * TTFT bounds only: the bound holds for TTFT minus the predicted prefill time of the request's prompt
   * (Etalon's dynamic TTFT), so it needs the prefill table the deadline SLO uses. Absent means false.
   */
  minusPredictedPrefill?: boolean;
}

export type Slo =
  | {
      name: string;
      type: 'deadline';
      /** D_d: one token is due every tbtNs after the first. */
      tbtNs: number;
      /** D_p = predicted prefill + ttftSlackNs. */
      ttftSlackNs: number;
      maxMissRate: number;
      /** Request percentile of the per-request miss rate. */
      percentile: number;
      appliesTo: SloScope;
    }
  | { name: string; type: 'tbt_ttft'; tbt: PercentileBound; ttft: PercentileBound; appliesTo: SloScope }
  | { name: string; type: 'ttft_tpot'; ttft: PercentileBound; tpot: PercentileBound; appliesTo: SloScope };

export interface SloScope {
  models: string[] | null;
  systems: string[] | null;
  traces: string[] | null;
}

export interface SearchSettings {
  strategy: 'headroom' | 'etalon';
  startQps: number;
  maxIterations: number;
  /** Stop when the bracket is narrower than this percentage of its lower end. */
  granularityPct: number;
  minQps: number;
  maxQps: number;
}

export interface ClientSettings {
  endpoint: 'chat' | 'completions';
  timeoutNs: number;
  warmupRequests: number;
  /** A run whose p99 of (sent - scheduled) exceeds this is invalid. */
  maxLagNs: number;
  ignoreEos: boolean;
  /** Worker threads for the load driver; 0 picks by concurrency. */
  workers: number;
  /** How long after the last arrival a run may go on before unfinished requests are cancelled. */
  drainNs: number;
}

export interface ProfileSettings {
  lengths: number[];
  repetitions: number;
  outputTokens: number;
}

export type ExecutorSettings =
  | { type: 'local'; gpus: number[] | 'auto' }
  | { type: 'slurm'; partition: string | null; account: string | null; time: string; sbatchArgs: string[] }
  | { type: 'ssh'; hosts: { host: string; gpus: number[]; workdir: string }[] };

export interface Workflow {
  name: string;
  /** Absolute path of the YAML file. */
  file: string;
  description: string;
  models: Model[];
  systems: System[];
  traces: Trace[];
  slos: Slo[];
  search: SearchSettings;
  client: ClientSettings;
  profile: ProfileSettings;
  executor: ExecutorSettings;
}

/** One capacity search: model x system x trace x parallel spec, carrying every SLO it is searched for. */
export interface Job {
  /** Human id, unique in the workflow: model/system/trace/tpN-ppM. */
  id: string;
  model: Model;
  system: System;
  parallel: ParallelSpec;
  trace: Trace;
  slos: Slo[];
  client: ClientSettings;
  search: SearchSettings;
  profile: ProfileSettings;
  /** GPUs the server needs: tp * pp (0 for sim and external). */
  gpus: number;
}

// ---------------------------------------------------------------- load schedule and raw events

/** One request of a run's precomputed schedule. */
export interface ScheduledRequest {
  idx: number;
  /** Due time on the run clock; scales with 1/qps for a given seed. */
  scheduledNs: number;
  promptTokens: number;
  outputTokens: number;
}

export type RequestStatus = 'ok' | 'http_error' | 'stream_error' | 'timeout' | 'cancelled';

/** How output tokens were attributed to stream chunks. */
export type TokenSource = 'usage' | 'ids' | 'chunks' | 'sim';

/** What the client (or the virtual-time simulator) recorded for one request. */
export interface RequestEvents {
  idx: number;
  scheduledNs: number;
  /** When the request was written to the socket; null if never sent. */
  sentNs: number | null;
  promptTokensRequested: number;
  /** As reported by the server (usage.prompt_tokens); null when it did not say. */
  promptTokens: number | null;
  outputTokensRequested: number;
  outputTokens: number | null;
  status: RequestStatus;
  httpStatus: number | null;
  error: string | null;
  tokenSource: TokenSource;
  /** Run-clock time of every output token, in order (a k-token chunk gives k equal times). */
  tokenNs: number[];
  endNs: number | null;
}

/** Engine-side gauges scraped during a run (Prometheus /metrics). */
export interface ServerSample {
  tNs: number;
  running: number | null;
  waiting: number | null;
  kvUsage: number | null;
  preemptions: number | null;
}

/** One benchmark at one QPS: the unit of the cache. */
export interface RunEvents {
  /** Fingerprint of the job (everything that shapes load and server); with qps it keys the run. */
  fingerprint: string;
  qps: number;
  /** Labels, not part of the key. */
  jobId: string;
  model: string;
  system: string;
  trace: string;
  seed: number;
  /** Wall-clock start, ISO 8601. */
  startedAt: string;
  durationNs: number;
  clock: 'real' | 'virtual';
  /** False when the run was stopped early because every verdict was settled. */
  complete: boolean;
  stopReason: string | null;
  /** p99 of sentNs - scheduledNs over sent requests. */
  lagP99Ns: number;
  requests: RequestEvents[];
  serverSamples: ServerSample[];
}

// ---------------------------------------------------------------- metrics and search results

/** Predicted prefill time (ns) for each distinct prompt length of a run. */
export type PrefillTable = Map<number, number>;

export interface SloVerdict {
  slo: string;
  type: Slo['type'];
  pass: boolean;
  /** Measured values in seconds (or ratios), e.g. { ttft_p90: 0.21, tpot_p90: 0.028 }. */
  values: Record<string, number>;
}

export interface ProbeResult {
  qps: number;
  runId: string;
  valid: boolean;
  verdicts: SloVerdict[];
  /** Seconds of (real or simulated) serving this probe cost. */
  benchmarkSeconds: number;
  cached: boolean;
}

export interface Capacity {
  jobId: string;
  slo: string;
  /** Highest QPS seen to pass; 0 when none passed. */
  capacityQps: number;
  /** Lowest QPS seen to fail; null when none failed. */
  failQps: number | null;
  probes: ProbeResult[];
  benchmarkSeconds: number;
}
