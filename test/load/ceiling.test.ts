import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestEvents } from '../../lib/types.ts';
import { findClientCeiling, measurePeakInFlight } from '../../lib/load/ceiling.ts';
import { startStreamServer } from '../fixtures/load/stream-server.ts';

const span = (sentNs: number | null, endNs: number | null) => ({ sentNs, endNs }) as RequestEvents;

test('peak in flight counts overlapping send-to-end spans; an end at a send does not overlap', () => {
  assert.is(measurePeakInFlight([span(0, 10), span(5, 20), span(10, 30), span(12, 13), span(null, null)]), 3);
  assert.is(measurePeakInFlight([]), 0);
});

test('the ceiling search doubles until a step fails, then bisects; a generous bound passes every step', async () => {
  const server = await startStreamServer({ tokenIntervalMs: 1, usage: true });
  try {
    const seen: number[] = [];
    const c = await findClientCeiling({
      baseUrl: server.url, model: 'm', workers: 1, maxLagNs: 5e9, seconds: 0.25, promptTokens: 4, outputTokens: 3,
      startQps: 40, maxQps: 160, bisectSteps: 2, onStep: (s) => seen.push(s.qps),
    });
    assert.equal(seen, [40, 80, 160]);
    assert.is(c.best?.qps, 160);
    assert.ok(c.steps.every((s) => s.pass && s.ok === s.requests && s.tokensPerSecond > 0));
    const strict = await findClientCeiling({
      baseUrl: server.url, model: 'm', workers: 1, maxLagNs: -1, seconds: 0.25, promptTokens: 4, outputTokens: 3,
      startQps: 160, maxQps: 160, bisectSteps: 1, confirmFailures: false,
    });
    assert.is(strict.best, null, 'no step can meet a negative lag bound');
    assert.equal(strict.steps.map((s) => s.qps), [160, 80]);
    const confirmed = await findClientCeiling({
      baseUrl: server.url, model: 'm', workers: 1, maxLagNs: -1, seconds: 0.25, promptTokens: 4, outputTokens: 3,
      startQps: 160, maxQps: 160, bisectSteps: 0,
    });
    assert.equal(confirmed.steps.map((s) => s.qps), [160, 160], 'a failing QPS is run twice before it counts');
  } finally {
    await server.close();
  }
});

test.run();
