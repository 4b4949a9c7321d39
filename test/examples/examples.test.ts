import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// The examples run as users run them (zx scripts), on small simulated grids with a scratch cache.
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-examples-'));
const zx = path.resolve('node_modules/zx/build/cli.js');

function runExample(args: string[]) {
  const r = spawnSync(process.execPath, [zx, ...args, '--cache', cache], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('compare-engines prints each SLO with both systems and their ratio', () => {
  const r = runExample(['examples/compare-engines.mjs', 'test/fixtures/run/small.yml', 'sharegpt']);
  assert.is(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.is(lines.length, 3, r.out);
  for (const [i, slo] of ['deadline', 'tbt_ttft', 'ttft_tpot'].entries()) {
    assert.match(lines[i], new RegExp(`^${slo}: vllm [\\d.]+ QPS, sarathi [\\d.]+ QPS, ratio ([\\d.]+|n/a)$`));
  }
});

test('tp-sweep searches TP 2, 4 and 8 built in code and reports capacity per GPU', () => {
  const r = runExample(['examples/tp-sweep.mjs', '--requests', '100']);
  assert.is(r.code, 0, r.err);
  const caps = [...r.out.matchAll(/^TP (\d+): ([\d.]+) QPS, ([\d.]+) QPS per GPU$/gm)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
  assert.equal(caps.map((c) => c[0]), [2, 4, 8]);
  for (const [tp, qps, perGpu] of caps) assert.ok(Math.abs(qps / tp - perGpu) < 0.001, `TP ${tp}`);
  assert.ok(caps[2][1] >= caps[0][1], 'more GPUs serve at least as much load');
});

test.after(() => fs.rmSync(cache, { recursive: true, force: true }));
test.run();
