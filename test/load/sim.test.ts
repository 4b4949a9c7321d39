// The load client against the real simulated engine (lib/sim), end to end over HTTP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientSettings, ScheduledRequest } from '../../lib/types.ts';
import { runLoad } from '../../lib/load/driver.ts';
import { createPromptMaker } from '../../lib/load/prompts.ts';
import { normalizeSimSettings } from '../../lib/sim/defaults.ts';
import { startSimServer } from '../../lib/sim/server.ts';

const client = (over: Partial<ClientSettings> = {}): ClientSettings => ({
  endpoint: 'completions', timeoutNs: 20e9, warmupRequests: 1, maxLagNs: 10e6, ignoreEos: true, workers: 1, drainNs: 20e9, ...over,
});
const schedule: ScheduledRequest[] = Array.from({ length: 12 }, (_, idx) => ({
  idx, scheduledNs: idx * 20e6, promptTokens: 20 + idx * 7, outputTokens: 3 + (idx % 5),
}));

async function withSim<T>(faults: Record<string, unknown>, fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startSimServer({
    settings: normalizeSimSettings({ cpuProfile: 'none', faults }),
    simModel: 'llama-3-8b', parallel: { tp: 1, pp: 1 }, servedModelName: 'sim-model',
  });
  try {
    return await fn(server.url.replace(/\/+$/, '') + '/v1');
  } finally {
    await server.close();
  }
}

for (const endpoint of ['completions', 'chat'] as const) {
  test(`${endpoint}: the sim reports exactly the prompt and output tokens asked for, per-chunk usage gives the times`, async () => {
    await withSim({}, async (url) => {
      const result = await runLoad({ baseUrl: url, model: 'sim-model', client: client({ endpoint }), schedule, prompts: await createPromptMaker({ kind: 'sim' }) });
      for (const r of result.requests) {
        assert.is(r.status, 'ok', `${r.idx}: ${r.error}`);
        assert.is(r.promptTokens, r.promptTokensRequested, `request ${r.idx} prompt`);
        assert.is(r.outputTokens, r.outputTokensRequested, `request ${r.idx} output`);
        assert.is(r.tokenNs.length, r.outputTokensRequested);
        assert.is(r.tokenSource, 'usage');
        assert.ok(r.tokenNs[0]! > r.sentNs!);
      }
    });
  });
}

test('sim faults: HTTP errors and dropped streams are counted, and the run completes', async () => {
  await withSim({ errorRate: 0.5, errorStatus: 503, dropAfterTokens: 2 }, async (url) => {
    const result = await runLoad({
      baseUrl: url, model: 'sim-model', client: client({ warmupRequests: 0 }),
      schedule: schedule.map((r) => ({ ...r, outputTokens: 6 })), prompts: await createPromptMaker({ kind: 'sim' }),
    });
    const statuses = new Set(result.requests.map((r) => r.status));
    assert.is(result.requests.length, 12);
    assert.ok(result.requests.every((r) => r.status === 'http_error' || r.status === 'stream_error'), [...statuses].join());
    assert.ok(result.requests.some((r) => r.httpStatus === 503));
    assert.ok(result.requests.filter((r) => r.status === 'stream_error').every((r) => r.tokenNs.length === 2));
  });
});

test.run();
