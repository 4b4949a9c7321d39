// The report page: self-contained HTML (inline CSS and SVG, no scripts, nothing fetched), readable offline.
import path from 'node:path';
import { formatSlo, formatSystem, formatTrace } from '../plan/plan.ts';
import type { ReportData } from './model.ts';
import type { Figure, Section } from './figures.ts';
import { scopeSvgIds } from './render.ts';
import { formatCapacityTableHtml } from './table.ts';
import { escapeHtml } from './escape.ts';

const SECTIONS: { section: Section; title: string }[] = [
  { section: 'capacity', title: 'Capacity' },
  { section: 'slo', title: 'SLO figures per probe' },
  { section: 'cdf', title: 'Latency at capacity' },
  { section: 'timeline', title: 'Request timeline' },
  { section: 'gauges', title: 'Server gauges' },
  { section: 'prefill', title: 'Prefill profiles' },
];

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.meta { color: #666; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.8rem 0; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; white-space: nowrap; }
tr.missing td, tr.none td { color: #888; }
figure { margin: 1.2rem 0; overflow-x: auto; } figcaption { color: #555; font-size: 0.88rem; max-width: 60rem; }
figure svg { max-width: none; height: auto; }
code { background: #f4f4f4; padding: 0 0.2rem; }
ul.jobs li { margin: 0.3rem 0; }
`;

export interface PageOptions {
  generatedAt: Date;
}

export function formatReportHtml(data: ReportData, figures: Figure[], opts: PageOptions): string {
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">`);
  parts.push(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
  parts.push(`<title>headroom: ${escapeHtml(data.title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>`);
  parts.push(`<h1>${escapeHtml(data.title)}</h1>`);
  if (data.description) parts.push(`<p>${escapeHtml(data.description)}</p>`);
  parts.push(`<p class="meta">Workflow <code>${escapeHtml(data.workflowFile)}</code>; report written ${escapeHtml(opts.generatedAt.toISOString())} from the cache. ` +
    `Capacity is the highest offered load (QPS) at which a probe met the SLO; the search found it between the bracket's ends.</p>`);
  parts.push(`<h2 id="capacity">Capacity</h2>`);
  parts.push(formatCapacityTableHtml(data.jobs));
  for (const { section, title } of SECTIONS) {
    const mine = figures.filter((f) => f.section === section);
    if (mine.length === 0) continue;
    if (section !== 'capacity') parts.push(`<h2 id="${section}">${title}</h2>`);
    for (const f of mine) parts.push(formatFigure(f));
  }
  parts.push(formatJobList(data));
  parts.push(`</body>\n</html>\n`);
  return parts.join('\n');
}

function formatFigure(f: Figure): string {
  const svg = scopeSvgIds(f.svg, path.basename(f.file, '.svg'));
  return `<figure id="fig-${escapeHtml(path.basename(f.file, '.svg'))}">\n${svg}\n<figcaption>${escapeHtml(f.caption)} <a href="${escapeHtml(f.file)}">${escapeHtml(f.file)}</a></figcaption>\n</figure>`;
}

function formatJobList(data: ReportData): string {
  const items = data.jobs.map(({ job, fingerprint, cachedRuns }) => [
    `<li><b>${escapeHtml(job.id)}</b> <span class="meta">fingerprint ${escapeHtml(fingerprint)}, ${cachedRuns} cached run${cachedRuns === 1 ? '' : 's'}</span><br>`,
    `system: ${escapeHtml(formatSystem(job))}<br>trace: ${escapeHtml(formatTrace(job))}</li>`,
  ].join(''));
  const slos = new Map<string, string>();
  for (const { job } of data.jobs) for (const s of job.slos) if (!slos.has(s.name)) slos.set(s.name, formatSlo(s));
  return [
    `<h2 id="jobs">Jobs and SLOs</h2>`,
    `<ul class="jobs">\n${items.join('\n')}\n</ul>`,
    `<ul>\n${[...slos.values()].map((s) => `<li>${escapeHtml(s)}</li>`).join('\n')}\n</ul>`,
  ].join('\n');
}
