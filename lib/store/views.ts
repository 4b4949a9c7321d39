// The public views (VIEWS.md), created in headroom's in-memory DuckDB and in the catalog file alike.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CAPACITY_FILES, RUN_FILES, hasEntries, newTempDir, type Layout } from './layout.ts';
import { fillSql, quoteSql, readSqlFile } from './sql-text.ts';

/** SQL creating the macros and views over the cache's files as they are now (schema files while there are none). */
export function formatViewsSql(layout: Layout): string {
  const runs = hasEntries(layout.runs);
  const caps = hasEntries(layout.capacities);
  const src = (present: boolean, folder: string, file: string) =>
    `read_parquet(${quoteSql(present ? join(folder, '*', file) : join(layout.schema, file))})`;
  return [
    readSqlFile(import.meta.url, '../metrics/sql/macros.sql'),
    fillSql(readSqlFile(import.meta.url, './sql/views.sql'), {
      runs: src(runs, layout.runs, 'run.parquet'),
      requests: src(runs, layout.runs, 'requests.parquet'),
      server_samples: src(runs, layout.runs, 'server_samples.parquet'),
      capacities: src(caps, layout.capacities, 'capacities.parquet'),
    }),
    readSqlFile(import.meta.url, '../metrics/sql/request-metrics.sql'),
  ].join('\n');
}

export async function createViews(conn: DuckDBConnection, layout: Layout): Promise<void> {
  await conn.run(formatViewsSql(layout));
}

/** Write the empty typed files the views fall back to, once per cache (a lost race with another process is fine). */
export async function ensureSchemaFiles(instance: DuckDBInstance, layout: Layout): Promise<void> {
  const files = [...RUN_FILES, ...CAPACITY_FILES];
  if (files.every((f) => existsSync(join(layout.schema, f)))) return;
  const tmp = newTempDir(layout);
  const conn = await instance.connect();
  try {
    await conn.run(readSqlFile(import.meta.url, './sql/staging.sql'));
    await conn.run(fillSql(readSqlFile(import.meta.url, './sql/copy-run.sql'), { dir: tmp, run_id: "''" }));
    await conn.run(readSqlFile(import.meta.url, './sql/stage-capacities.sql'));
    await conn.run(fillSql(readSqlFile(import.meta.url, './sql/copy-capacities.sql'), { dir: tmp, workflow: "''", strategy: "''" }));
    try {
      renameSync(tmp, layout.schema);
    } catch (e) {
      // another process won the race: its folder is as good as ours
      if (!files.every((f) => existsSync(join(layout.schema, f)))) throw e;
    }
  } finally {
    conn.closeSync();
    rmSync(tmp, { recursive: true, force: true });
  }
}
