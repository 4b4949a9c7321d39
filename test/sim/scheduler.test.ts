import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeSimSettings, type SimSettingsSpec } from '../../lib/sim/defaults.ts';
import { SimEngine, type StepResult } from '../../lib/sim/engine.ts';

const parallel = { tp: 1, pp: 1 };
const engineOf = (spec: SimSettingsSpec) => new SimEngine({ settings: normalizeSimSettings({ cpuProfile: 'none', ...spec }), simModel: 'llama-3-8b', parallel });

/** Runs iterations back to back until idle, returning them. */
function drain(e: SimEngine, fromNs = 0, maxSteps = 100_000): StepResult[] {
  const steps: StepResult[] = [];
  let t = fromNs;
  while (steps.length < maxSteps) {
    if (!e.hasWork()) {
      const next = e.nextReadyNs();
      if (next === null) break;
      t = Math.max(t, next);
    }
    const r = e.step(t);
    if (!r) continue;
    steps.push(r);
    t = r.endNs;
  }
  return steps;
}

/** An engine with about `blocks` KV blocks, found by lowering the memory fraction. */
function tinyEngine(spec: SimSettingsSpec, blocks: number): SimEngine {
  const probe = engineOf(spec);
  for (let util = 0.2; util < 1; util += 0.00002) {
    if (probe.cost.kvBlocks(16, util, probe.settings.maxNumBatchedTokens) >= blocks) return engineOf({ ...spec, gpuMemoryUtilization: util });
  }
  throw new Error('no memory fraction gives that many blocks');
}

test('vllm: an iteration with a prefill runs only prefills, then the decodes resume', () => {
  const e = engineOf({ scheduler: 'vllm' });
  e.submit({ id: 0, promptTokens: 100, maxTokens: 50, arrivalNs: 0 });
  let t = 0;
  for (let i = 0; i < 5; i++) t = e.step(t)!.endNs; // prefill + 4 decodes
  e.submit({ id: 1, promptTokens: 200, maxTokens: 5, arrivalNs: t });
  const s = e.step(t)!;
  assert.ok(s.prefillOnly);
  assert.is(s.shape.decodes, 0);
  assert.is(s.shape.prefillTokens, 200);
  assert.equal(s.produced.map((r) => r.id), [1]);
  const next = e.step(s.endNs)!;
  assert.is(next.shape.decodes, 2);
  assert.is(next.shape.prefillTokens, 0);
});

test('vllm: prefills batch FCFS up to the token budget and max_num_seqs', () => {
  const e = engineOf({ scheduler: 'vllm', maxNumBatchedTokens: 2500, maxNumSeqs: 4 });
  for (let i = 0; i < 6; i++) e.submit({ id: i, promptTokens: 1000, maxTokens: 3, arrivalNs: 0 });
  const first = e.step(0)!;
  assert.equal(first.produced.map((r) => r.id), [0, 1], 'two 1000-token prompts fit in 2500');
  const second = e.step(first.endNs)!;
  assert.equal(second.produced.map((r) => r.id), [2, 3], 'the next two');
  const third = e.step(second.endNs)!;
  assert.is(third.shape.prefillTokens, 0, 'max_num_seqs 4 reached: decodes run');
  assert.is(third.shape.decodes, 4);
});

test('sarathi: decodes go first and the prompt is chunked into what is left of the budget', () => {
  const e = engineOf({ scheduler: 'sarathi', maxNumBatchedTokens: 512 });
  e.submit({ id: 0, promptTokens: 100, maxTokens: 100, arrivalNs: 0 });
  e.submit({ id: 1, promptTokens: 100, maxTokens: 100, arrivalNs: 0 });
  let t = e.step(0)!.endNs; // both prompts in one 200-token iteration
  e.submit({ id: 2, promptTokens: 2000, maxTokens: 10, arrivalNs: t });
  const chunks: number[] = [];
  let firstTokenStep = -1;
  for (let i = 0; i < 6; i++) {
    const s = e.step(t)!;
    assert.is(s.shape.decodes, i <= 3 ? 2 : 3, 'every running decode is in every iteration');
    assert.ok(s.shape.prefillTokens + s.shape.decodes <= 512);
    chunks.push(s.shape.prefillTokens);
    if (firstTokenStep < 0 && s.produced.some((r) => r.id === 2)) firstTokenStep = i;
    t = s.endNs;
  }
  assert.equal(chunks.slice(0, 4), [510, 510, 510, 470]);
  assert.is(firstTokenStep, 3, 'the first token comes from the iteration that ends the prompt');
  assert.is(chunks[4], 0);
});

