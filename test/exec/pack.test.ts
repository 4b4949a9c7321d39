import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findAlignedBlock, planPacking } from '../../lib/exec/pack.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

const eight = [0, 1, 2, 3, 4, 5, 6, 7];
const job = (id: string, tp: number, pp = 1) => makeJob({ id, tp, pp });

test('dry run on 8 GPUs with TP 1, 8, 4: smallest first, aligned, the TP-8 job waits for a whole machine', () => {
  const plan = planPacking([job('a/tp1', 1), job('b/tp8', 8), job('c/tp4', 4)], eight);
  assert.equal(plan.waves, [
    [{ jobId: 'a/tp1', gpus: [0] }, { jobId: 'c/tp4', gpus: [4, 5, 6, 7] }],
    [{ jobId: 'b/tp8', gpus: eight }],
  ]);
  assert.equal(plan.impossible, []);
});

test('a TP-2 job gets an aligned pair, never one that straddles a boundary', () => {
  const plan = planPacking([job('one', 1), job('two-a', 2), job('two-b', 2), job('two-c', 2), job('two-d', 2)], eight);
  assert.equal(plan.waves[0], [
    { jobId: 'one', gpus: [0] },
    { jobId: 'two-a', gpus: [2, 3] },
    { jobId: 'two-b', gpus: [4, 5] },
    { jobId: 'two-c', gpus: [6, 7] },
  ]);
  assert.equal(plan.waves[1], [{ jobId: 'two-d', gpus: [0, 1] }]);
  assert.is(findAlignedBlock([true, false, false, true, true, true, false, false], 2), 4);
  assert.is(findAlignedBlock([false, true, true, false], 2), null);
});

test('blocks are taken from the listed GPUs by position, and tp x pp counts', () => {
  const plan = planPacking([job('pp', 2, 2)], [2, 3, 6, 7, 9]);
  assert.equal(plan.waves, [[{ jobId: 'pp', gpus: [2, 3, 6, 7] }]]);
});

test('a job larger than the machine is reported, the others still planned', () => {
  const plan = planPacking([job('big', 8, 2), job('ok', 4)], eight);
  assert.equal(plan.waves, [[{ jobId: 'ok', gpus: [0, 1, 2, 3] }]]);
  assert.equal(plan.impossible, [{ jobId: 'big', reason: 'Job big needs 16 GPUs (tp 8 x pp 2); this machine offers 8 (0,1,2,3,4,5,6,7)' }]);
});

test('jobs needing no GPU fill the waves at the concurrency limit', () => {
  const sim = (id: string) => makeJob({ id, system: { engine: 'sim' } });
  const plan = planPacking([sim('s1'), sim('s2'), sim('s3')], [], { concurrency: 2 });
  assert.equal(plan.waves, [[{ jobId: 's1', gpus: [] }, { jobId: 's2', gpus: [] }], [{ jobId: 's3', gpus: [] }]]);
});

test.run();
