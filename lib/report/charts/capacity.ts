// Capacity bars as Etalon draws them: one panel per SLO, traces along x, one bar per system in each group.
import type * as vl from 'vega-lite';
import type { JobReport } from '../model.ts';
import { CHART_CONFIG } from '../render.ts';

export interface CapacityBar {
  model: string;
  system: string;
  trace: string;
  slo: string;
  qps: number;
}

/** One bar per job x stored SLO capacity; the system name carries tp/pp when a workflow varies them. */
export function capacityBars(jobs: JobReport[]): CapacityBar[] {
  const parallels = new Set(jobs.map((j) => `${j.job.parallel.tp}x${j.job.parallel.pp}`));
  return jobs.flatMap(({ job, results }) =>
    results.map((r) => ({
      model: job.model.name,
      system: parallels.size > 1 ? `${job.system.name} tp${job.parallel.tp} pp${job.parallel.pp}` : job.system.name,
      trace: job.trace.name,
      slo: r.slo.name,
      qps: r.capacityQps,
    })),
  );
}

export function buildCapacitySpec(bars: CapacityBar[]): vl.TopLevelSpec {
  if (bars.length === 0) throw new Error('buildCapacitySpec: expected at least one capacity, got none');
  const models = new Set(bars.map((b) => b.model));
  // The workflow's order, not the alphabet's: bars come in job order, SLOs in the workflow's order.
  const order = (key: keyof CapacityBar) => [...new Set(bars.map((b) => String(b[key])))];
  const x = { field: 'trace', type: 'nominal' as const, title: 'trace', sort: order('trace'), axis: { labelAngle: 0 } };
  const xOffset = { field: 'system', type: 'nominal' as const, sort: order('system') };
  const y = { field: 'qps', type: 'quantitative' as const, title: 'capacity (QPS)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Capacity per trace and system',
    config: CHART_CONFIG,
    data: { values: bars },
    facet: {
      column: { field: 'slo', type: 'nominal', title: null, sort: order('slo'), header: { labelFontSize: 13, labelFontWeight: 'bold' } },
      ...(models.size > 1 ? { row: { field: 'model', type: 'nominal' as const, title: null, sort: order('model') } } : {}),
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: { step: 36 },
      height: 220,
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            x,
            xOffset,
            y,
            color: { field: 'system', type: 'nominal', title: 'system', scale: { domain: order('system') } },
            tooltip: [{ field: 'trace' }, { field: 'system' }, { field: 'slo' }, { field: 'qps', format: '.3~f' }],
          },
        },
        {
          mark: { type: 'text', dy: -5, fontSize: 10 },
          encoding: { x, xOffset, y, text: { field: 'qps', type: 'quantitative', format: '.3~g' } },
        },
      ],
    },
  };
}
