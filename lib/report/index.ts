// The sweep's report: <cacheDir>/reports/<workflow>/index.html with every chart inline, and each chart again as
// its own .svg beside it. Written into a temp folder and swapped in, so a reader never sees half a report and
// charts of SLOs no longer in the workflow do not linger.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Workflow } from '../types.ts';
import type { PlannedJob } from '../plan/plan.ts';
import { openStore, type Store } from '../store/index.ts';
import { readReportData } from './data.ts';
import { buildFigures, fileSafe } from './figures.ts';
import { formatReportHtml } from './html.ts';

export type { Figure } from './figures.ts';
export type { ReportData, JobReport, SloResult } from './model.ts';
export { readReportData } from './data.ts';
export { exportViews } from './export.ts';

export interface ReportOptions {
  cacheDir: string;
  /** An open store to read from (else one is opened on cacheDir and closed again). */
  store?: Store;
  /** The clock for the page's "written at" line. */
  now?: () => Date;
}

/** Writes the report and returns the path of its index.html. */
export async function writeReport(workflow: Workflow, planned: PlannedJob[], opts: ReportOptions): Promise<string> {
  const store = opts.store ?? (await openStore(opts.cacheDir));
  try {
    const data = await readReportData(store, workflow, planned, opts.cacheDir);
    const figures = await buildFigures(store, data);
    const outDir = path.join(path.resolve(opts.cacheDir), 'reports', fileSafe(workflow.name));
    const html = formatReportHtml(data, figures, { generatedAt: (opts.now ?? (() => new Date()))() });
    const tmp = `${outDir}.tmp-${process.pid}-${Date.now().toString(36)}`;
    mkdirSync(tmp, { recursive: true });
    try {
      for (const f of figures) writeFileSync(path.join(tmp, f.file), f.svg);
      writeFileSync(path.join(tmp, 'index.html'), html);
      swapIn(tmp, outDir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return path.join(outDir, 'index.html');
  } finally {
    if (!opts.store) await store.close();
  }
}

/** Replace outDir by tmp: the old folder is moved aside first (rename cannot replace a non-empty folder). */
function swapIn(tmp: string, outDir: string): void {
  const old = `${outDir}.old-${process.pid}-${Date.now().toString(36)}`;
  const had = existsSync(outDir);
  if (had) renameSync(outDir, old);
  renameSync(tmp, outDir);
  if (had) rmSync(old, { recursive: true, force: true });
}
