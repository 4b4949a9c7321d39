// Capacities (search results) are written like runs: Parquet in a temp folder, then one rename into capacities/.
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { INTEGER, DOUBLE, VARCHAR, BOOLEAN } from '@duckdb/node-api';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Capacity } from '../types.ts';
import { newTempDir, safeName, type Layout } from './layout.ts';
import { fillSql, quoteSql, readSqlFile } from './sql-text.ts';
import { appendRows } from './write-run.ts';

export interface CapacityMeta {
  workflow: string;
  strategy: string;
}

export async function writeCapacityFile(instance: DuckDBInstance, layout: Layout, rows: Capacity[], meta: CapacityMeta): Promise<string> {
  const id = `${safeName(meta.workflow)}-${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const tmp = newTempDir(layout);
  const conn = await instance.connect();
  try {
    await conn.run(readSqlFile(import.meta.url, './sql/stage-capacities.sql'));
    await appendRows(conn, 'stage_capacities', [INTEGER, VARCHAR, VARCHAR, DOUBLE, DOUBLE, DOUBLE],
      rows.map((c, i) => [i, c.jobId, c.slo, c.capacityQps, c.failQps, c.benchmarkSeconds]));
    await appendRows(conn, 'stage_probes', [INTEGER, INTEGER, DOUBLE, VARCHAR, BOOLEAN, BOOLEAN, DOUBLE, BOOLEAN, VARCHAR],
      rows.flatMap((c, i) => c.probes.map((p, k) => {
        const verdict = p.verdicts.find((v) => v.slo === c.slo) ?? null;
        return [i, k, p.qps, p.runId, p.valid, verdict ? verdict.pass : null, p.benchmarkSeconds, p.cached,
          verdict ? JSON.stringify(verdict.values) : null];
      })));
    await conn.run(fillSql(readSqlFile(import.meta.url, './sql/copy-capacities.sql'), {
      dir: tmp, workflow: quoteSql(meta.workflow), strategy: quoteSql(meta.strategy),
    }));
    renameSync(tmp, join(layout.capacities, id));
    return id;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    conn.closeSync();
  }
}
