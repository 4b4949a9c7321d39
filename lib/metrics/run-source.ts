// Metrics queries read one run's requests through a per-connection temp view, so the same SQL serves the product
// (runs/<id>/requests.parquet) and any other source of the same columns.
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { quoteSql } from '../store/sql-text.ts';

/** Open a connection whose `run_requests` view reads the given requests.parquet file. */
export async function connectToRun(instance: DuckDBInstance, requestsParquet: string): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE OR REPLACE TEMP VIEW run_requests AS SELECT * FROM read_parquet(${quoteSql(requestsParquet)})`);
    return conn;
  } catch (e) {
    conn.closeSync();
    throw e;
  }
}

/** DuckDB hands back BIGINT as bigint and aggregates as DOUBLE or bigint; the metrics want plain numbers. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return NaN;
  return Number(v);
}

/** Run a .sql file of several statements, binding to each only the $parameters it names; returns the last rows. */
export async function runSqlScript(conn: DuckDBConnection, text: string, params: Record<string, DuckDBValue>,
  types: Record<string, DuckDBType>): Promise<unknown[][]> {
  const statements = text.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
  let rows: unknown[][] = [];
  for (const sql of statements) {
    const code = sql.replace(/--.*$/gm, '');
    const names = Object.keys(params).filter((n) => new RegExp(`\\$${n}\\b`).test(code));
    const p = Object.fromEntries(names.map((n) => [n, params[n]]));
    const t = Object.fromEntries(names.map((n) => [n, types[n]]));
    rows = (await conn.runAndReadAll(sql, names.length ? p : undefined, names.length ? t : undefined)).getRowsJS();
  }
  return rows;
}
