import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// `run.mjs bench`: one stored run per job and QPS, with its figures and SLO verdicts, no search.
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-cli-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['run.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('bench runs each QPS once, prints percentiles, the fluid rate and every SLO verdict, and stores the runs', () => {
  const r = run(['bench', 'test/fixtures/run/small.yml', '--qps', '1,8', '--only', 'vllm', '--cache', cache]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'llama-3-8b/vllm/sharegpt/tp1-pp1');
  assert.match(r.out, /  1 QPS  200 requests, 0 failed/);
  assert.match(r.out, /  8 QPS  200 requests/);
  assert.is(r.out.match(/TTFT [\d.]+\/[\d.]+\/[\d.]+ ms {2}TBT/g)?.length, 2);
  assert.is(r.out.match(/fluid token generation rate [\d.]+ tokens\/s/g)?.length, 2);
  for (const slo of ['deadline', 'tbt_ttft', 'ttft_tpot']) assert.is(r.out.match(new RegExp(`(pass|fail) ${slo}: `, 'g'))?.length, 2, slo);
  assert.match(r.out, /pass ttft_tpot: ttft_p90/, 'a light load meets the SLO');
  assert.match(r.out, /fail ttft_tpot: ttft_p90/, 'eight times the capacity does not');
  const runs = run(['sql', 'select qps from runs order by qps', '--cache', cache, '--json']);
  assert.equal(JSON.parse(runs.out).map((x: { qps: number }) => x.qps), [1, 8]);
});

test('bench without --qps is an argument error', () => {
  const r = run(['bench', 'test/fixtures/run/small.yml', '--cache', cache]);
  assert.is(r.code, 2);
  assert.match(r.err, '--qps expects positive numbers separated by commas');
});

test.after(() => fs.rmSync(cache, { recursive: true, force: true }));
test.run();
