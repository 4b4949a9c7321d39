import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// run.mjs as a user runs it: a real child process, its exit code and its output.
function run(args: string[]) {
  const r = spawnSync(process.execPath, ['run.mjs', ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--dry-run prints the quickstart plan (4 jobs, 3 SLOs each, fingerprints) and writes nothing', () => {
  const cache = path.join(os.tmpdir(), `headroom-dry-${process.pid}`);
  const r = run(['workflows/quickstart.yml', '--dry-run', '--cache', cache]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'Plan for quickstart (workflows/quickstart.yml): 4 jobs');
  for (const id of ['llama-3-8b/vllm/sharegpt/tp1-pp1', 'llama-3-8b/vllm/arxiv/tp1-pp1', 'llama-3-8b/sarathi/sharegpt/tp1-pp1', 'llama-3-8b/sarathi/arxiv/tp1-pp1']) {
    assert.match(r.out, `\n${id}\n`);
  }
  assert.is(r.out.match(/fingerprint  [0-9a-f]{16}/g)?.length, 4);
  assert.is(r.out.match(/ttft_tpot: TTFT p90 <= 300ms and TPOT p90 <= 30ms/g)?.length, 4);
  assert.is(r.out.match(/no cache yet/g)?.length, 4);
  assert.not.ok(fs.existsSync(cache), 'a dry run must not create the cache');
});

test('--only selects jobs by substring or * pattern, and an unmatched pattern is an argument error', () => {
  const a = run(['workflows/quickstart.yml', '--dry-run', '--only', 'sarathi/*/tp1', '--cache', '/nonexistent/c']);
  assert.is(a.code, 0, a.err);
  assert.match(a.out, ': 2 jobs');
  const b = run(['workflows/quickstart.yml', '--dry-run', '--only', 'nope']);
  assert.is(b.code, 2);
  assert.match(b.err, '--only "nope" matches no job');
});

test('an invalid workflow exits 2 with every problem listed under the file name', () => {
  const r = run(['test/fixtures/workflow/invalid/many-problems.yml']);
  assert.is(r.code, 2);
  const expected = fs.readFileSync('test/fixtures/workflow/invalid/many-problems.txt', 'utf8').trimEnd();
  assert.match(r.err, expected);
});

test('bad arguments exit 2 and say what was expected', () => {
  const r = run(['workflows/quickstart.yml', '--executor', 'kubernetes']);
  assert.is(r.code, 2);
  assert.match(r.err, '--executor: expected local, slurm or ssh, got "kubernetes"');
  const u = run(['workflows/quickstart.yml', '--bogus']);
  assert.is(u.code, 2);
  assert.match(u.err, "Unknown option '--bogus'");
});

test('--help lists the commands and exit codes; no arguments prints it to stderr with exit 2', () => {
  const h = run(['--help']);
  assert.is(h.code, 0);
  for (const word of ['bench', 'profile', 'report', 'sql', 'conformance', 'calibrate', '130 interrupted']) assert.match(h.out, word);
  const none = run([]);
  assert.is(none.code, 2);
  assert.match(none.err, 'Usage');
});

test('a dry run on a fake 8-GPU list shows aligned packing for the GPU workflows', () => {
  const gpusOf = (w: string) => {
    const r = run([`workflows/${w}.yml`, '--dry-run', '--gpus', '0,1,2,3,4,5,6,7', '--cache', '/nonexistent/c']);
    assert.is(r.code, 0, r.err);
    return [...r.out.matchAll(/gpus +(\S+) \(wave (\d+)\)/g)].map((m) => `${m[1]}@${m[2]}`);
  };
  assert.equal(gpusOf('llama8b'), ['0@1', '1@1', '2@1', '3@1']);
  assert.equal(gpusOf('mixtral'), ['0,1,2,3@1', '4,5,6,7@1', '0,1,2,3@2', '4,5,6,7@2']);
  assert.equal(gpusOf('llama70b'), ['0,1,2,3,4,5,6,7@1', '0,1,2,3,4,5,6,7@2', '0,1,2,3,4,5,6,7@3', '0,1,2,3,4,5,6,7@4']);
});

test.run();
