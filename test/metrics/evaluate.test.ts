import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../lib/store/index.ts';
import type { Slo } from '../../lib/types.ts';
import { makeRequest, makeRun, makeUniformRun } from '../fixtures/store/runs.ts';

const ANY = { models: null, systems: null, traces: null };
const ms = 1_000_000;
let dir: string;
let store: Store;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-eval-'));
  store = await openStore(dir);
});
test.after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const deadline = (name: string, tbtNs: number, percentile = 0.5, maxMissRate = 0.1): Slo =>
  ({ name, type: 'deadline', tbtNs, ttftSlackNs: 0, maxMissRate, percentile, appliesTo: ANY });
const prefill = new Map([[100, 50 * ms]]);

test('one call gives verdicts for all three SLO types, values in seconds named by percentile', async () => {
  const id = await store.writeRun(makeUniformRun(4, 5)); // first token at 50 ms, then one every 20 ms
  const ev = await store.evaluate(id, [
    deadline('fluid', 20 * ms, 0.99),
    { name: 'chat', type: 'ttft_tpot', ttft: { maxNs: 50 * ms, percentile: 0.9 }, tpot: { maxNs: 19 * ms, percentile: 0.5 }, appliesTo: ANY },
    { name: 'stream', type: 'tbt_ttft', tbt: { maxNs: 20 * ms, percentile: 0.999 }, ttft: { maxNs: 60 * ms, percentile: 0.5 }, appliesTo: ANY },
  ], { prefill });
  assert.equal(ev, { runId: id, valid: true, invalidReason: null, verdicts: [
    { slo: 'fluid', type: 'deadline', pass: true, values: { miss_rate_p99: 0 } },
    { slo: 'chat', type: 'ttft_tpot', pass: false, values: { ttft_p90: 0.05, tpot_p50: 0.02 } },
    { slo: 'stream', type: 'tbt_ttft', pass: true, values: { 'tbt_p99.9': 0.02, ttft_p50: 0.05 } },
  ] });
});

test('a token exactly on its deadline is on time; one nanosecond later it misses', async () => {
  const id = await store.writeRun(makeUniformRun(2, 4));
  const ev = await store.evaluate(id, [deadline('exact', 20 * ms), deadline('tight', 20 * ms - 1)], { prefill });
  assert.is(ev.verdicts[0].values.miss_rate_p50, 0);
  assert.ok(ev.verdicts[1].values.miss_rate_p50 > 0);
});

test('a late token counts every deadline it passed and restarts the schedule (running-max form)', async () => {
  // dp = 50 ms, dd = 20 ms; tokens at 60, 80, 120 ms: token 0 late by 10 (1 miss), token 1 on time against the
  // restarted schedule, token 2 late by 20 past it (2 misses): 3 missed of 4 deadlines.
  const id = await store.writeRun(makeRun([makeRequest(0, [60 * ms, 80 * ms, 120 * ms])]));
  const ev = await store.evaluate(id, [deadline('d', 20 * ms, 1)], { prefill });
  assert.is(ev.verdicts[0].values.miss_rate_p100, 0.75);
});

test('a failed request counts as a miss: miss rate 1, TTFT and TPOT +inf, one +inf pooled TBT gap', async () => {
  const ok = Array.from({ length: 3 }, (_, i) => makeRequest(i, [50 * ms, 70 * ms]));
  const cut = makeRequest(3, [50 * ms, 70 * ms], { status: 'cancelled', error: 'run ended' });
  const id = await store.writeRun(makeRun([...ok, cut]));
  const ev = await store.evaluate(id, [
    deadline('d', 20 * ms, 1, 0.5),
    { name: 'a', type: 'ttft_tpot', ttft: { maxNs: 1e9, percentile: 1 }, tpot: { maxNs: 1e9, percentile: 1 }, appliesTo: ANY },
    { name: 'b', type: 'tbt_ttft', tbt: { maxNs: 1e9, percentile: 1 }, ttft: { maxNs: 1e9, percentile: 0.5 }, appliesTo: ANY },
  ], { prefill });
  assert.equal(ev.verdicts.map((v) => v.values), [
    { miss_rate_p100: 1 }, { ttft_p100: Infinity, tpot_p100: Infinity }, { tbt_p100: Infinity, ttft_p50: 0.05 },
  ]);
  assert.equal(ev.verdicts.map((v) => v.pass), [false, false, false]);
  const gaps = await store.query(`SELECT count(*) AS n FROM request_metrics, unnest(tbt_s) WHERE run_id = '${id}'`);
  assert.equal(gaps, [{ n: 4 }], 'the view keeps the measured gaps; only the SLO figures replace them');
});

test('a run whose p99 client lag exceeds the bound is invalid, with the figure in the reason', async () => {
  const lagged = makeRun(Array.from({ length: 4 }, (_, i) => makeRequest(i, [50 * ms], { sentNs: i * 100 * ms + 15 * ms })));
  const id = await store.writeRun(lagged);
  const ev = await store.evaluate(id, []);
  assert.is(ev.valid, false);
  assert.match(ev.invalidReason!, /client lag p99 15\.000 ms exceeds the 10\.000 ms bound/);
  assert.is((await store.evaluate(id, [], { maxLagNs: 20 * ms })).valid, true);
});

