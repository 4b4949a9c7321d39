// One probe's requests over time: a thin grey bar from arrival to the first token (queueing + prefill), then a
// thick bar from the first to the last token (decode). Failed requests are drawn red to where they ended.
import type * as vl from 'vega-lite';
import type { TimelineRow } from '../model.ts';
import { CHART_CONFIG } from '../render.ts';

export function buildTimelineSpec(title: string, rows: TimelineRow[]): vl.TopLevelSpec {
  if (rows.length === 0) throw new Error(`buildTimelineSpec: expected requests for "${title}", got none`);
  const waits = rows.map((r) => ({ idx: r.idx, from: r.arrivalS, to: r.firstTokenS ?? r.lastTokenS ?? r.arrivalS, phase: r.status === 'ok' ? 'waiting for first token' : `failed (${r.status})` }));
  const decodes = rows
    .filter((r) => r.firstTokenS !== null && r.lastTokenS !== null)
    .map((r) => ({ idx: r.idx, from: r.firstTokenS as number, to: r.lastTokenS as number, phase: r.status === 'ok' ? 'decoding' : `failed (${r.status})` }));
  const x = { field: 'from', type: 'quantitative' as const, title: 'time since the run started (s)' };
  const y = { field: 'idx', type: 'quantitative' as const, title: 'request', scale: { reverse: true, nice: false }, axis: { tickMinStep: 1 } };
  const color = {
    field: 'phase',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['waiting for first token', 'decoding', ...new Set(rows.filter((r) => r.status !== 'ok').map((r) => `failed (${r.status})`))], range: ['#bbb', '#1f77b4', '#d62728', '#ff7f0e', '#9467bd', '#8c564b'] },
  };
  const height = Math.min(600, Math.max(160, rows.length * 2));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: CHART_CONFIG,
    width: 640,
    height,
    layer: [
      { data: { values: waits }, mark: { type: 'rule', strokeWidth: 1 }, encoding: { x, x2: { field: 'to' }, y, color } },
      { data: { values: decodes }, mark: { type: 'rule', strokeWidth: Math.max(1, Math.min(3, height / rows.length)) }, encoding: { x, x2: { field: 'to' }, y, color } },
    ],
  };
}
