import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPORTED_VIEWS, exportViews } from '../../lib/report/export.ts';
import { openStore } from '../../lib/store/index.ts';
import { sharedReportCache } from '../fixtures/report/make-cache.ts';

const exp = suite('exportViews');

exp('writes every public view as Parquet and CSV holding the same rows as the view', async () => {
  const c = await sharedReportCache();
  const out = mkdtempSync(join(tmpdir(), 'headroom-report-export-'));
  const store = await openStore(c.cacheDir);
  try {
    const files = await exportViews(store, { parquetDir: join(out, 'pq'), csvDir: join(out, 'csv') });
    assert.is(files.length, 2 * EXPORTED_VIEWS.length);
    assert.equal(readdirSync(join(out, 'pq')).sort(), EXPORTED_VIEWS.map((v) => `${v}.parquet`).sort());
    assert.equal(readdirSync(join(out, 'csv')).sort(), EXPORTED_VIEWS.map((v) => `${v}.csv`).sort());
    for (const view of EXPORTED_VIEWS) {
      const [{ n }] = await store.query(`SELECT count(*)::INTEGER AS n FROM ${view}`);
      const [{ p }] = await store.query(`SELECT count(*)::INTEGER AS p FROM read_parquet('${join(out, 'pq', view)}.parquet')`);
      const [{ k }] = await store.query(`SELECT count(*)::INTEGER AS k FROM read_csv('${join(out, 'csv', view)}.csv', header = true)`);
      assert.is(p, n, `${view}.parquet`);
      assert.is(k, n, `${view}.csv`);
    }
    const [{ n }] = await store.query(`SELECT count(*)::INTEGER AS n FROM runs`);
    assert.is(n, 8);
    const [{ same }] = await store.query(`SELECT count(*)::INTEGER AS same FROM read_parquet('${join(out, 'pq', 'requests')}.parquet') e
      JOIN requests r USING (run_id, request_idx) WHERE e.token_ns = r.token_ns AND e.scheduled_ns = r.scheduled_ns`);
    assert.is(same, 8 * 40, 'token times survive the export exactly');
  } finally {
    await store.close();
    rmSync(out, { recursive: true, force: true });
  }
});

exp('writes nothing when no folder is asked for', async () => {
  const c = await sharedReportCache();
  const store = await openStore(c.cacheDir);
  try {
    assert.equal(await exportViews(store, {}), []);
  } finally {
    await store.close();
  }
});

exp.run();
