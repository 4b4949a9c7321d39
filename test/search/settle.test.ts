import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestEvents, Slo } from '../../lib/types.ts';
import { startSettle, type SettleContext } from '../../lib/search/settle.ts';

const MS = 1e6;
const S = 1e9;
const ANY = { models: null, systems: null, traces: null };

function req(idx: number, scheduledNs: number, tokenNs: number[], more: Partial<RequestEvents> = {}): RequestEvents {
  return {
    idx, scheduledNs, sentNs: scheduledNs, promptTokensRequested: 100, promptTokens: 100, outputTokensRequested: 10,
    outputTokens: null, status: 'ok', httpStatus: 200, error: null, tokenSource: 'sim', tokenNs, endNs: null, ...more,
  };
}

const ttftTpot = (ttftMs: number, tpotMs: number, p = 0.9): Slo => ({
  name: 'tt', type: 'ttft_tpot', ttft: { maxNs: ttftMs * MS, percentile: p }, tpot: { maxNs: tpotMs * MS, percentile: p }, appliesTo: ANY,
});
const tbtTtft = (tbtMs: number, ttftMs: number, p = 0.9): Slo => ({
  name: 'tb', type: 'tbt_ttft', tbt: { maxNs: tbtMs * MS, percentile: p }, ttft: { maxNs: ttftMs * MS, percentile: p }, appliesTo: ANY,
});
const dynamic = (slo: Slo, name: string): Slo =>
  (slo.type === 'deadline' ? slo : { ...slo, name, ttft: { ...slo.ttft, minusPredictedPrefill: true } }) as Slo;
const deadline = (tbtMs: number, slackMs: number, maxMissRate = 0.1, p = 0.99): Slo => ({
  name: 'dl', type: 'deadline', tbtNs: tbtMs * MS, ttftSlackNs: slackMs * MS, maxMissRate, percentile: p, appliesTo: ANY,
});
const ctx = (n: number, more: Partial<SettleContext> = {}): SettleContext => ({
  totalRequests: n, totalOutputTokens: n * 10, prefill: new Map([[100, 20 * MS]]), ...more,
});

test('startSettle fails TTFT once enough requests are still waiting past the bound', () => {
  const s = startSettle([ttftTpot(300, 50)], ctx(10));
  // 10 requests, p90: the 9th order statistic decides, so 2 requests above the bound settle a fail
  const waiting = [req(0, 0, []), req(1, 0.1 * S, [])];
  assert.is(s.update(waiting.slice(0, 1), 0.5 * S).get('tt'), undefined);
  assert.is(s.update(waiting, 0.35 * S).get('tt'), undefined, 'the second has waited only 250 ms');
  assert.is(s.update(waiting, 0.41 * S).get('tt'), false);
});

test('startSettle never passes before enough requests have finished within the bounds', () => {
  const slo = ttftTpot(300, 50, 0.5); // 10 requests at p50: 6 good ones are needed
  const s = startSettle([slo], ctx(10));
  const done = (i: number) => req(i, i * S, [i * S + 0.1 * S, i * S + 0.12 * S], { endNs: i * S + 0.12 * S });
  const five = [0, 1, 2, 3, 4].map(done);
  assert.is(s.update(five, 5 * S).get('tt'), undefined);
  // a sixth that has its first token but is still streaming is not final yet
  const streaming = req(5, 5 * S, [5.1 * S]);
  assert.is(s.update([...five, streaming], 5.2 * S).get('tt'), undefined);
  assert.is(s.update([...five, done(5)], 5.2 * S).get('tt'), true);
});

test('startSettle counts a request that is still streaming slowly as a TPOT miss', () => {
  // first token at 0.1 s; by 1.1 s only 3 tokens, 10 requested: even if the other 7 came at once, TPOT >= 1 s / 9
  const slow = (i: number) => req(i, 0, [0.1 * S, 0.6 * S, 1.05 * S]);
  const s = startSettle([ttftTpot(300, 100)], ctx(10));
  assert.is(s.update([slow(0), slow(1)], 1.1 * S).get('tt'), false);
  const t = startSettle([ttftTpot(300, 120)], ctx(10));
  // bound 120 ms: 1 s / 9 = 111 ms could still pass if the stream ended fast; the request is open
  assert.is(t.update([slow(0), slow(1)], 1.1 * S).get('tt'), undefined);
});

test('startSettle counts failed requests as misses for every SLO type', () => {
  const failed = (i: number) => req(i, 0, [0.05 * S], { status: 'stream_error', endNs: 0.2 * S, httpStatus: null });
  const reqs = [failed(0), failed(1)];
  const s = startSettle([ttftTpot(300, 50), tbtTtft(50, 300), deadline(50, 300, 0.1, 0.9)], ctx(10));
  const v = s.update(reqs, 0.3 * S);
  assert.is(v.get('tt'), false);
  assert.is(v.get('dl'), false);
  // pooled TBT: two +infinity gaps among at most 100 gaps do not decide p90, but TTFT does
  assert.is(v.get('tb'), false);
});

