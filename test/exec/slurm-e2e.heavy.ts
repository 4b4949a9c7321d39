// The workflow itself through a real one-node Slurm cluster (started and stopped here): run.mjs submits one
// sbatch job per search job, each runs headroom for that job on the node, and the capacities must equal those of
// the local executor on the same workflow and seed. Not part of `npm test` (needs root, slurm-wlm and munge):
//   node --import tsx node_modules/uvu/bin.js test/exec "slurm-e2e\.heavy\.ts$"
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../lib/store/index.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const stateDir = join(tmpdir(), `headroom-slurm-e2e-${process.pid}`);
const env = { ...process.env, HEADROOM_SLURM_DIR: stateDir, SLURM_CONF: join(stateDir, 'slurm.conf'), FORCE_COLOR: '0' };
const localCache = mkdtempSync(join(tmpdir(), 'headroom-local-'));
const slurmCache = mkdtempSync(join(tmpdir(), 'headroom-slurm-'));

function runMjs(args: string[]) {
  const r = spawnSync(process.execPath, ['run.mjs', ...args], { cwd: repoRoot, encoding: 'utf8', env, timeout: 900_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function capacities(cache: string): Promise<string[]> {
  const store = await openStore(cache);
  try {
    const rows = await store.query('select job_id, slo, capacity_qps, fail_qps from capacities order by job_id, slo');
    return rows.map((r) => `${r.job_id} ${r.slo} ${r.capacity_qps} ${r.fail_qps}`);
  } finally {
    await store.close();
  }
}

test.before(() => {
  execFileSync('bash', [join(repoRoot, 'scripts/slurm-test-cluster.sh'), 'start'], { env, stdio: 'pipe' });
});
test.after(() => {
  execFileSync('bash', [join(repoRoot, 'scripts/slurm-test-cluster.sh'), 'stop'], { env, stdio: 'pipe' });
  for (const d of [stateDir, localCache, slurmCache]) rmSync(d, { recursive: true, force: true });
});

test('the small grid through Slurm gives the same capacities as the local executor', async () => {
  const local = runMjs(['test/fixtures/run/small.yml', '--cache', localCache]);
  assert.is(local.code, 0, local.err);
  const slurm = runMjs(['test/fixtures/run/small.yml', '--executor', 'slurm', '--cache', slurmCache]);
  assert.is(slurm.code, 0, slurm.err);
  const expected = await capacities(localCache);
  assert.is(expected.length, 6);
  assert.equal(await capacities(slurmCache), expected);
  assert.match(slurm.out, '0.0 s', 'the coordinator re-judged cached runs without benchmarking');
});

test.run();
