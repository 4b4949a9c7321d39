// The run store: each run a folder of Parquet files made visible by one rename, any number of writer processes
// (and Slurm nodes) at once; queries go through an in-memory DuckDB with the public views; the catalog file
// cache/headroom.duckdb carries the same views for the DuckDB CLI. Views: VIEWS.md.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Capacity, PrefillTable, RunEvents, Slo } from '../types.ts';
import { evaluateRun, type Evaluation } from '../metrics/evaluate.ts';
import { readFluidRate } from '../metrics/fluid.ts';
import { toNumber } from '../metrics/run-source.ts';
import { makeLayout, prepareLayout, sweepTemp, hasEntries, type Layout } from './layout.ts';
import { writeRunFiles } from './write-run.ts';
import { writeCapacityFile } from './write-capacities.ts';
import { createViews, ensureSchemaFiles } from './views.ts';
import { writeCatalog } from './catalog.ts';
import { toPlainRows } from './plain-rows.ts';
import { StoreError } from './errors.ts';

export type { Evaluation } from '../metrics/evaluate.ts';
export { StoreError } from './errors.ts';

/** A stored run's header: its RunEvents without the events, plus its id and request count. */
export type RunInfo = Omit<RunEvents, 'requests' | 'serverSamples'> & { runId: string; requests: number };

export interface Store {
  readonly dir: string;
  /** Write a run whole (or not at all) and return its id. */
  writeRun(run: RunEvents): Promise<string>;
  listRuns(filter?: { fingerprint?: string }): Promise<RunInfo[]>;
  /** Every SLO of the list in one query pass over the run. */
  evaluate(runId: string, slos: Slo[], opts?: { prefill?: PrefillTable | null; maxLagNs?: number }): Promise<Evaluation>;
  /** Tokens per second per metrics.md ("Fluid token generation rate"). */
  fluidTokenRate(runId: string): Promise<number>;
  writeCapacities(rows: Capacity[], meta: { workflow: string; strategy: string }): Promise<void>;
  /** SQL over the public views (VIEWS.md); BIGINTs come back as numbers when exact, else as strings. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** (Re)write cache/headroom.duckdb, the views for the DuckDB CLI. */
  refreshCatalog(): Promise<void>;
  close(): Promise<void>;
}

/** Open (creating if needed) the cache at cacheDir; throws naming any file there that is not headroom's. */
export async function openStore(cacheDir: string): Promise<Store> {
  const layout = makeLayout(cacheDir);
  prepareLayout(layout);
  sweepTemp(layout);
  const instance = await DuckDBInstance.create(':memory:');
  try {
    await ensureSchemaFiles(instance, layout);
    const main = await instance.connect();
    await createViews(main, layout);
    return new ParquetStore(layout, instance, main);
  } catch (e) {
    instance.closeSync();
    throw e;
  }
}

class ParquetStore implements Store {
  readonly dir: string;
  /** Whether the views read runs/capacities globs (a glob matching no file is an error, so empty caches use schema files). */
  private viewsHave = { runs: false, capacities: false };

  constructor(private layout: Layout, private instance: DuckDBInstance, private main: DuckDBConnection) {
    this.dir = layout.dir;
    this.viewsHave = { runs: hasEntries(layout.runs), capacities: hasEntries(layout.capacities) };
  }

  async writeRun(run: RunEvents): Promise<string> {
    return writeRunFiles(this.instance, this.layout, run);
  }

  async listRuns(filter: { fingerprint?: string } = {}): Promise<RunInfo[]> {
    await this.syncViews();
    const reader = await this.main.runAndReadAll(
      `SELECT * FROM runs ${filter.fingerprint !== undefined ? 'WHERE fingerprint = $fp' : ''} ORDER BY started_at, run_id`,
      filter.fingerprint !== undefined ? { fp: filter.fingerprint } : undefined);
    return reader.getRowObjectsJS().map((r) => ({
      runId: String(r.run_id), fingerprint: String(r.fingerprint), qps: toNumber(r.qps), jobId: String(r.job_id),
      model: String(r.model), system: String(r.system), trace: String(r.trace), seed: toNumber(r.seed),
      startedAt: String(r.started_at), durationNs: toNumber(r.duration_ns), clock: r.clock === 'virtual' ? 'virtual' : 'real',
      complete: Boolean(r.complete), stopReason: r.stop_reason === null ? null : String(r.stop_reason),
      lagP99Ns: toNumber(r.lag_p99_ns), requests: toNumber(r.requests),
    }));
  }

  async evaluate(runId: string, slos: Slo[], opts: { prefill?: PrefillTable | null; maxLagNs?: number } = {}): Promise<Evaluation> {
    return evaluateRun(this.instance, runId, this.requestsFile(runId), slos, opts);
  }

  async fluidTokenRate(runId: string): Promise<number> {
    return (await readFluidRate(this.instance, this.requestsFile(runId))).tokensPerS;
  }

  async writeCapacities(rows: Capacity[], meta: { workflow: string; strategy: string }): Promise<void> {
    await writeCapacityFile(this.instance, this.layout, rows, meta);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    await this.syncViews();
    const reader = await this.main.runAndReadAll(sql);
    return toPlainRows(reader.getRowObjectsJS());
  }

  async refreshCatalog(): Promise<void> {
    await writeCatalog(this.layout);
  }

  async close(): Promise<void> {
    this.main.closeSync();
    this.instance.closeSync();
  }

  /** The path of a run's requests file, or a clear error when the run is not in this cache. */
  private requestsFile(runId: string): string {
    const path = join(this.layout.runs, runId, 'requests.parquet');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId) || !existsSync(path)) {
      throw new StoreError(`no run "${runId}" in cache ${this.layout.dir} (expected ${path})`);
    }
    return path;
  }

  /** Re-point the views at the globs once the first run (or capacity file) appears. */
  private async syncViews(): Promise<void> {
    const now = { runs: hasEntries(this.layout.runs), capacities: hasEntries(this.layout.capacities) };
    if (now.runs !== this.viewsHave.runs || now.capacities !== this.viewsHave.capacities) {
      await createViews(this.main, this.layout);
      this.viewsHave = now;
    }
  }
}
