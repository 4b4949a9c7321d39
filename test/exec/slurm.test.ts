// runSlurm's coordination (polling, resubmits, lost jobs, refusals, interrupts) against stand-ins for sbatch,
// squeue, sacct and scancel (test/fixtures/slurm/bin), so it runs in the default test run without root.
// test/exec/slurm.heavy.ts runs the same executor against a real one-node cluster.
import { access, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatElapsed, runSlurm, type RunSlurmOptions, type SlurmJobOutcome } from '../../lib/exec/slurm.ts';
import type { Job } from '../../lib/types.ts';
import { makeJob } from '../fixtures/slurm/make-job.ts';
import { waitForExit } from '../fixtures/process/wait-exit.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const fakeBin = join(repoRoot, 'test/fixtures/slurm/bin');
const standIn = join(repoRoot, 'test/fixtures/slurm/stand-in.sh');

async function withFakeCluster(
  jobs: Job[],
  extra: Partial<RunSlurmOptions> & { forget?: boolean; command?: string[] },
): Promise<{ outcomes: Map<string, SlurmJobOutcome>; lines: string[]; cacheDir: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'headroom-fake-slurm-'));
  const cacheDir = join(root, 'cache');
  const env = {
    ...process.env,
    PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
    FAKE_SLURM_DIR: root,
    FAKE_SLURM_FORGET: extra.forget ? '1' : '0',
  };
  const lines: string[] = [];
  const cleanup = () => rm(root, { recursive: true, force: true });
  const outcomes = await runSlurm(jobs, {
    workflowFile: join(repoRoot, 'workflows/unused.yml'),
    cacheDir,
    repoRoot,
    settings: { type: 'slurm', partition: null, account: null, time: '10m', sbatchArgs: [] },
    command: ['env', 'STAND_IN_SLEEP_S=0.2', 'bash', standIn, '{jobId}', '{cacheDir}'],
    env,
    pollMs: 100,
    maxResubmits: 1,
    log: (line) => lines.push(line),
    ...extra,
  }).catch(async (e: unknown) => {
    await cleanup();
    throw e;
  });
  return { outcomes, lines, cacheDir, cleanup };
}

async function readDevices(cacheDir: string, id: string): Promise<string> {
  const text = await readFile(join(cacheDir, 'stand-in', `${id.replace(/[^A-Za-z0-9._-]/g, '_')}.done`), 'utf8');
  return /cuda_visible_devices=(.*)/.exec(text)?.[1] ?? 'missing';
}

const grid = () => [
  makeJob('m/s/t/tp2', 2),
  makeJob('m/s/flaky/tp1', 1),
  makeJob('m/s/broken/cpu', 0),
  makeJob('m/s/t/cpu', 0),
];

for (const forget of [false, true]) {
  const how = forget ? 'from the exit files once Slurm forgets them' : 'from squeue';
  test(`runSlurm learns how jobs ended ${how}, resubmits failures and gives up after maxResubmits`, async () => {
    const r = await withFakeCluster(grid(), { forget });
    try {
      const all = r.lines.join('\n');
      const get = (id: string) => r.outcomes.get(id) as SlurmJobOutcome;
      assert.is(get('m/s/t/tp2').state, 'COMPLETED', all);
      assert.is(get('m/s/t/tp2').attempts, 1);
      assert.is(get('m/s/t/cpu').state, 'COMPLETED');
      assert.is(get('m/s/flaky/tp1').state, 'COMPLETED');
      assert.is(get('m/s/flaky/tp1').attempts, 2);
      assert.is(get('m/s/broken/cpu').state, 'FAILED');
      assert.is(get('m/s/broken/cpu').attempts, 2);
      assert.is(await readDevices(r.cacheDir, 'm/s/t/tp2'), '0,1');
      assert.is(await readDevices(r.cacheDir, 'm/s/t/cpu'), '');
      assert.match(all, /m\/s\/flaky\/tp1 \(\d+\) ended FAILED.*; resubmitting, attempt 2 of 2; log .*m_s_flaky_tp1-\d+\.out/);
      assert.match(all, /m\/s\/broken\/cpu \(\d+\) ended FAILED.*; giving up after 2 attempts/);
      assert.match(all, /  \| stand-in: m\/s\/broken\/cpu always fails/);
      assert.match(all, /slurm: 4 jobs: 0 pending, 0 running, 3 completed, 1 failed \(\d+s\)/);
      assert.match(all, /slurm: all 4 jobs settled: 3 completed, 1 not \(m\/s\/broken\/cpu: FAILED\)$/);
      const scripts = (await readdir(join(r.cacheDir, 'logs', 'slurm'))).filter((n) => n.endsWith('.sbatch'));
      assert.is(scripts.length, 4);
    } finally {
      await r.cleanup();
    }
  });
}

