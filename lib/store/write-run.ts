// Writing one run: JS events -> staging tables of an in-memory DuckDB -> three Parquet files in a temp folder ->
// one rename(2) into runs/. A writer killed at any point leaves at most a temp folder, which no reader looks at.
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, INTEGER, DOUBLE, VARCHAR, BOOLEAN, LIST, listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { RunEvents, RequestEvents } from '../types.ts';
import { newRunId, newTempDir, type Layout } from './layout.ts';
import { fillSql, quoteSql, readSqlFile } from './sql-text.ts';
import { validateRunEvents } from './validate-run.ts';

const CHUNK_ROWS = 2048; // DuckDB's vector size: the most rows one data chunk carries

const REQUEST_TYPES: DuckDBType[] = [INTEGER, DOUBLE, DOUBLE, INTEGER, INTEGER, INTEGER, INTEGER, VARCHAR, INTEGER,
  VARCHAR, VARCHAR, DOUBLE, LIST(DOUBLE)];
const SAMPLE_TYPES: DuckDBType[] = [DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE];
const RUN_TYPES: DuckDBType[] = [VARCHAR, VARCHAR, DOUBLE, VARCHAR, VARCHAR, VARCHAR, VARCHAR, DOUBLE, VARCHAR, DOUBLE,
  VARCHAR, BOOLEAN, VARCHAR, DOUBLE, INTEGER];

/** Write a run whole and return its id (folder name under runs/). */
export async function writeRunFiles(instance: DuckDBInstance, layout: Layout, run: RunEvents): Promise<string> {
  validateRunEvents(run);
  const runId = newRunId(run.fingerprint, run.qps);
  const tmp = newTempDir(layout);
  const conn = await instance.connect();
  try {
    await conn.run(readSqlFile(import.meta.url, './sql/staging.sql'));
    await appendRows(conn, 'stage_run', RUN_TYPES, [[
      runId, run.fingerprint, run.qps, run.jobId, run.model, run.system, run.trace, run.seed, run.startedAt,
      run.durationNs, run.clock, run.complete, run.stopReason, run.lagP99Ns, run.requests.length,
    ]]);
    await appendRows(conn, 'stage_requests', REQUEST_TYPES, run.requests.map(requestRow));
    await appendRows(conn, 'stage_samples', SAMPLE_TYPES, run.serverSamples.map((s) =>
      [s.tNs, s.running, s.waiting, s.kvUsage, s.preemptions]));
    await conn.run(fillSql(readSqlFile(import.meta.url, './sql/copy-run.sql'), { dir: tmp, run_id: quoteSql(runId) }));
    renameSync(tmp, join(layout.runs, runId));
    return runId;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    conn.closeSync();
  }
}

function requestRow(r: RequestEvents): DuckDBValue[] {
  return [r.idx, r.scheduledNs, r.sentNs, r.promptTokensRequested, r.promptTokens, r.outputTokensRequested,
    r.outputTokens, r.status, r.httpStatus, r.error, r.tokenSource, r.endNs, listValue(r.tokenNs)];
}

/** Append rows column-wise through data chunks; with token times as one LIST per request this was the fastest
 * way measured (bench/RESULTS.md, Metrics). */
export async function appendRows(conn: DuckDBConnection, table: string, types: DuckDBType[], rows: DuckDBValue[][]): Promise<void> {
  const appender = await conn.createAppender(table);
  try {
    const chunk = DuckDBDataChunk.create(types, CHUNK_ROWS);
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const part = rows.slice(start, start + CHUNK_ROWS);
      chunk.setColumns(types.map((_, c) => part.map((row) => row[c])));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
