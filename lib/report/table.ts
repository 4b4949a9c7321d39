// The capacities table of the page: one row per job x SLO, with the figures measured at capacity and the
// bracket the search closed (capacity passed, fail QPS failed). Jobs with nothing stored say so.
import type { JobReport, ProbePoint, SloResult } from './model.ts';
import { escapeHtml } from './escape.ts';

export function formatCapacityTableHtml(jobs: JobReport[]): string {
  const head = ['job', 'SLO', 'capacity (QPS)', 'bracket (QPS)', 'measured at capacity', 'probes', 'benchmarked'];
  const rows: string[] = [];
  for (const j of jobs) {
    const missing = j.job.slos.filter((s) => !j.results.some((r) => r.slo.name === s.name));
    for (const r of j.results) rows.push(formatRow(j, r));
    for (const s of missing) {
      const why = j.cachedRuns === 0 ? 'no cached results' : `no finished search (${j.cachedRuns} cached run${j.cachedRuns === 1 ? '' : 's'})`;
      rows.push(`<tr class="missing"><td>${escapeHtml(j.job.id)}</td><td>${escapeHtml(s.name)}</td><td colspan="5">${why}</td></tr>`);
    }
  }
  return [
    '<table class="capacities">',
    `<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function formatRow(j: JobReport, r: SloResult): string {
  const atCapacity = r.probes.find((p) => p.runId === r.capacityRunId) ?? null;
  const cached = r.probes.filter((p) => p.cached).length;
  const cells = [
    escapeHtml(j.job.id),
    escapeHtml(r.slo.name),
    `<b>${formatQps(r.capacityQps)}</b>`,
    formatBracket(r),
    atCapacity ? formatValues(atCapacity) : '&mdash;',
    `${r.probes.length}${cached > 0 ? ` (${cached} cached)` : ''}`,
    `${r.benchmarkSeconds.toFixed(0)} s`,
  ];
  return `<tr${r.capacityQps === 0 ? ' class="none"' : ''}>${cells.map((c, i) => `<td${i >= 2 && i !== 4 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
}

/** [pass, fail): the capacity lies in between; an open end means no probe failed. */
export function formatBracket(r: Pick<SloResult, 'capacityQps' | 'failQps'>): string {
  return `[${formatQps(r.capacityQps)}, ${r.failQps === null ? '&infin;' : formatQps(r.failQps)})`;
}

export function formatQps(qps: number): string {
  return String(+qps.toFixed(3));
}

/** Figures as a person reads them: latencies in ms, miss rates as they are. */
export function formatValues(p: ProbePoint): string {
  return Object.entries(p.values)
    .map(([k, v]) => `${escapeHtml(k)} ${formatValue(k, v)}`)
    .join(', ');
}

function formatValue(key: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '&infin;';
  if (key.startsWith('miss_rate')) return String(+v.toFixed(4));
  return `${+(v * 1000).toFixed(v < 0.1 ? 2 : 1)} ms`;
}
