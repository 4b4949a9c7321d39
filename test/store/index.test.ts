import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/index.ts';
import { makeRequest, makeRun, makeUniformRun } from '../fixtures/store/runs.ts';

const dirs: string[] = [];
const freshDir = () => { const d = mkdtempSync(join(tmpdir(), 'headroom-store-')); dirs.push(d); return d; };
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

test('an empty cache answers every view with no rows', async () => {
  const store = await openStore(freshDir());
  try {
    for (const v of ['runs', 'requests', 'tokens', 'request_metrics', 'capacities', 'server_samples']) {
      assert.equal(await store.query(`SELECT * FROM ${v}`), [], v);
    }
    assert.equal(await store.listRuns(), []);
  } finally { await store.close(); }
});

test('writeRun returns an id that listRuns reports with the run labels, filtered by fingerprint', async () => {
  const store = await openStore(freshDir());
  try {
    const run = makeRun([makeRequest(0, [50e6, 70e6]), makeRequest(1, [60e6])], { lagP99Ns: 1234 });
    const id = await store.writeRun(run);
    await store.writeRun(makeRun([makeRequest(0, [1e6])], { fingerprint: 'other' }));
    const runs = await store.listRuns({ fingerprint: run.fingerprint });
    assert.equal(runs, [{ runId: id, fingerprint: run.fingerprint, qps: 2, jobId: run.jobId, model: 'llama', system: 'sim',
      trace: 'sharegpt', seed: 7, startedAt: run.startedAt, durationNs: 5e9, clock: 'virtual', complete: true, stopReason: null,
      lagP99Ns: 1234, requests: 2 }]);
    assert.is((await store.listRuns()).length, 2);
  } finally { await store.close(); }
});

test('requests, tokens and request_metrics give the stored events and per-request figures in seconds', async () => {
  const store = await openStore(freshDir());
  try {
    const id = await store.writeRun(makeRun([
      makeRequest(0, [50e6, 70e6, 100e6], { sentNs: 2e6 }),
      makeRequest(1, [], { status: 'http_error', httpStatus: 503, error: 'overloaded', promptTokens: null }),
    ]));
    const req = await store.query(`SELECT request_idx, status, http_status, error, prompt_tokens, tokens_recorded FROM requests WHERE run_id = '${id}' ORDER BY 1`);
    assert.equal(req, [
      { request_idx: 0, status: 'ok', http_status: 200, error: null, prompt_tokens: 100, tokens_recorded: 3 },
      { request_idx: 1, status: 'http_error', http_status: 503, error: 'overloaded', prompt_tokens: null, tokens_recorded: 0 },
    ]);
    assert.equal(await store.query('SELECT idx, t_ns FROM tokens ORDER BY idx'), [{ idx: 0, t_ns: 50e6 }, { idx: 1, t_ns: 70e6 }, { idx: 2, t_ns: 100e6 }]);
    const [m0, m1] = await store.query('SELECT * FROM request_metrics ORDER BY request_idx');
    assert.is(m0.failed, false);
    assert.is(m0.ttft_s, 0.05);
    assert.is(m0.ttft_sent_s, 0.048);
    assert.equal(m0.tbt_s, [0.02, 0.03]);
    assert.is(m0.tpot_s, 0.025);
    assert.is(m0.e2e_s, 0.1);
    assert.ok(Math.abs((m0.normalized_latency_s as number) - 0.1 / 3) < 1e-15);
    assert.is(m0.output_tokens_per_s, 30);
    assert.is(m1.failed, true);
    assert.is(m1.ttft_s, null);
  } finally { await store.close(); }
});

test('a run of more requests than one data chunk carries (2048) keeps every request and token', async () => {
  const store = await openStore(freshDir());
  try {
    const id = await store.writeRun(makeUniformRun(5000, 3));
    assert.equal(await store.query(`SELECT count(DISTINCT request_idx) AS n, max(request_idx) AS last, sum(tokens_recorded) AS t FROM requests WHERE run_id = '${id}'`),
      [{ n: 5000, last: 4999, t: 15000 }]);
  } finally { await store.close(); }
});

test('a run with an out-of-order token time is refused before anything is written', async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  try {
    const bad = makeRun([makeRequest(0, [50e6, 40e6])]);
    await store.writeRun(bad).then(() => assert.unreachable('should throw'), (e: Error) => {
      assert.match(e.message, /request 0: token 1 time .* is before token 0/);
    });
    assert.equal(await store.listRuns(), []);
  } finally { await store.close(); }
});

test('writeCapacities rows appear in the capacities view with their probes', async () => {
  const store = await openStore(freshDir());
  try {
    await store.writeCapacities([{ jobId: 'j1', slo: 'chat', capacityQps: 4.5, failQps: 5, benchmarkSeconds: 30, probes: [
      { qps: 4.5, runId: 'r1', valid: true, cached: false, benchmarkSeconds: 10, verdicts: [{ slo: 'chat', type: 'ttft_tpot', pass: true, values: { ttft_p90: 0.2 } }] },
      { qps: 5, runId: 'r2', valid: true, cached: true, benchmarkSeconds: 20, verdicts: [{ slo: 'chat', type: 'ttft_tpot', pass: false, values: { ttft_p90: 0.9 } }] },
    ] }], { workflow: 'wf', strategy: 'headroom' });
    const rows = await store.query('SELECT workflow, strategy, job_id, slo, capacity_qps, fail_qps, len(probes) AS n, probes[2].pass AS p2 FROM capacities');
    assert.equal(rows, [{ workflow: 'wf', strategy: 'headroom', job_id: 'j1', slo: 'chat', capacity_qps: 4.5, fail_qps: 5, n: 2, p2: false }]);
  } finally { await store.close(); }
});

test('evaluating a run that is not in the cache names the run and the cache', async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  try {
    await store.evaluate('nope', []).then(() => assert.unreachable('should throw'), (e: Error) => {
      assert.is(e.name, 'StoreError');
      assert.ok(e.message.includes('no run "nope"') && e.message.includes(dir), e.message);
    });
  } finally { await store.close(); }
});

test.run();
