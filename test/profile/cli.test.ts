import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, profileJobs } from '../../lib/cli/profile.ts';
import { readWorkflow } from '../../lib/workflow/read.ts';
import { liveServers } from '../../lib/engines/cleanup.ts';

const WORKFLOW = fileURLToPath(new URL('../fixtures/profile/two-systems.yml', import.meta.url));
let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-profile-cli-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runMain(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('profile writes one profile per server (not per trace) with its chart, then finds them cached', async () => {
  const first = await runMain([WORKFLOW, '--cache', dir]);
  assert.is(first.code, 0, first.err);
  const files = (await readdir(join(dir, 'profiles'))).sort();
  assert.is(files.length, 6, files.join(' '));
  assert.equal([...new Set(files.map((f) => f.split('.').pop()))].sort(), ['json', 'onnx', 'svg']);
  for (const id of ['vllm/short', 'vllm/long', 'sarathi/short', 'sarathi/long']) assert.ok(first.out.includes(`llama-3-8b/${id}/tp1-pp1`), id);
  assert.is(first.out.match(/predictor: new profile/g)?.length, 4);
  assert.ok(first.out.includes('ms*ceil(n/512)'), 'the Sarathi fit carries the chunk term');
  assert.ok(first.err.includes('prefill 16384 tokens:'), first.err);

  const second = await runMain([WORKFLOW, '--cache', dir, '--only', 'sarathi']);
  assert.is(second.code, 0);
  assert.is(second.out.match(/predictor: cached profile/g)?.length, 2);
  assert.not.ok(second.out.includes('vllm/'));
});

test('profile --force measures again even with a cached profile', async () => {
  await runMain([WORKFLOW, '--cache', dir, '--only', 'vllm/short', '--no-chart']);
  const again = await runMain([WORKFLOW, '--cache', dir, '--only', 'vllm/short', '--force', '--no-chart']);
  assert.ok(again.out.includes('predictor: new profile'), again.out);
  assert.equal((await readdir(join(dir, 'profiles'))).map((f) => f.split('.').pop()).sort(), ['json', 'onnx']);
});

test('profile refuses missing arguments and a pattern that matches no job, naming the jobs', async () => {
  for (const [argv, text] of [
    [[], 'profile: expected one workflow file, got none'],
    [[WORKFLOW, '--only', 'nothing-like-this'], '--only "nothing-like-this" matches no job; jobs are:\n  llama-3-8b/vllm/short/tp1-pp1'],
    [[WORKFLOW, '--gpus', 'a,b'], '--gpus: expected GPU indices like 0,1, got "a,b"'],
  ] as const) {
    try {
      await runMain([...argv, '--cache', dir]);
      assert.unreachable(argv.join(' '));
    } catch (e) {
      assert.is((e as Error).name, 'UsageError');
      assert.ok((e as Error).message.includes(text), (e as Error).message);
    }
  }
});

test('a refused fit is an outcome with its reason and exit code 1, not a crash', async () => {
  const { jobs } = readWorkflow(WORKFLOW);
  const outcomes = await profileJobs(jobs.slice(0, 1), {
    cacheDir: dir,
    measureFor: () => ({ measure: async (n, reps) => new Array(reps).fill(n < 4096 ? 100e6 : 400e6), close: async () => {} }),
  });
  assert.is(outcomes.length, 1);
  assert.is(outcomes[0].source, null);
  assert.match(outcomes[0].error ?? '', 'prefill fit refused: expected every point within 15.0%');
});

test('a real-time simulated system is profiled over HTTP against its started server, which is stopped after', async () => {
  const wf = join(dir, 'realtime.yml');
  await writeFile(
    wf,
    [
      'name: realtime',
      'models: [{ name: llama-3-8b, hfId: meta-llama/Meta-Llama-3-8B-Instruct, simModel: llama-3-8b, maxModelLen: 16384 }]',
      'systems: [{ name: vllm-rt, engine: sim, sim: { scheduler: vllm, clock: real } }]',
      'traces: [{ name: t, lengths: { type: fixed, prompt: 256, output: 16 }, arrivals: { type: poisson }, maxTotalTokens: 4096, requests: 10, seed: 1 }]',
      'slos: [{ name: d, type: deadline, tbt: 30ms, ttftSlack: 300ms, maxMissRate: 0.1, percentile: 0.99 }]',
      'profile: { lengths: [1024, 2048, 4096, 8192], repetitions: 3 }',
    ].join('\n'),
  );
  const { jobs } = readWorkflow(wf);
  const lines: string[] = [];
  const [o] = await profileJobs(jobs, { cacheDir: dir, charts: false, log: (l) => lines.push(l) });
  assert.equal(liveServers(), []);
  assert.is(lines.filter((l) => /prefill \d+ tokens/.test(l)).length, 4, lines.join('\n'));
  assert.is(o.error, null, lines.join('\n'));
  assert.ok(o.source?.startsWith('new profile'), o.source ?? '');
  assert.equal(o.meta?.lengths, [1024, 2048, 4096, 8192]);
  assert.ok((o.meta?.fit.worstRelErr ?? 1) < 0.15);
});

test.run();
