import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWorkflow, readWorkflow } from '../../lib/workflow/read.ts';

const minimal = `
name: w
models: [{ name: m, hfId: org/m }]
systems:
  - { name: a, engine: sim }
  - { name: b, engine: vllm, parallel: [{ tp: 1 }, { tp: 2 }] }
traces: [{ name: t, lengths: { type: fixed, prompt: 10, output: 5 } }]
slos:
  - { name: d, type: deadline, tbt: 30ms, ttftSlack: 1.5s }
  - { name: x, type: ttft_tpot, ttft: { max: 300ms }, tpot: { max: 30ms }, appliesTo: { systems: [b] } }
`;

test('every workflow in workflows/ validates', () => {
  const files = fs.readdirSync('workflows').filter((f) => f.endsWith('.yml'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const text = fs.readFileSync(`workflows/${f}`, 'utf8');
    assert.ok(text.startsWith('# yaml-language-server: $schema=../schemas/workflow.schema.json'), `${f} names its schema`);
    readWorkflow(`workflows/${f}`);
  }
});

test('the quickstart expands to 2 systems x 2 traces = 4 jobs with 3 SLOs each', () => {
  const { jobs } = readWorkflow('workflows/quickstart.yml');
  assert.equal(jobs.map((j) => j.id), [
    'llama-3-8b/vllm/sharegpt/tp1-pp1', 'llama-3-8b/vllm/arxiv/tp1-pp1',
    'llama-3-8b/sarathi/sharegpt/tp1-pp1', 'llama-3-8b/sarathi/arxiv/tp1-pp1',
  ]);
  for (const j of jobs) assert.equal(j.slos.map((s) => s.name), ['deadline', 'tbt_ttft', 'ttft_tpot']);
  const dl = jobs[0].slos[0];
  assert.equal(dl.type === 'deadline' && [dl.tbtNs, dl.ttftSlackNs, dl.maxMissRate, dl.percentile], [30e6, 300e6, 0.1, 0.99]);
});

test('durations become integer nanoseconds and schema defaults are filled in', () => {
  const { workflow, jobs } = parseWorkflow(minimal, '/tmp/w.yml');
  const d = workflow.slos[0];
  assert.ok(d.type === 'deadline' && d.tbtNs === 30_000_000 && d.ttftSlackNs === 1_500_000_000);
  assert.is(workflow.client.maxLagNs, 10_000_000);
  assert.is(workflow.search.strategy, 'headroom');
  assert.is(workflow.traces[0].requests, 1000);
  assert.equal(workflow.traces[0].arrivals, { type: 'poisson', etalonClip: false });
  assert.is(workflow.systems[0].sim.maxNumBatchedTokens, 32768);
  assert.is(workflow.models[0].tokenizer, 'org/m');
  assert.is(jobs.length, 3);
});

test('parallel specs multiply jobs, SLO scopes filter them, and GPUs count tp x pp for launched engines', () => {
  const { jobs } = parseWorkflow(minimal, '/tmp/w.yml');
  const byId = Object.fromEntries(jobs.map((j) => [j.id, j]));
  assert.equal(Object.keys(byId), ['m/a/t/tp1-pp1', 'm/b/t/tp1-pp1', 'm/b/t/tp2-pp1']);
  assert.equal(byId['m/a/t/tp1-pp1'].slos.map((s) => s.name), ['d']);
  assert.equal(byId['m/b/t/tp2-pp1'].slos.map((s) => s.name), ['d', 'x']);
  assert.is(byId['m/a/t/tp1-pp1'].gpus, 0);
  assert.is(byId['m/b/t/tp2-pp1'].gpus, 2);
});

test("a model's allowed lists filter the grid", () => {
  const text = minimal.replace('hfId: org/m }', 'hfId: org/m, systems: [b], parallel: [{ tp: 2 }] }');
  const { jobs } = parseWorkflow(text, '/tmp/w.yml');
  assert.equal(jobs.map((j) => j.id), ['m/b/t/tp2-pp1']);
});

test('a TTFT bound is fixed by default and dynamic with minusPredictedPrefill, in both SLO types that have one', () => {
  const text = minimal.replace(/slos:[\s\S]*$/, `slos:
  - { name: fixed, type: ttft_tpot, ttft: { max: 300ms }, tpot: { max: 30ms } }
  - { name: dyn, type: ttft_tpot, ttft: { max: 300ms, percentile: 0.9, minusPredictedPrefill: true }, tpot: { max: 30ms } }
  - { name: stream, type: tbt_ttft, tbt: { max: 30ms }, ttft: { max: 250ms, minusPredictedPrefill: true } }
`);
  const { workflow } = parseWorkflow(text, '/tmp/w.yml');
  const ttft = workflow.slos.map((s) => (s.type === 'deadline' ? null : s.ttft));
  assert.equal(ttft, [
    { maxNs: 300_000_000, percentile: 0.9, minusPredictedPrefill: false },
    { maxNs: 300_000_000, percentile: 0.9, minusPredictedPrefill: true },
    { maxNs: 250_000_000, percentile: 0.9, minusPredictedPrefill: true },
  ]);
  const s = workflow.slos[2];
  assert.equal(s.type === 'tbt_ttft' && s.tbt, { maxNs: 30_000_000, percentile: 0.99 }, 'a TBT bound has no such flag');
});

test.run();
