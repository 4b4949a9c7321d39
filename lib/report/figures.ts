// The report's figures, in page order: capacities, each SLO's figures per probe, latency CDFs at capacity, one
// probe's request timeline, server gauges, prefill profiles. A figure without data is left out, not drawn empty.
import type * as vl from 'vega-lite';
import type { Store } from '../store/index.ts';
import type { JobReport, ReportData } from './model.ts';
import { renderSvg } from './render.ts';
import { buildCapacitySpec, capacityBars } from './charts/capacity.ts';
import { buildSloMetricSpec, sloMetricPoints } from './charts/slo-metric.ts';
import { buildCdfSpec, type CdfBound } from './charts/cdf.ts';
import { buildTimelineSpec } from './charts/timeline.ts';
import { buildGaugesSpec } from './charts/gauges.ts';
import { buildPrefillSpec } from './charts/prefill.ts';
import { readCdfPoints, readGauges, readTimeline, TIMELINE_MAX_REQUESTS } from './run-data.ts';
import type { Slo } from '../types.ts';

export type Section = 'capacity' | 'slo' | 'cdf' | 'timeline' | 'gauges' | 'prefill';

export interface Figure {
  section: Section;
  /** File name beside index.html. */
  file: string;
  caption: string;
  spec: vl.TopLevelSpec;
  svg: string;
}

type Draft = Omit<Figure, 'svg'>;

export async function buildFigures(store: Store, data: ReportData): Promise<Figure[]> {
  const drafts = await draftFigures(store, data);
  const out: Figure[] = [];
  for (const d of drafts) out.push({ ...d, svg: await renderSvg(d.spec) });
  return out;
}

export async function draftFigures(store: Store, data: ReportData): Promise<Draft[]> {
  const drafts: Draft[] = [];
  const bars = capacityBars(data.jobs);
  if (bars.length > 0) {
    drafts.push({ section: 'capacity', file: 'capacity.svg', caption: 'Highest QPS that met each SLO, per trace (groups) and system (bars).', spec: buildCapacitySpec(bars) });
  }
  for (const slo of slosOf(data.jobs)) {
    const points = sloMetricPoints(data.jobs, slo.name);
    if (points.length === 0) continue;
    drafts.push({
      section: 'slo',
      file: `slo-${fileSafe(slo.name)}.svg`,
      caption: `SLO ${slo.name}: the bounded figures of every probe against offered QPS (circles passed, crosses failed, triangles were invalid runs; \u221e marks a figure made infinite by failed requests, drawn at the top); the dashed line is the bound.`,
      spec: buildSloMetricSpec(slo, points, data.jobs.map((j) => j.label)),
    });
  }
  // One read for every run at capacity: SLOs often share them, and each read scans the runs' token lists.
  const capacityLabels = new Map<string, string>();
  for (const j of data.jobs) {
    for (const r of j.results) if (r.capacityRunId) capacityLabels.set(r.capacityRunId, `${j.label} @ ${+r.capacityQps.toFixed(3)} QPS`);
  }
  const cdfPoints = await readCdfPoints(store, capacityLabels);
  for (const slo of slosOf(data.jobs)) {
    const labels = new Map<string, string>();
    for (const j of data.jobs) {
      const r = j.results.find((x) => x.slo.name === slo.name);
      if (r?.capacityRunId) labels.set(r.capacityRunId, capacityLabels.get(r.capacityRunId)!);
    }
    const mine = new Set(labels.values());
    const points = cdfPoints.filter((p) => mine.has(p.label));
    if (points.length === 0) continue;
    drafts.push({
      section: 'cdf',
      file: `cdf-${fileSafe(slo.name)}.svg`,
      caption: `TTFT and TBT at capacity for SLO ${slo.name} (each job's highest passing probe). Failed requests never arrive, so a curve ending below 1 shows their share.`,
      spec: buildCdfSpec(`Latency at capacity, SLO ${slo.name}`, points, cdfBounds(slo), [...mine]),
    });
  }
  const probe = timelineProbe(data.jobs);
  if (probe) {
    const rows = await readTimeline(store, probe.runId);
    if (rows.length > 0) {
      drafts.push({
        section: 'timeline',
        file: 'timeline.svg',
        caption: `Requests of ${probe.jobId} at ${probe.qps} QPS (capacity for SLO ${probe.slo}): grey from arrival to the first token, blue from the first to the last token${rows.length === TIMELINE_MAX_REQUESTS ? `; the first ${TIMELINE_MAX_REQUESTS} requests` : ''}.`,
        spec: buildTimelineSpec(`Request timeline: ${probe.jobId} at ${probe.qps} QPS`, rows),
      });
    }
  }
  const gaugeLabels = new Map<string, string>();
  for (const j of data.jobs) {
    const r = j.results.find((x) => x.capacityRunId !== null);
    if (r?.capacityRunId) gaugeLabels.set(r.capacityRunId, `${j.label} @ ${+r.capacityQps.toFixed(3)} QPS`);
  }
  const gauges = await readGauges(store, gaugeLabels);
  if (gauges.length > 0) {
    drafts.push({ section: 'gauges', file: 'gauges.svg', caption: "The servers' own gauges during each job's run at capacity (first SLO with a passing probe).", spec: buildGaugesSpec('Server gauges at capacity', gauges, [...gaugeLabels.values()]) });
  }
  const seen = new Set<string>();
  for (const j of data.jobs) {
    const p = j.profile;
    if (!p || seen.has(p.fingerprint) || p.points.length === 0) continue;
    seen.add(p.fingerprint);
    const par = p.parallel.tp * p.parallel.pp > 1 ? `-tp${p.parallel.tp}-pp${p.parallel.pp}` : '';
    drafts.push({
      section: 'prefill',
      file: `prefill-${fileSafe(p.model)}-${fileSafe(p.system)}${par}.svg`,
      caption: `Prefill profile of ${p.model} on ${p.system}: measured medians and the fitted curve the deadline SLOs use (worst fit error ${(p.fit.worstRelErr * 100).toFixed(1)}%).`,
      spec: buildPrefillSpec(p),
    });
  }
  return drafts;
}