test('sarathi: KV for the whole prompt is reserved on admission', () => {
  const e = engineOf({ scheduler: 'sarathi', maxNumBatchedTokens: 512 });
  const r = e.submit({ id: 0, promptTokens: 4000, maxTokens: 2, arrivalNs: 0 });
  e.step(0);
  assert.is(r.blocks, Math.ceil(4000 / 16));
  assert.is(r.computed, 512);
});

test('when blocks run out, the tail of the running queue is preempted and recomputed', () => {
  for (const scheduler of ['vllm', 'sarathi'] as const) {
    const e = tinyEngine({ scheduler }, 60);
    const reqs = [0, 1, 2, 3].map((id) => e.submit({ id, promptTokens: 150, maxTokens: 200, arrivalNs: id }));
    let sawPreemption = false;
    let t = 10;
    for (let i = 0; i < 5000 && (e.hasWork() || e.nextReadyNs() !== null); i++) {
      const s = e.step(t);
      if (!s) {
        t = e.nextReadyNs()!;
        continue;
      }
      t = s.endNs;
      if (e.preemptions > 0 && !sawPreemption) {
        sawPreemption = true;
        assert.is(e.waiting[0], reqs.filter((r) => r.preemptions > 0).at(-1), `${scheduler}: the preempted request heads the waiting queue`);
      }
      assert.ok(e.kv.freeBlocks >= 0);
    }
    assert.ok(e.preemptions > 0, `${scheduler}: preemptions happened`);
    for (const r of reqs) assert.is(r.generated, 200, `${scheduler}: request ${r.id} finished all its tokens`);
    assert.is(e.kv.freeBlocks, e.kv.totalBlocks, 'every block is back');
  }
});

test('a preempted request recomputes prompt plus generated tokens in one prefill', () => {
  const e = tinyEngine({ scheduler: 'vllm' }, 60);
  const reqs = [0, 1, 2, 3].map((id) => e.submit({ id, promptTokens: 150, maxTokens: 200, arrivalNs: 0 }));
  let t = 0;
  let checked = 0;
  const seen = new Map(reqs.map((r) => [r, 0]));
  const recomputing = new Map<(typeof reqs)[number], number>();
  while (e.hasWork() || e.nextReadyNs() !== null) {
    t = e.step(t)!.endNs;
    for (const [r, before] of recomputing) {
      if (r.state === 'waiting') continue;
      recomputing.delete(r);
      assert.is(r.computed, 150 + before, 'the whole sequence was recomputed in one iteration');
      assert.is(r.generated, before + 1, 'which sampled its next token');
      checked++;
    }
    for (const r of reqs) {
      if (r.preemptions === seen.get(r)) continue;
      seen.set(r, r.preemptions);
      assert.is(r.state, 'waiting');
      assert.is(r.computed, 0);
      assert.is(r.prefillTarget, 150 + r.generated);
      recomputing.set(r, r.generated);
    }
  }
  assert.ok(checked > 0);
});

test('a prompt that can never fit is rejected with vLLM\'s context-length message', () => {
  const e = engineOf({});
  const r = e.submit({ id: 0, promptTokens: 8000, maxTokens: 500, arrivalNs: 0 });
  assert.is(r.state, 'rejected');
  assert.match(r.error!, /maximum context length is 8192 tokens\. However, you requested 8500 tokens \(8000 in the messages, 500 in the completion\)/);
  assert.is(e.submit({ id: 1, promptTokens: 3, maxTokens: 0, arrivalNs: 0 }).state, 'rejected');
});

test('an aborted request gives back its blocks and leaves the queues', () => {
  const e = engineOf({});
  const a = e.submit({ id: 0, promptTokens: 1000, maxTokens: 100, arrivalNs: 0 });
  const b = e.submit({ id: 1, promptTokens: 1000, maxTokens: 100, arrivalNs: 5e9 });
  e.step(0);
  assert.is(e.gauges().running, 1);
  e.abort(a);
  e.abort(b);
  assert.equal(e.gauges(), { running: 0, waiting: 0, kvUsage: 0, preemptions: 0 });
  assert.is(a.state, 'aborted');
  assert.is(e.nextReadyNs(), null);
});

test('the same inputs give the same iterations, to the nanosecond', () => {
  const run = () => {
    const e = engineOf({ scheduler: 'sarathi', cpuProfile: 'vllm-0.5' });
    for (let i = 0; i < 50; i++) e.submit({ id: i, promptTokens: 100 + ((i * 37) % 900), maxTokens: 20 + ((i * 11) % 80), arrivalNs: i * 30_000_000 });
    return drain(e).map((s) => [s.startNs, s.endNs, s.produced.map((r) => r.id).join()]);
  };
  assert.equal(run(), run());
});

test.run();
