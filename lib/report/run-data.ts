// Per-run figures for the charts, read from the public views: CDF points, one probe's timeline, server gauges.
import type { Store } from '../store/index.ts';
import { fillSql, quoteSql, readSqlFile } from '../store/sql-text.ts';
import type { CdfPoint, GaugeRow, TimelineRow } from './model.ts';
import { CDF_FRACTIONS } from './charts/cdf.ts';

/** Requests drawn in a timeline: enough to see queues build, few enough to tell one bar from the next. */
export const TIMELINE_MAX_REQUESTS = 300;

/** CDF points of TTFT and TBT for each run; `labels` names each run in the legend. */
export async function readCdfPoints(store: Store, labels: Map<string, string>): Promise<CdfPoint[]> {
  if (labels.size === 0) return [];
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/cdf.sql'), {
    runs: [...labels.keys()].map(quoteSql).join(', '),
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
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/timeline.sql'), { run: quoteSql(runId), limit: String(Math.floor(limit)) }));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({ idx: Number(r.idx), arrivalS: Number(r.arrival_s), firstTokenS: num(r.first_s), lastTokenS: num(r.last_s), status: String(r.status) }));
}

export async function readGauges(store: Store, labels: Map<string, string>): Promise<GaugeRow[]> {
  if (labels.size === 0) return [];
  const rows = await store.query(fillSql(readSqlFile(import.meta.url, './sql/gauges.sql'), { runs: [...labels.keys()].map(quoteSql).join(', ') }));
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