/** The SLOs of the jobs in first-seen order, one per name. */
function slosOf(jobs: JobReport[]): Slo[] {
  const out = new Map<string, Slo>();
  for (const j of jobs) for (const s of j.job.slos) if (!out.has(s.name)) out.set(s.name, s);
  return [...out.values()];
}

function cdfBounds(slo: Slo): CdfBound[] {
  const pct = (p: number) => `p${+(p * 100).toFixed(3)}`;
  // The CDF shows plain TTFT: a dynamic bound (TTFT minus each request's predicted prefill) has no one place on it.
  const ttft = (): CdfBound[] => slo.type === 'deadline' || slo.ttft.minusPredictedPrefill === true ? []
    : [{ metric: 'TTFT', boundS: slo.ttft.maxNs / 1e9, label: `TTFT ${pct(slo.ttft.percentile)} bound` }];
  if (slo.type === 'tbt_ttft') {
    return [{ metric: 'TBT', boundS: slo.tbt.maxNs / 1e9, label: `TBT ${pct(slo.tbt.percentile)} bound` }, ...ttft()];
  }
  if (slo.type === 'ttft_tpot') return ttft();
  return [{ metric: 'TBT', boundS: slo.tbtNs / 1e9, label: 'per-token deadline' }];
}

/** The probe whose timeline is drawn: the first job's run at capacity for its first SLO that has one. */
function timelineProbe(jobs: JobReport[]): { runId: string; jobId: string; qps: number; slo: string } | null {
  for (const j of jobs) {
    for (const r of j.results) {
      if (r.capacityRunId) return { runId: r.capacityRunId, jobId: j.job.id, qps: +r.capacityQps.toFixed(3), slo: r.slo.name };
    }
  }
  return null;
}

export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'x';
}
