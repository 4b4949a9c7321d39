// Per-run figures for the charts, read from the public views: CDF points, one probe's timeline, server gauges.
import { join } from 'node:path';
import type { Store } from '../store/index.ts';
import { makeLayout } from '../store/layout.ts';
import { fillSql, quoteSql, readSqlFile } from '../store/sql-text.ts';
import type { CdfPoint, GaugeRow, TimelineRow } from './model.ts';
import { CDF_FRACTIONS } from './charts/cdf.ts';

/** Requests drawn in a timeline: enough to see queues build, few enough to tell one bar from the next. */
export const TIMELINE_MAX_REQUESTS = 300;

/**
 * read_parquet over the named runs' own files: the public views glob every run in the cache, and a sweep's
 * cache holds hundreds (measured: 2 runs of 150k tokens read in 25 ms from their files, 64-150 ms via the view
 * over 16 runs).
 */
export function runFilesSql(store: Store, runIds: string[], file: 'requests.parquet' | 'server_samples.parquet'): string {
  const runs = makeLayout(store.dir).runs;
  return `read_parquet([${runIds.map((id) => quoteSql(join(runs, id, file))).join(', ')}])`;
}

/** CDF points of TTFT and TBT for each run; `labels` names each run in the legend. */
export async function readCdfPoints(store: Store, labels: Map<string, string>): Promise<CdfPoint[]> {
  if (labels.size === 0) return [];
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/cdf.sql'), {
    runs: [...labels.keys()].map(quoteSql).join(', '),
    requests: runFilesSql(store, [...labels.keys()], 'requests.parquet'),
    fractions: `[${CDF_FRACTIONS.join(', ')}]::DOUBLE[]`,
  }));
  const out: CdfPoint[] = [];
  for (const r of rows) {
    const q = r.q as (number | null)[] | null;
    const total = Number(r.total);
    if (!q || total === 0) continue;
    const okShare = Number(r.ok) / total;
    const label = labels.get(String(r.run_id)) ?? String(r.run_id);
    q.forEach((v, i) => {
      if (v !== null && Number.isFinite(v)) out.push({ label, metric: r.metric === 'TBT' ? 'TBT' : 'TTFT', valueS: v, fraction: CDF_FRACTIONS[i] * okShare });
    });
  }
  return out;
}

export async function readTimeline(store: Store, runId: string, limit = TIMELINE_MAX_REQUESTS): Promise<TimelineRow[]> {
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/timeline.sql'), {
    run: quoteSql(runId), requests: runFilesSql(store, [runId], 'requests.parquet'), limit: String(Math.floor(limit)),
  }));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({ idx: Number(r.idx), arrivalS: Number(r.arrival_s), firstTokenS: num(r.first_s), lastTokenS: num(r.last_s), status: String(r.status) }));
}

export async function readGauges(store: Store, labels: Map<string, string>): Promise<GaugeRow[]> {
  if (labels.size === 0) return [];
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/gauges.sql'), {
    runs: [...labels.keys()].map(quoteSql).join(', '), server_samples: runFilesSql(store, [...labels.keys()], 'server_samples.parquet'),
  }));
  const out: GaugeRow[] = [];
  for (const r of rows) {
    const label = labels.get(String(r.run_id)) ?? String(r.run_id);
    for (const gauge of ['running', 'waiting', 'kv_usage'] as const) {
      const v = r[gauge];
      if (v !== null && v !== undefined && Number.isFinite(Number(v))) out.push({ label, tS: Number(r.t_s), gauge, value: Number(v) });
    }
  }
  return out;
}
