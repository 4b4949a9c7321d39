// cache/headroom.duckdb: a small DuckDB file holding only views over the Parquet files (absolute paths), so that
// `duckdb cache/headroom.duckdb` answers ad-hoc SQL. DuckDB lets one process at a time hold a database file, so
// headroom never keeps it open: it writes a new catalog under a temp name and renames it over the old one (a CLI
// session that has the old one open keeps reading the old inode).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { isDuckDbFile, newTempPath, validateCatalogFile, type Layout } from './layout.ts';
import { formatViewsSql } from './views.ts';
import { StoreError } from './errors.ts';

const MARKER = 'headroom_catalog';

export async function writeCatalog(layout: Layout): Promise<void> {
  validateCatalogFile(layout.catalog);
  await validateCatalogOwner(layout.catalog);
  const tmp = newTempPath(layout); // in tmp/: a writer killed here leaves nothing beside the catalog
  try {
    const instance = await DuckDBInstance.create(tmp);
    try {
      const conn = await instance.connect();
      await conn.run(formatViewsSql(layout));
      await conn.run(`CREATE TABLE ${MARKER} AS SELECT 1 AS version, now()::TIMESTAMPTZ AS written_at, ` +
        `(SELECT count(*) FROM runs) AS runs`);
      await conn.run('CHECKPOINT');
      conn.closeSync();
    } finally {
      instance.closeSync();
    }
    renameSync(tmp, layout.catalog);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
  }
}

/** A DuckDB file at the catalog path without our marker table is someone's own database: leave it alone. */
async function validateCatalogOwner(path: string): Promise<void> {
  if (!existsSync(path) || !isDuckDbFile(path)) return;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  } catch (e) {
    if (/lock/i.test(String(e))) return; // held open (a CLI session on our catalog); the rename does not disturb it
    throw new StoreError(`catalog ${path} cannot be opened as DuckDB (${String(e).split('\n')[0]}); headroom will not overwrite it: move it away.`);
  }
  try {
    const conn = await instance.connect();
    const r = await conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '${MARKER}'`);
    conn.closeSync();
    if (Number(r.getRows()[0][0]) === 0) {
      throw new StoreError(`catalog ${path} is a DuckDB database that headroom did not write (no ${MARKER} table); ` +
        `headroom will not overwrite it: move it away or use another --cache.`);
    }
  } finally {
    instance.closeSync();
  }
}
