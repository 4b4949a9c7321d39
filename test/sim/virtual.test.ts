import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ScheduledRequest } from '../../lib/types.ts';
import { normalizeSimSettings, type SimSettingsSpec } from '../../lib/sim/defaults.ts';
import { idleTtftNs, simulateRun } from '../../lib/sim/virtual.ts';

const parallel = { tp: 1, pp: 1 };
const settings = (spec: SimSettingsSpec = {}) => normalizeSimSettings(spec);

/** A seeded ShareGPT-like schedule: Poisson arrivals at `qps`, prompts 50-2000, outputs 20-600. */
function schedule(n: number, qps: number, seed = 7): ScheduledRequest[] {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  let t = 0;
  return Array.from({ length: n }, (_, idx) => {
    t += (-Math.log(1 - rnd()) / qps) * 1e9;
    return { idx, scheduledNs: Math.round(t), promptTokens: 50 + Math.floor(rnd() * 1950), outputTokens: 20 + Math.floor(rnd() * 580) };
  });
}

test('every request of a run gets its tokens, in order, after it arrives', () => {
  const sched = schedule(200, 2);
  const { requests, durationNs, stoppedEarly } = simulateRun({ settings: settings(), simModel: 'llama-3-8b', parallel, schedule: sched });
  assert.not.ok(stoppedEarly);
  for (const [i, r] of requests.entries()) {
    assert.is(r.idx, sched[i].idx);
    assert.is(r.status, 'ok');
    assert.is(r.tokenSource, 'sim');
    assert.is(r.sentNs, r.scheduledNs);
    assert.is(r.promptTokens, sched[i].promptTokens);
    assert.is(r.outputTokens, sched[i].outputTokens);
    assert.is(r.tokenNs.length, sched[i].outputTokens);
    assert.ok(r.tokenNs[0] > r.scheduledNs);
    for (let k = 1; k < r.tokenNs.length; k++) assert.ok(r.tokenNs[k] > r.tokenNs[k - 1]);
    assert.is(r.endNs, r.tokenNs.at(-1));
  }
  assert.is(durationNs, Math.max(...requests.map((r) => r.endNs!)));
});

test('a request alone on an idle server gets exactly the idle TTFT', () => {
  const sched = [100, 1000, 4000].map((p, idx) => ({ idx, scheduledNs: idx * 100e9, promptTokens: p, outputTokens: 2 }));
  const { requests } = simulateRun({ settings: settings(), simModel: 'llama-3-8b', parallel, schedule: sched });
  for (const [i, r] of requests.entries()) {
    assert.is(r.tokenNs[0] - r.scheduledNs, idleTtftNs(settings(), 'llama-3-8b', parallel, sched[i].promptTokens));
  }
});

test('the idle TTFT grows with the prompt, and chunking makes long prompts slower', () => {
  const v = (p: number) => idleTtftNs(settings({ scheduler: 'vllm' }), 'llama-3-8b', parallel, p);
  const s = (p: number) => idleTtftNs(settings({ scheduler: 'sarathi' }), 'llama-3-8b', parallel, p);
  assert.ok(v(100) < v(1000) && v(1000) < v(4000) && v(4000) < v(8000));
  assert.ok(Math.abs(v(1024) / 1e6 - 34.9) < 0.5, `1k prompt TTFT ${v(1024) / 1e6} ms (30 ms prefill + 4.5 ms overhead)`);
  assert.ok(s(4000) > 1.3 * v(4000), `sarathi ${s(4000)} vs vllm ${v(4000)}`);
  assert.is(s(300), v(300), 'one chunk is one prefill');
});

test('more load means later first tokens and longer gaps', () => {
  const p90 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
  const ttft = (qps: number) => p90(simulateRun({ settings: settings(), simModel: 'llama-3-8b', parallel, schedule: schedule(300, qps) }).requests.map((r) => r.tokenNs[0] - r.scheduledNs));
  assert.ok(ttft(1) < ttft(8) && ttft(8) < ttft(30));
});

test('shouldStop ends the run early; unfinished requests are cancelled with the tokens they got', () => {
  const calls: number[] = [];
  const { requests, durationNs, stoppedEarly } = simulateRun({
    settings: settings(),
    simModel: 'llama-3-8b',
    parallel,
    schedule: schedule(300, 20),
    checkEveryNs: 2e9,
    shouldStop: (sofar, nowNs) => {
      calls.push(nowNs);
      assert.ok(sofar.every((r) => r.scheduledNs <= nowNs), 'only arrived requests are shown');
      return nowNs >= 5e9;
    },
  });
  assert.ok(stoppedEarly);
  assert.ok(calls.length === 3 && calls[0] >= 2e9 && calls[0] < 2.5e9, `checks at ${calls}`);
  assert.is(durationNs, calls.at(-1));
  const cancelled = requests.filter((r) => r.status === 'cancelled');
  assert.ok(cancelled.length > 0);
  for (const r of cancelled) {
    assert.is(r.outputTokens, r.tokenNs.length);
    assert.ok(r.tokenNs.every((t) => t <= durationNs));
    if (r.scheduledNs > durationNs) assert.is(r.sentNs, null);
  }
  assert.ok(requests.some((r) => r.status === 'ok'));
});

test('a prompt over the context length is an HTTP 400, as vLLM answers it', () => {
  const sched = [{ idx: 0, scheduledNs: 0, promptTokens: 9000, outputTokens: 10 }, { idx: 1, scheduledNs: 1, promptTokens: 10, outputTokens: 10 }];
  const { requests } = simulateRun({ settings: settings(), simModel: 'llama-3-8b', parallel, schedule: sched });
  assert.is(requests[0].status, 'http_error');
  assert.is(requests[0].httpStatus, 400);
  assert.match(requests[0].error!, /maximum context length is 8192/);
  assert.is(requests[1].status, 'ok');
  const longer = simulateRun({ settings: settings(), simModel: 'llama-3-8b', parallel, schedule: sched, maxModelLen: 16384 });
  assert.is(longer.requests[0].status, 'ok');
});

test('the same schedule gives the same events', () => {
  const input = { settings: settings({ scheduler: 'sarathi' }), simModel: 'llama-3-8b', parallel, schedule: schedule(200, 5) };
  assert.equal(simulateRun(input), simulateRun(input));
});

test('engine gauges are sampled every simulated second, like a /metrics scrape', () => {
  const { serverSamples, durationNs } = simulateRun({ settings: settings({ maxNumSeqs: 64 }), simModel: 'llama-3-8b', parallel, schedule: schedule(300, 30) });
  assert.is(serverSamples.length, Math.floor(durationNs / 1e9) + 1);
  serverSamples.forEach((s, i) => assert.is(s.tNs, i * 1e9));
  assert.ok(serverSamples.every((s) => s.running! <= 64 && s.kvUsage! >= 0 && s.kvUsage! <= 1));
  assert.ok(serverSamples.some((s) => s.running === 64 && s.waiting! > 0), 'overloaded: the batch is full and requests queue');
  assert.is(serverSamples[0].running, 0);
});

test.run();