test('startSettle fails a deadline SLO when queued requests have missed too many deadlines already', () => {
  // D_p = 20 ms prefill + 300 ms slack; D_d = 30 ms; 10 tokens requested. Waiting until 1.22 s without a token:
  // the first token is at least 900 ms late = 1 + 30 deadlines, and even 9 on-time tokens leave 31/40 missed.
  const slo = deadline(30, 300, 0.1, 0.9);
  const s = startSettle([slo], ctx(10));
  const q = [req(0, 0, []), req(1, 0, [])];
  assert.is(s.update(q, 0.3 * S).get('dl'), undefined);
  assert.is(s.update(q, 1.22 * S).get('dl'), false);
});

test('startSettle leaves deadline SLOs open when the prefill time of a prompt is unknown', () => {
  const s = startSettle([deadline(30, 300, 0.1, 0.9)], ctx(10, { prefill: null }));
  assert.is(s.update([req(0, 0, []), req(1, 0, [])], 100 * S).get('dl'), undefined);
});

test('startSettle fails a dynamic TTFT bound only past max + the predicted prefill of each request', () => {
  // bound 300 ms minus prefill; prompts of 100 tokens predict 20 ms, of 400 tokens 200 ms. 10 requests at p90:
  // 2 certain misses settle a fail.
  const prefill = new Map([[100, 20 * MS], [400, 200 * MS]]);
  const long = (i: number) => req(i, 0, [], { promptTokens: 400, promptTokensRequested: 400 });
  const s = startSettle([dynamic(ttftTpot(300, 50), 'dyn')], ctx(10, { prefill }));
  assert.is(s.update([long(0), long(1)], 0.45 * S).get('dyn'), undefined, '450 ms is within 300 + 200 ms');
  assert.is(s.update([long(0), long(1)], 0.5 * S).get('dyn'), undefined, 'exactly on the bound is within it');
  assert.is(s.update([long(0), long(1)], 0.5 * S + 1).get('dyn'), false);
  // the fixed bound has failed long before
  const f = startSettle([ttftTpot(300, 50)], ctx(10, { prefill }));
  assert.is(f.update([long(0), long(1)], 0.31 * S).get('tt'), false);
});

test('startSettle never settles a dynamic TTFT request whose prompt length has no prediction, unless it failed', () => {
  const odd = (i: number, more: Partial<RequestEvents> = {}) => req(i, 0, [], { promptTokens: 333, promptTokensRequested: 333, ...more });
  const s = startSettle([dynamic(tbtTtft(50, 300), 'dyn')], ctx(10));
  assert.is(s.update([odd(0), odd(1)], 100 * S).get('dyn'), undefined);
  const t = startSettle([dynamic(ttftTpot(300, 50), 'dyn')], ctx(10));
  const failed = { status: 'http_error' as const, endNs: 0.1 * S, httpStatus: 500 };
  assert.is(t.update([odd(0, failed), odd(1, failed)], 0.2 * S).get('dyn'), false, 'a failure counts at +infinity at any length');
  const u = startSettle([dynamic(ttftTpot(300, 50, 0.5), 'dyn')], ctx(2, { prefill: null }));
  const done = (i: number) => req(i, 0, [0.01 * S, 0.02 * S], { endNs: 0.02 * S });
  assert.is(u.update([done(0), done(1)], 1 * S).get('dyn'), undefined, 'without a table nothing passes either');
});

test('startSettle fails pooled TBT once enough gaps of finished requests are over the bound', () => {
  // 2 requests x 10 tokens: at most 18 gaps, p90. A failed request puts one +infinity gap in the pool in place
  // of its own, so the gaps of a request still streaming are not certain yet.
  const s = startSettle([tbtTtft(50, 1000)], ctx(2));
  const slowGaps = (n: number) => Array.from({ length: 10 }, (_, i) => 0.1 * S + i * 0.01 * S + Math.min(i, n) * 0.1 * S);
  const streaming = req(0, 0, slowGaps(5).slice(0, 7));
  assert.is(s.update([streaming], 1 * S).get('tb'), undefined, 'five slow gaps, but the request may still fail');
  const t = startSettle([tbtTtft(50, 1000)], ctx(2));
  const three = req(0, 0, slowGaps(3), { endNs: 2 * S });
  assert.is(t.update([three], 2 * S).get('tb'), undefined, 'three of at most 18 gaps may still leave p90 inside');
  const u = startSettle([tbtTtft(50, 1000)], ctx(2));
  const four = req(0, 0, slowGaps(4), { endNs: 2 * S });
  assert.is(u.update([four], 2 * S).get('tb'), false);
});

