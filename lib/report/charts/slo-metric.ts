// One SLO's measured figures against offered QPS over every probe of the search, one panel per bounded figure,
// with the bound drawn as a rule: where the curve crosses the rule is where capacity lies.
import type * as vl from 'vega-lite';
import type { PercentileBound, Slo } from '../../types.ts';
import type { JobReport } from '../model.ts';
import { CHART_CONFIG } from '../render.ts';
import { formatTtftLabel, formatValueName, ttftFigure } from '../../metrics/slo-values.ts';

export interface SloBound {
  /** The key of the bounded figure in SloVerdict.values (ttft_p90, miss_rate_p99, ...). */
  key: string;
  title: string;
  /** Seconds, or a ratio for the miss rate. */
  bound: number;
  unit: 's' | 'ratio';
}

export function sloBounds(slo: Slo): SloBound[] {
  const pct = (p: number) => `p${+(p * 100).toFixed(3)}`;
  // A dynamic TTFT bound is drawn over its own figure, TTFT minus the request's predicted prefill.
  const ttft = (b: PercentileBound): SloBound => ({
    key: formatValueName(ttftFigure(b), b.percentile),
    title: `${formatTtftLabel(b)} ${pct(b.percentile)} (s)`,
    bound: b.maxNs / 1e9,
    unit: 's',
  });
  switch (slo.type) {
    case 'deadline':
      return [{ key: formatValueName('miss_rate', slo.percentile), title: `deadline miss rate, ${pct(slo.percentile)} of requests`, bound: slo.maxMissRate, unit: 'ratio' }];
    case 'tbt_ttft':
      return [
        { key: formatValueName('tbt', slo.tbt.percentile), title: `TBT ${pct(slo.tbt.percentile)} (s)`, bound: slo.tbt.maxNs / 1e9, unit: 's' },
        ttft(slo.ttft),
      ];
    case 'ttft_tpot':
      return [
        ttft(slo.ttft),
        { key: formatValueName('tpot', slo.tpot.percentile), title: `TPOT ${pct(slo.tpot.percentile)} (s)`, bound: slo.tpot.maxNs / 1e9, unit: 's' },
      ];
  }
}

export interface SloMetricPoint {
  job: string;
  key: string;
  qps: number;
  /** NaN when the figure was infinite (failed requests reached the percentile); drawn at the panel's top. */
  value: number;
  infinite: boolean;
  verdict: 'pass' | 'fail' | 'invalid';
}

/** A stored figure, or null when it is missing or not finite (JSON keeps +infinity as null). */
export function valueFor(values: Record<string, number | null>, key: string): number | null {
  const v = values[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Probe points of every job searched for this SLO (a probe that stored no such figure is left out). */
export function sloMetricPoints(jobs: JobReport[], sloName: string): SloMetricPoint[] {
  const out: SloMetricPoint[] = [];
  for (const j of jobs) {
    const r = j.results.find((x) => x.slo.name === sloName);
    if (!r) continue;
    for (const b of sloBounds(r.slo)) {
      for (const p of r.probes) {
        if (!(b.key in p.values)) continue;
        const value = valueFor(p.values, b.key);
        out.push({ job: j.label, key: b.key, qps: p.qps, value: value ?? NaN, infinite: value === null, verdict: !p.valid ? 'invalid' : p.pass ? 'pass' : 'fail' });
      }
    }
  }
  return out.sort((a, b) => a.qps - b.qps);
}

/** `jobOrder`: the jobs' labels in workflow order, so each job keeps its colour across the report's charts. */
export function buildSloMetricSpec(slo: Slo, points: SloMetricPoint[], jobOrder: string[] = [...new Set(points.map((p) => p.job))]): vl.TopLevelSpec {
  const jobs = jobOrder.filter((j) => points.some((p) => p.job === j));
  const panels = sloBounds(slo).map((b) => {
    const finite = points.filter((p) => p.key === b.key && !p.infinite && (b.unit === 'ratio' || p.value > 0));
    // Infinite figures (failed requests at the percentile) sit above everything else, marked with a sign.
    const ceiling = 2 * Math.max(b.bound, ...finite.map((p) => p.value));
    const mine = [...finite, ...points.filter((p) => p.key === b.key && p.infinite).map((p) => ({ ...p, value: ceiling }))]
      .sort((x, y) => x.qps - y.qps);
    // Latencies of overloaded probes run to tens of seconds: a log axis keeps the region near the bound readable.
    const y = {
      field: 'value',
      type: 'quantitative' as const,
      title: b.title,
      scale: b.unit === 's' ? { type: 'log' as const } : { domain: [0, Math.max(b.bound * 2, ...mine.map((p) => p.value), 0.01)] },
    };
    const x = { field: 'qps', type: 'quantitative' as const, title: 'offered load (QPS)' };
    const color = { field: 'job', type: 'nominal' as const, title: 'job', scale: { domain: jobs } };
    return {
      width: 300,
      height: 220,
      layer: [
        { data: { values: mine }, mark: { type: 'line' as const, opacity: 0.6 }, encoding: { x, y, color } },
        {
          data: { values: mine },
          mark: { type: 'point' as const, size: 50 },
          encoding: {
            x,
            y,
            color,
            shape: { field: 'verdict', type: 'nominal' as const, title: 'probe', scale: { domain: ['pass', 'fail', 'invalid'], range: ['circle', 'cross', 'triangle-up'] } },
            tooltip: [{ field: 'job' }, { field: 'qps', format: '.3~f' }, { field: 'value', format: '.4~g' }, { field: 'verdict' }, { field: 'infinite' }],
          },
        },
        {
          data: { values: mine.filter((p) => p.infinite) },
          mark: { type: 'text' as const, dy: -10, fontSize: 13, text: '\u221e' },
          encoding: { x, y, color },
        },
        {
          data: { values: [{ bound: b.bound, label: `bound ${formatBound(b)}` }] },
          layer: [
            { mark: { type: 'rule' as const, color: '#b00', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { field: 'bound', type: 'quantitative' as const } } },
            {
              mark: { type: 'text' as const, color: '#b00', align: 'left' as const, dx: 4, dy: -6, x: 0 },
              encoding: { y: { field: 'bound', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
            },
          ],
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `SLO ${slo.name}: measured figures per probe`,
    config: CHART_CONFIG,
    hconcat: panels,
    resolve: { scale: { color: 'shared', shape: 'shared' } },
  };
}

function formatBound(b: SloBound): string {
  if (b.unit === 'ratio') return String(b.bound);
  return b.bound >= 1 ? `${+b.bound.toFixed(3)} s` : `${+(b.bound * 1000).toFixed(3)} ms`;
}
