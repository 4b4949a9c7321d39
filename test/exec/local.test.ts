import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runLocal } from '../../lib/exec/local.ts';
import type { Job } from '../../lib/types.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const eight = [0, 1, 2, 3, 4, 5, 6, 7];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Runs each job for durationMs and records when it held which GPUs.
function recorder(durationMs: (job: Job) => number) {
  const spans: { id: string; gpus: number[]; start: number; end: number }[] = [];
  const t0 = Date.now();
  const run = async (job: Job, gpus: number[]) => {
    const span = { id: job.id, gpus, start: Date.now() - t0, end: -1 };
    spans.push(span);
    await sleep(durationMs(job));
    span.end = Date.now() - t0;
    return `${job.id} on ${gpus.join(',')}`;
  };
  const overlap = (a: string, b: string) => {
    const x = spans.find((s) => s.id === a)!;
    const y = spans.find((s) => s.id === b)!;
    return x.start < y.end && y.start < x.end;
  };
  return { spans, run, overlap };
}

test('jobs whose GPUs are free run at once; a job needing the whole machine waits for it', async () => {
  const r = recorder(() => 150);
  const jobs = [makeJob({ id: 'tp1', tp: 1 }), makeJob({ id: 'tp8', tp: 8 }), makeJob({ id: 'tp4', tp: 4 })];
  const results = await runLocal(jobs, eight, r.run);
  assert.equal([...results.keys()], ['tp1', 'tp8', 'tp4']);
  assert.is(results.get('tp4'), 'tp4 on 4,5,6,7');
  assert.is(results.get('tp1'), 'tp1 on 0');
  assert.is(results.get('tp8'), 'tp8 on 0,1,2,3,4,5,6,7');
  assert.ok(r.overlap('tp1', 'tp4'));
  assert.not.ok(r.overlap('tp8', 'tp1'));
  assert.not.ok(r.overlap('tp8', 'tp4'));
});

test('freed GPUs are reused at once, in aligned blocks only', async () => {
  const r = recorder((job) => (job.id === 'short' ? 50 : 300));
  const jobs = [makeJob({ id: 'short', tp: 1 }), makeJob({ id: 'long', tp: 1 }), makeJob({ id: 'pair', tp: 2 }), makeJob({ id: 'pair2', tp: 2 })];
  const results = await runLocal(jobs, [0, 1, 2, 3], r.run);
  assert.is(results.get('short'), 'short on 0');
  assert.is(results.get('long'), 'long on 1');
  assert.is(results.get('pair'), 'pair on 2,3');
  // GPU 0 frees early but 0,1 is not free until `long` ends: pair2 must not take 0 with 1 busy.
  assert.is(results.get('pair2'), 'pair2 on 0,1');
  const pair2 = r.spans.find((s) => s.id === 'pair2')!;
  const long = r.spans.find((s) => s.id === 'long')!;
  assert.ok(pair2.start >= long.end);
});

test('jobs needing no GPU respect the concurrency limit', async () => {
  let now = 0;
  let peak = 0;
  const run = async () => {
    peak = Math.max(peak, ++now);
    await sleep(40);
    now--;
    return 'ok';
  };
  const sims = [1, 2, 3, 4, 5].map((i) => makeJob({ id: `sim${i}`, system: { engine: 'sim' } }));
  await runLocal(sims, [], run);
  assert.is(peak, 1, 'default limit is 1');
  peak = 0;
  await runLocal(sims, [], run, { concurrency: 3 });
  assert.is(peak, 3);
});

test('a job too large for the machine fails clearly without running; failures do not stop the others', async () => {
  const ran: string[] = [];
  const results = await runLocal(
    [makeJob({ id: 'huge', tp: 8, pp: 2 }), makeJob({ id: 'bad', tp: 1 }), makeJob({ id: 'throws', tp: 1 }), makeJob({ id: 'good', tp: 2 })],
    eight,
    async (job) => {
      ran.push(job.id);
      if (job.id === 'bad') throw new Error('server failed to start');
      if (job.id === 'throws') throw 'not an Error';
      return 42;
    },
  );
  assert.not.ok(ran.includes('huge'));
  assert.match((results.get('huge') as Error).message, /Job huge needs 16 GPUs \(tp 8 x pp 2\); this machine offers 8/);
  assert.match((results.get('bad') as Error).message, /server failed to start/);
  assert.instance(results.get('throws'), Error);
  assert.is(results.get('good'), 42);
});

test('after an abort no further job starts; waiting jobs get an Error, running ones finish', async () => {
  const controller = new AbortController();
  const ran: string[] = [];
  const results = await runLocal(
    [1, 2, 3].map((i) => makeJob({ id: `sim${i}`, system: { engine: 'sim' } })),
    [],
    async (job) => {
      ran.push(job.id);
      if (job.id === 'sim1') controller.abort();
      await sleep(30);
      return 'done';
    },
    { signal: controller.signal },
  );
  assert.equal(ran, ['sim1']);
  assert.is(results.get('sim1'), 'done');
  assert.match((results.get('sim2') as Error).message, /Job sim2 was not started: the run was interrupted/);
  assert.instance(results.get('sim3'), Error);
});

test('no jobs resolve to an empty map', async () => {
  assert.is((await runLocal([], eight, async () => 1)).size, 0);
});

test.run();
