import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeSimSettings } from '../../lib/sim/defaults.ts';
import { SimEngine } from '../../lib/sim/engine.ts';
import { RealtimeDriver, startMonotonicClock } from '../../lib/sim/realtime.ts';

const engineOf = () => new SimEngine({ settings: normalizeSimSettings({ cpuProfile: 'none' }), simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 } });

function collect(driver: RealtimeDriver, id: number, promptTokens: number, maxTokens: number) {
  const got: { index: number; simNs: number; atNs: number }[] = [];
  const done = new Promise<typeof got>((resolve) => {
    driver.submit({ id, promptTokens, maxTokens }, {
      onToken(_r, index, simNs, last) {
        got.push({ index, simNs, atNs: driver.clock.nowNs() });
        if (last) resolve(got);
      },
    });
  });
  return done;
}

test('tokens are delivered at or after their simulated times, in order', async () => {
  const clock = startMonotonicClock();
  const driver = new RealtimeDriver(engineOf(), clock);
  const [a, b] = await Promise.all([collect(driver, 0, 100, 20), collect(driver, 1, 300, 10)]);
  for (const toks of [a, b]) {
    toks.forEach((t, i) => {
      assert.is(t.index, i);
      assert.ok(t.atNs >= t.simNs, `token ${i} delivered ${t.atNs - t.simNs} ns early`);
      if (i > 0) assert.ok(t.simNs > toks[i - 1].simNs);
    });
  }
  driver.close();
});

test('a blocked event loop delays delivery but never shifts simulated times', async () => {
  const engine = engineOf();
  const driver = new RealtimeDriver(engine, startMonotonicClock());
  const pending = collect(driver, 0, 50, 30);
  setTimeout(() => {
    const until = performance.now() + 60;
    while (performance.now() < until); // the server is busy elsewhere for 60 ms
  }, 40);
  const toks = await pending;
  const decodeNs = engine.cost.stepNs({ prefillTokens: 0, decodes: 1, samplers: 1, seqs: 1, pairsFull: 0, pairsChunked: 0, decodeContextTokens: 0 });
  const gaps = toks.slice(1).map((t, i) => t.simNs - toks[i].simNs);
  // Each decode reads a context one token longer: gaps grow by exactly the KV-read cost of one token.
  gaps.forEach((g) => assert.ok(Math.abs(g - decodeNs) < 50_000, `simulated gap ${g} vs ${decodeNs}`));
  const maxLateMs = Math.max(...toks.map((t) => t.atNs - t.simNs)) / 1e6;
  assert.ok(maxLateMs > 20, `the busy loop made some token late (max ${maxLateMs} ms)`);
  const last = toks.at(-1)!;
  assert.ok((last.atNs - last.simNs) / 1e6 < 20, 'and the stream caught up afterwards');
  driver.close();
});

test('an aborted request gets no more tokens', async () => {
  const driver = new RealtimeDriver(engineOf(), startMonotonicClock());
  let count = 0;
  const req = driver.submit({ id: 0, promptTokens: 10, maxTokens: 1000 }, { onToken: () => void count++ });
  await new Promise((r) => setTimeout(r, 60));
  driver.abort(req);
  const at = count;
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(at > 0);
  assert.is(count, at);
  assert.is(req.state, 'aborted');
  driver.close();
});

test('idle work runs between iterations with a deadline well before the next token, and in slices when idle', async () => {
  const clock = startMonotonicClock();
  const calls: { atNs: number; deadlineNs: number }[] = [];
  let leftAfterDone = 3;
  let finished = false;
  const driver = new RealtimeDriver(engineOf(), clock, (deadlineNs) => {
    calls.push({ atNs: clock.nowNs(), deadlineNs });
    // Once the request is done there is no wake: slices keep coming while work is reported left.
    return finished ? --leftAfterDone > 0 : false;
  });
  const toks = await collect(driver, 0, 20, 12);
  finished = true;
  const busy = calls.length;
  await new Promise((r) => setTimeout(r, 30));
  driver.close();
  assert.ok(busy >= 5, `idle work ran between iterations (${busy} calls)`);
  for (const c of calls.slice(0, busy)) {
    assert.ok(c.deadlineNs > c.atNs, 'called with time to spare');
    const next = toks.find((t) => t.simNs > c.atNs);
    if (next) assert.ok(next.simNs - c.deadlineNs >= 3_000_000, `deadline ${(next.simNs - c.deadlineNs) / 1e6} ms before the next token`);
  }
  assert.ok(calls.length - busy >= 3, `slices while idle (${calls.length - busy})`);
  assert.is(leftAfterDone, 0, 'and they stop when no work is left');
});

test('the wake is exact: a token is handed over within a fraction of a millisecond of its simulated time', async () => {
  const clock = startMonotonicClock();
  const driver = new RealtimeDriver(engineOf(), clock);
  const toks = await collect(driver, 0, 20, 40);
  driver.close();
  const late = toks.map((t) => t.atNs - t.simNs).sort((a, b) => a - b);
  // The median is robust to a few preemptions on a busy machine; the timer alone would be ~1 ms late.
  assert.ok(late[late.length >> 1] < 500_000, `median lateness ${late[late.length >> 1] / 1e3} us`);
});

test.run();
