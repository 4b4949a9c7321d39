// What the report shows, read from the cache once (data.ts) and handed to the charts and the page.
import type { Job, Slo } from '../types.ts';
import type { PrefillProfileMeta } from '../profile/cache.ts';

/** One probe of a stored capacity search. */
export interface ProbePoint {
  qps: number;
  runId: string;
  valid: boolean;
  pass: boolean;
  cached: boolean;
  /** Measured figures, seconds or ratios, keyed as the search stored them (e.g. ttft_p90). */
  values: Record<string, number | null>;
}

/** The latest stored capacity of one job for one SLO. */
export interface SloResult {
  slo: Slo;
  capacityQps: number;
  failQps: number | null;
  benchmarkSeconds: number;
  probes: ProbePoint[];
  /** The run of the highest passing valid probe; null when nothing passed. */
  capacityRunId: string | null;
  writtenAt: string;
}

export interface JobReport {
  job: Job;
  /** The job's name in legends: only the parts that vary across the report's jobs (formatJobLabels). */
  label: string;
  fingerprint: string;
  /** Runs in the cache under this job's fingerprint. */
  cachedRuns: number;
  /** Stored capacities, in the job's SLO order; SLOs with none are missing here. */
  results: SloResult[];
  profile: PrefillProfileMeta | null;
}

export interface ReportData {
  title: string;
  description: string;
  workflowFile: string;
  jobs: JobReport[];
}

/** Per-request times of one run, seconds on the run clock (null: never happened). */
export interface TimelineRow {
  idx: number;
  arrivalS: number;
  firstTokenS: number | null;
  lastTokenS: number | null;
  status: string;
}

/** An empirical CDF as quantile points: value at each fraction of all requests (failed ones never arrive). */
export interface CdfPoint {
  label: string;
  metric: 'TTFT' | 'TBT';
  valueS: number;
  fraction: number;
}

export interface GaugeRow {
  label: string;
  tS: number;
  gauge: 'running' | 'waiting' | 'kv_usage';
  value: number;
}

/**
 * Short names for legends: of model, system, trace and parallelism, only those that differ between the jobs
 * (a workflow of one model and one trace labels its jobs by system alone). Falls back to the id when two would
 * read the same.
 */
export function formatJobLabels(jobs: Job[]): Map<string, string> {
  const parts = (j: Job) => [j.model.name, j.system.name, j.trace.name, `tp${j.parallel.tp}-pp${j.parallel.pp}`];
  const varies = [0, 1, 2, 3].map((k) => new Set(jobs.map((j) => parts(j)[k])).size > 1);
  if (!varies.some(Boolean)) varies[1] = true;
  const out = new Map(jobs.map((j) => [j.id, parts(j).filter((_, k) => varies[k]).join(' / ')]));
  if (new Set(out.values()).size < out.size) return new Map(jobs.map((j) => [j.id, j.id]));
  return out;
}
