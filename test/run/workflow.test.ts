import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../lib/store/index.ts';

// The main job end to end, as a user runs it: run.mjs on the simulated engine in virtual time, a real DuckDB
// cache, then the same again, which must be answered from the cache alone.
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-e2e-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['run.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function countRuns(): Promise<number> {
  const store = await openStore(cache);
  try {
    return (await store.listRuns()).length;
  } finally {
    await store.close();
  }
}

let first = '';

test('a workflow run searches every job x SLO, prints the capacities and stores the runs', async () => {
  const r = run(['test/fixtures/run/small.yml', '--cache', cache]);
  assert.is(r.code, 0, r.err);
  first = r.out;
  for (const job of ['llama-3-8b/vllm/sharegpt/tp1-pp1', 'llama-3-8b/sarathi/sharegpt/tp1-pp1']) assert.match(r.out, job);
  for (const slo of ['deadline', 'tbt_ttft', 'ttft_tpot']) assert.match(r.out, slo);
  assert.ok((await countRuns()) > 0);
  const store = await openStore(cache);
  try {
    const caps = await store.query('select job_id, slo, capacity_qps from capacities');
    assert.is(caps.length, 6);
    for (const c of caps) assert.ok(Number(c.capacity_qps) >= 0);
    assert.ok(caps.some((c) => Number(c.capacity_qps) > 0), 'some SLO is met at some rate');
  } finally {
    await store.close();
  }
});

test('running it again gives the same capacities and benchmarks nothing', async () => {
  const before = await countRuns();
  const r = run(['test/fixtures/run/small.yml', '--cache', cache]);
  assert.is(r.code, 0, r.err);
  assert.is(await countRuns(), before, 'no new run was written');
  // job, SLO, capacity and bracket; the probe and benchmark columns now say the runs came from the cache.
  const table = (s: string) => s.split('\n').filter((l) => l.includes('/tp1-pp1  ')).map((l) => l.trim().split(/\s{2,}/).slice(0, 4).join(' | ')).join('\n');
  assert.is(table(r.out).split('\n').length, 6);
  assert.fixture(table(r.out), table(first));
  assert.is(r.out.match(/\(\d+ cached\)\s+0\.0 s/g)?.length, 6, r.out);
});

test('the catalog opens as a DuckDB file for ad-hoc SQL, through the sql command', () => {
  const r = run(['sql', 'select count(*) as n from runs', '--cache', cache, '--json']);
  assert.is(r.code, 0, r.err);
  assert.ok(JSON.parse(r.out)[0].n > 0);
});

test.after(() => fs.rmSync(cache, { recursive: true, force: true }));
test.run();
