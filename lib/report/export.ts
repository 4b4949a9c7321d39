// `report --parquet DIR / --csv DIR`: the public views as files, one per view, for tools that do not speak
// DuckDB. Each file is written under a temp name and renamed, so a reader never opens half of one.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/index.ts';
import { fillSql, quoteSql, readSqlFile } from '../store/sql-text.ts';

/** The views exported, in the order VIEWS.md lists them. */
export const EXPORTED_VIEWS = ['runs', 'requests', 'tokens', 'request_metrics', 'server_samples', 'capacities'] as const;

const FORMATS = {
  parquet: { ext: 'parquet', options: 'FORMAT parquet' },
  // Lists (token times, probes) are written as DuckDB's text form of a list: [1, 2, 3].
  csv: { ext: 'csv', options: 'FORMAT csv, HEADER true' },
} as const;

export interface ExportOptions {
  parquetDir?: string | null;
  csvDir?: string | null;
}

/** Writes every public view into each requested folder; returns the files written. */
export async function exportViews(store: Store, opts: ExportOptions): Promise<string[]> {
  const written: string[] = [];
  const targets: [keyof typeof FORMATS, string][] = [];
  if (opts.parquetDir) targets.push(['parquet', opts.parquetDir]);
  if (opts.csvDir) targets.push(['csv', opts.csvDir]);
  for (const [format, dir] of targets) {
    mkdirSync(dir, { recursive: true });
    for (const view of EXPORTED_VIEWS) {
      const file = path.join(path.resolve(dir), `${view}.${FORMATS[format].ext}`);
      const tmp = `${file}.tmp-${process.pid}`;
      try {
        await store.query(fillSql(readSqlFile(import.meta.url, './sql/export.sql'), { view, path: quoteSql(tmp), format: FORMATS[format].options }));
        renameSync(tmp, file);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new Error(`exporting view ${view} to ${file} failed: ${(e as Error).message}`);
      }
      written.push(file);
    }
  }
  return written;
}