test('a deadline SLO without a prefill table, or with a prompt length missing from it, is a clear error', async () => {
  const id = await store.writeRun(makeRun([makeRequest(0, [50 * ms]), makeRequest(1, [50 * ms], { promptTokens: 333 })]));
  await store.evaluate(id, [deadline('interactive', 20 * ms)]).then(() => assert.unreachable(), (e: Error) =>
    assert.match(e.message, /deadline SLO "interactive" needs a prefill table/));
  await store.evaluate(id, [deadline('interactive', 20 * ms)], { prefill }).then(() => assert.unreachable(), (e: Error) =>
    assert.match(e.message, /no entry for prompt length\(s\) 333/));
});

// Dynamic TTFT (Etalon): the bound holds for TTFT minus the predicted prefill of the request's prompt length.
const longPrefill = new Map([[100, 50 * ms], [4000, 400 * ms]]);
const dynTpot = (name: string, maxNs: number, percentile: number, minusPredictedPrefill: boolean, tpotPercentile = 1): Slo =>
  ({ name, type: 'ttft_tpot', ttft: { maxNs, percentile, minusPredictedPrefill }, tpot: { maxNs: 1e9, percentile: tpotPercentile }, appliesTo: ANY });

test('a dynamic TTFT bound judges TTFT minus predicted prefill, where a fixed one fails on long prompts', async () => {
  // three short prompts (prefill 50 ms) with first tokens at 60, 70, 80 ms; one 4000-token prompt (prefill 400 ms)
  // whose first token comes at 500 ms: TTFT p100 is 0.5 s, TTFT minus prefill p100 is 0.1 s.
  const short = [60, 70, 80].map((t, i) => makeRequest(i, [t * ms, (t + 20) * ms]));
  const long = makeRequest(3, [500 * ms, 520 * ms], { promptTokens: 4000, promptTokensRequested: 4000 });
  const id = await store.writeRun(makeRun([...short, long]));
  const ev = await store.evaluate(id, [
    dynTpot('fixed', 300 * ms, 1, false),
    dynTpot('dynamic', 300 * ms, 1, true),
    { name: 'stream-dyn', type: 'tbt_ttft', tbt: { maxNs: 1e9, percentile: 1 }, ttft: { maxNs: 30 * ms, percentile: 0.5, minusPredictedPrefill: true }, appliesTo: ANY },
  ], { prefill: longPrefill });
  assert.equal(ev.verdicts.map((v) => [v.pass, v.values]), [
    [false, { ttft_p100: 0.5, tpot_p100: 0.02 }],
    [true, { ttft_dyn_p100: 0.1, tpot_p100: 0.02 }],
    // short prompts give 10, 20, 30 ms and the long one 100 ms: the median is 25 ms
    [true, { tbt_p100: 0.02, ttft_dyn_p50: 0.025 }],
  ]);
});

test('a failed request counts at +infinity under a dynamic TTFT bound, whatever its prompt length', async () => {
  const ok = [0, 1, 2, 3].map((i) => makeRequest(i, [60 * ms]));
  // 777 tokens is not in the table: a failed request needs no prediction, so it is no missing length either
  const failed = makeRequest(4, [], { status: 'http_error', httpStatus: 500, promptTokens: null, promptTokensRequested: 777 });
  const id = await store.writeRun(makeRun([...ok, failed]));
  const ev = await store.evaluate(id, [dynTpot('p75', 20 * ms, 0.75, true, 0.5), dynTpot('p100', 20 * ms, 1, true, 0.5)], { prefill: longPrefill });
  assert.equal(ev.verdicts.map((v) => [v.pass, v.values.ttft_dyn_p75 ?? v.values.ttft_dyn_p100]), [[true, 0.01], [false, Infinity]]);
});

test('a dynamic TTFT bound without a prefill table, or missing a prompt length, is the deadline SLO\'s clear error', async () => {
  const id = await store.writeRun(makeRun([makeRequest(0, [50 * ms]), makeRequest(1, [50 * ms], { promptTokens: 333 })]));
  await store.evaluate(id, [dynTpot('dyn', 300 * ms, 0.9, true)]).then(() => assert.unreachable(), (e: Error) =>
    assert.match(e.message, /dynamic-TTFT SLO "dyn" needs a prefill table/));
  await store.evaluate(id, [dynTpot('dyn', 300 * ms, 0.9, true)], { prefill }).then(() => assert.unreachable(), (e: Error) =>
    assert.match(e.message, /no entry for prompt length\(s\) 333/));
  // a fixed bound needs no table, so the same run is judged
  assert.is((await store.evaluate(id, [dynTpot('fixed', 300 * ms, 0.9, false)])).verdicts[0].pass, true);
});

test.run();
