import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profilePrefill, virtualMeasure, type Measure } from '../../lib/profile/profile.ts';
import { fitPrefill, predictPrefillNs } from '../../lib/profile/fit.ts';
import { prefillChunkTokensOf } from '../../lib/profile/lengths.ts';
import { idleTtftNs } from '../../lib/sim/virtual.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';

test('profilePrefill warms up at the shortest and longest length, then measures each length in order', async () => {
  const calls: [number, number][] = [];
  const measure: Measure = async (n, reps) => {
    calls.push([n, reps]);
    return Array.from({ length: reps }, (_, i) => n * 1000 + [5, 1, 3][i % 3]);
  };
  const points = await profilePrefill({ lengths: [1024, 256, 512, 256], repetitions: 3, outputTokens: 16 }, measure);
  assert.equal(calls, [[256, 1], [1024, 1], [256, 3], [512, 3], [1024, 3]]);
  assert.equal(points, [
    { promptTokens: 256, ttftNs: 256003 },
    { promptTokens: 512, ttftNs: 512003 },
    { promptTokens: 1024, ttftNs: 1024003 },
  ]);
});

test('profilePrefill names a Measure that returns the wrong number of TTFTs', async () => {
  const short: Measure = async () => [1];
  try {
    await profilePrefill({ lengths: [256, 512], repetitions: 2, outputTokens: 16 }, short);
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'profilePrefill: expected 2 TTFTs at 256 tokens, got 1');
  }
});

for (const scheduler of ['vllm', 'sarathi'] as const) {
  test(`a virtual profile of the simulated ${scheduler} engine fits its true prefill curve within 5% (256..16384)`, async () => {
    const job = simJob({ sim: { scheduler } });
    const points = await profilePrefill(job.profile, virtualMeasure(job));
    assert.is(points.length, 7);
    const fit = fitPrefill(points, { chunkTokens: prefillChunkTokensOf(job) });
    let worst = 0;
    for (let n = 256; n <= 16384; n += 64) {
      const truth = idleTtftNs(job.system.sim, job.model.simModel, job.parallel, n);
      worst = Math.max(worst, Math.abs(predictPrefillNs(fit, n) / truth - 1));
    }
    assert.ok(worst < 0.05, `worst relative error ${worst}`);
  });
}

test('virtualMeasure refuses a job on a real engine', () => {
  const job = simJob({ system: { engine: 'vllm' } });
  assert.throws(() => virtualMeasure(job), /job .* runs engine vllm; expected sim \(a real server needs httpMeasure\)/);
});

test.run();