test('runSlurm counts a job that vanished without an exit status as LOST and resubmits it', async () => {
  // The command kills its batch script outright: no exit file, and the fake cluster forgets the job.
  const r = await withFakeCluster([makeJob('m/s/t/killed', 1)], {
    forget: true,
    command: ['sh', '-c', 'kill -9 $PPID'],
    lostAfterPolls: 2,
  });
  try {
    const o = r.outcomes.get('m/s/t/killed') as SlurmJobOutcome;
    assert.is(o.state, 'LOST', r.lines.join('\n'));
    assert.is(o.attempts, 2);
    assert.match(r.lines.join('\n'), /ended LOST \(unknown to squeue and sacct for 2 polls\); resubmitting/);
  } finally {
    await r.cleanup();
  }
});

test('runSlurm reports a job sbatch refuses with what sbatch said, and does not wait for it', async () => {
  const r = await withFakeCluster([makeJob('m/s/t/x', 1)], {
    settings: { type: 'slurm', partition: 'nope', account: null, time: '10m', sbatchArgs: [] },
  });
  try {
    assert.equal(r.outcomes.get('m/s/t/x'), { state: 'SUBMIT_FAILED', attempts: 1, slurmJobIds: [], logFile: null });
    assert.match(r.lines.join('\n'), /slurm: sbatch refused m\/s\/t\/x \(exit 1\): sbatch: error: invalid partition specified: nope/);
  } finally {
    await r.cleanup();
  }
});

async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if (await access(path).then(() => true, () => false)) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

test('runSlurm cancels the jobs still running when aborted', async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'headroom-fake-slurm-cache-'));
  const pidFile = join(cacheDir, 'stand-in', 'm_s_t_slow.pid');
  const controller = new AbortController();
  const startedMs = Date.now();
  const r = await withFakeCluster([makeJob('m/s/t/slow', 1)], {
    command: ['env', 'STAND_IN_SLEEP_S=30', 'bash', standIn, '{jobId}', '{cacheDir}'],
    signal: controller.signal,
    log: (line) => {
      // Abort once the job's command surely runs (it has written its pid).
      if (/-> RUNNING/.test(line)) void waitForFile(pidFile).then(() => controller.abort());
    },
    cacheDir,
  });
  try {
    assert.is(r.outcomes.get('m/s/t/slow')?.state, 'CANCELLED');
    assert.ok(Date.now() - startedMs < 10_000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    // The group gets SIGTERM; on a loaded machine dying takes a moment.
    const alive = !(await waitForExit(pid));
    assert.not.ok(alive, `the job script (pid ${pid}) still runs 5 s after scancel`);
  } finally {
    await r.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test('runSlurm refuses duplicate job ids', async () => {
  try {
    await withFakeCluster([makeJob('m/s/t/a', 1), makeJob('m/s/t/a', 1)], {});
    assert.unreachable('expected a throw');
  } catch (e) {
    assert.is((e as Error).message, 'Expected job ids to be unique for the slurm executor, got m/s/t/a twice');
  }
});

test('formatElapsed shows seconds, then minutes, then hours', () => {
  assert.is(formatElapsed(42_900), '42s');
  assert.is(formatElapsed(725_000), '12m05s');
  assert.is(formatElapsed(3 * 3600_000 + 7 * 60_000 + 59_000), '3h07m');
});

test.run();
