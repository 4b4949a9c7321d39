import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStore } from '../../lib/store/index.ts';
import { makeUniformRun } from '../fixtures/store/runs.ts';

const dirs: string[] = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'headroom-catalog-')); dirs.push(d); return d; };
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function rejects(p: Promise<unknown>, check: (e: Error) => void): Promise<void> {
  await p.then(() => assert.unreachable('should throw'), check);
}

test('the catalog opens in a separate DuckDB instance (as the CLI would) and its views answer', async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  const id = await store.writeRun(makeUniformRun(3, 4));
  await store.refreshCatalog();
  await store.close();
  const db = await DuckDBInstance.create(join(dir, 'headroom.duckdb'), { access_mode: 'READ_ONLY' });
  try {
    const conn = await db.connect();
    const r = await conn.runAndReadAll(`SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM tokens) AS tokens,
      (SELECT max(tpot_s) FROM request_metrics) AS tpot, (SELECT any_value(run_id) FROM requests) AS id,
      (SELECT count(*) FROM capacities) AS caps, (SELECT count(*) FROM server_samples) AS samples`);
    assert.equal(r.getRowObjectsJS(), [{ runs: 1n, tokens: 12n, tpot: 0.02, id, caps: 0n, samples: 1n }]);
    conn.closeSync();
  } finally { db.closeSync(); }
});

test('runs written after a refresh appear in the catalog views without another refresh', async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.writeRun(makeUniformRun(1, 2));
  await store.refreshCatalog();
  await store.writeRun(makeUniformRun(1, 2));
  await store.close();
  const db = await DuckDBInstance.create(join(dir, 'headroom.duckdb'));
  try {
    const conn = await db.connect();
    assert.is((await conn.runAndReadAll('SELECT count(*) FROM runs')).getRows()[0][0], 2n);
    conn.closeSync();
  } finally { db.closeSync(); }
});

test('a catalog file that is not DuckDB is named in the error and left untouched', async () => {
  const dir = freshDir();
  const catalog = join(dir, 'headroom.duckdb');
  writeFileSync(catalog, 'these are my notes, not a database\n');
  await rejects(openStore(dir), (e) => {
    assert.is(e.name, 'StoreError');
    assert.ok(e.message.includes(catalog) && /not a DuckDB database/.test(e.message), e.message);
  });
  assert.is(readFileSync(catalog, 'utf8'), 'these are my notes, not a database\n');
});

test('a DuckDB database headroom did not write is not overwritten by refreshCatalog', async () => {
  const dir = freshDir();
  const catalog = join(dir, 'headroom.duckdb');
  const own = await DuckDBInstance.create(catalog);
  const c = await own.connect();
  await c.run('CREATE TABLE mine AS SELECT 42 AS answer');
  c.closeSync();
  own.closeSync();
  const before = readFileSync(catalog);
  const store = await openStore(dir);
  try {
    await rejects(store.refreshCatalog(), (e) => {
      assert.ok(e.message.includes(catalog) && /did not write/.test(e.message), e.message);
    });
  } finally { await store.close(); }
  assert.ok(readFileSync(catalog).equals(before));
});

test('junk in the runs folder is named in the error and left in place', async () => {
  const dir = freshDir();
  mkdirSync(join(dir, 'runs', 'half-copied'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'half-copied', 'requests.parquet'), 'x');
  await rejects(openStore(dir), (e) => {
    assert.ok(e.message.includes(join(dir, 'runs', 'half-copied')) && /not a headroom run/.test(e.message), e.message);
  });
  rmSync(join(dir, 'runs', 'half-copied'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'notes.txt'), 'hello');
  await rejects(openStore(dir), (e) => assert.ok(e.message.includes('notes.txt') && /found a file/.test(e.message), e.message));
  assert.is(readFileSync(join(dir, 'runs', 'notes.txt'), 'utf8'), 'hello');
  assert.equal(readdirSync(join(dir, 'runs')), ['notes.txt']);
});

test('a cache path that is a file is refused', async () => {
  const dir = freshDir();
  const file = join(dir, 'cache');
  writeFileSync(file, 'x');
  await rejects(openStore(file), (e) => assert.ok(e.message.includes(file) && /not a folder/.test(e.message), e.message));
  assert.ok(existsSync(file));
});

test.run();