test('startSettle keeps a settled verdict and judges each SLO on its own', () => {
  const s = startSettle([ttftTpot(300, 50), ttftTpot(5000, 5000)].map((x, i) => ({ ...x, name: `s${i}` })), ctx(10));
  const waiting = [req(0, 0, []), req(1, 0, [])];
  const v = s.update(waiting, 0.5 * S);
  assert.is(v.get('s0'), false);
  assert.is(v.has('s1'), false);
  assert.is(s.update([], 0.6 * S).get('s0'), false);
});


// ---------------------------------------------------------------- against whole runs

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole random run: each request's full timeline, sometimes slow, sometimes failing midway. */
function randomRun(rand: () => number) {
  const n = 10 + Math.floor(rand() * 40);
  const load = rand() * 3; // how congested this run is
  return Array.from({ length: n }, (_, idx) => {
    const a = Math.round(rand() * 20 * S);
    const nReq = 1 + Math.floor(rand() * 12);
    const tokens: number[] = [];
    let t = a + Math.round((0.05 + rand() * rand() * load) * S);
    for (let i = 0; i < nReq; i++) {
      tokens.push(t);
      t += Math.round((rand() < 0.15 ? rand() * load * 0.3 : rand() * 0.05) * S);
    }
    const fails = rand() < 0.08;
    const cut = fails ? Math.floor(rand() * nReq) : nReq;
    const full = tokens.slice(0, cut);
    const endNs = fails ? (full.at(-1) ?? a) + Math.round(rand() * S) : full.at(-1)!;
    const prompt = [100, 200, 400][Math.floor(rand() * 3)];
    return { idx, a, nReq, full, endNs, fails, prompt };
  });
}

type Timeline = ReturnType<typeof randomRun>[number];

/** What the client has seen of each arrived request at nowNs. */
function viewAt(run: Timeline[], nowNs: number): RequestEvents[] {
  return run
    .filter((q) => q.a <= nowNs)
    .map((q) => {
      const ended = q.endNs <= nowNs;
      return req(q.idx, q.a, q.full.filter((t) => t <= nowNs), {
        outputTokensRequested: q.nReq,
        promptTokens: q.prompt,
        promptTokensRequested: q.prompt,
        status: ended && q.fails ? 'stream_error' : 'ok',
        endNs: ended ? q.endNs : null,
      });
    });
}

test('startSettle never settles a verdict the whole run contradicts (random runs, every SLO type)', async () => {
  const { referenceVerdict } = await import('./reference-metrics.ts');
  const rand = mulberry32(7);
  const prefill = new Map([[100, 20 * MS], [200, 35 * MS], [400, 70 * MS]]);
  let settledEarly = 0;
  let settledAtEnd = 0;
  let total = 0;
  for (let k = 0; k < 200; k++) {
    const run = randomRun(rand);
    const slos: Slo[] = [
      { ...ttftTpot(100 + rand() * 400, 20 + rand() * 40, [0.5, 0.9, 0.99][k % 3]), name: 'tt' },
      { ...tbtTtft(20 + rand() * 60, 100 + rand() * 600, [0.5, 0.9, 0.99][(k + 1) % 3]), name: 'tb' },
      { ...deadline(20 + rand() * 30, 100 + rand() * 400, [0, 0.1, 0.3][k % 3], [0.5, 0.9, 0.99][(k + 2) % 3]), name: 'dl' },
      dynamic(ttftTpot(rand() * 300, 20 + rand() * 40, [0.5, 0.9, 0.99][(k + 1) % 3]), 'ttd'),
      dynamic(tbtTtft(20 + rand() * 60, rand() * 500, [0.5, 0.9, 0.99][(k + 2) % 3]), 'tbd'),
    ];
    const final = viewAt(run, Infinity);
    const context: SettleContext = {
      totalRequests: run.length,
      totalOutputTokens: run.reduce((s, q) => s + q.nReq, 0),
      prefill,
    };
    const settler = startSettle(slos, context);
    const endNs = Math.max(...run.map((q) => q.endNs));
    for (let now = 0.25 * S; now < endNs; now += 0.25 * S) {
      for (const [name, pass] of settler.update(viewAt(run, now), now)) {
        const slo = slos.find((s) => s.name === name)!;
        assert.is(pass, referenceVerdict(slo, final, prefill), `run ${k} ${name} settled at ${now / S}s`);
      }
    }
    settledEarly += settler.update(viewAt(run, endNs - 1), endNs - 1).size;
    const atEnd = startSettle(slos, context).update(final, endNs);
    for (const slo of slos) {
      total += 1;
      if (!atEnd.has(slo.name)) continue;
      settledAtEnd += 1;
      assert.is(atEnd.get(slo.name), referenceVerdict(slo, final, prefill), `run ${k} ${slo.name} at the end`);
    }
  }
  // the rules must also decide: nearly everything once the run is over, and a good share before it is
  assert.ok(settledAtEnd >= total * 0.93, `${settledAtEnd} of ${total} decided at the end`);
  assert.ok(settledEarly >= total * 0.3, `${settledEarly} of ${total} decided before the end`);
});
test.run();
