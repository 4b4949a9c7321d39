// Runs jobs through a real one-node Slurm cluster that this test starts and stops (scripts/slurm-test-cluster.sh).
// Needs root and apt (or slurm-wlm + munge installed). Not part of `npm test`; run it with
//   node --import tsx node_modules/uvu/bin.js test/exec "slurm\.heavy\.ts$"
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSlurm, type SlurmJobOutcome } from '../../lib/exec/slurm.ts';
import { makeJob } from '../fixtures/slurm/make-job.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const clusterScript = join(repoRoot, 'scripts/slurm-test-cluster.sh');
const standIn = join(repoRoot, 'test/fixtures/slurm/stand-in.sh');
const stateDir = join(tmpdir(), `headroom-slurm-test-${process.pid}`);
const clusterEnv = { ...process.env, HEADROOM_SLURM_DIR: stateDir, SLURM_CONF: join(stateDir, 'slurm.conf') };

function cluster(action: 'start' | 'stop'): Promise<void> {
  return new Promise((done, fail) => {
    execFile('bash', [clusterScript, action], { env: clusterEnv }, (error, _stdout, stderr) => {
      if (error) fail(new Error(`slurm-test-cluster.sh ${action} failed (${error.code}):\n${stderr}`));
      else done();
    });
  });
}

async function readStandIn(cacheDir: string): Promise<Map<string, Record<string, string>>> {
  const dir = join(cacheDir, 'stand-in');
  const out = new Map<string, Record<string, string>>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.done')) continue;
    const fields = Object.fromEntries(
      (await readFile(join(dir, name), 'utf8')).trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;
    out.set(fields.job, fields);
  }
  return out;
}

let cacheDir = '';
test.before(async () => {
  await cluster('start');
  // A blank in the path checks the quoting of #SBATCH --output and of the command.
  cacheDir = await mkdtemp(join(tmpdir(), 'headroom slurm cache-'));
});
test.after(async () => {
  await cluster('stop');
  await rm(stateDir, { recursive: true, force: true });
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

test('jobs get as many GPUs as they need, a failed one is resubmitted, a broken one is given up', async () => {
  const jobs = [
    makeJob('tiny/sim/fixed/tp1-pp1', 1),
    makeJob('tiny/sim/fixed/tp2-pp1', 2),
    makeJob('tiny/sim/flaky/tp1-pp1', 1),
    makeJob('tiny/sim/fixed/cpu-only', 0),
    makeJob('tiny/sim/broken/cpu-only', 0),
  ];
  const lines: string[] = [];
  const outcomes = await runSlurm(jobs, {
    workflowFile: join(repoRoot, 'workflows/unused.yml'),
    cacheDir,
    repoRoot,
    settings: { type: 'slurm', partition: 'debug', account: null, time: '10m', sbatchArgs: [] },
    command: ['bash', standIn, '{jobId}', '{cacheDir}'],
    env: clusterEnv,
    pollMs: 250,
    maxResubmits: 1,
    log: (line) => lines.push(line),
  });
  const get = (id: string) => outcomes.get(id) as SlurmJobOutcome;
  const all = lines.join('\n');
  for (const id of ['tiny/sim/fixed/tp1-pp1', 'tiny/sim/fixed/tp2-pp1', 'tiny/sim/fixed/cpu-only']) {
    assert.is(get(id).state, 'COMPLETED', `${id}\n${all}`);
    assert.is(get(id).attempts, 1, id);
  }
  assert.is(get('tiny/sim/flaky/tp1-pp1').state, 'COMPLETED', all);
  assert.is(get('tiny/sim/flaky/tp1-pp1').attempts, 2);
  assert.is(get('tiny/sim/flaky/tp1-pp1').slurmJobIds.length, 2);
  assert.is(get('tiny/sim/broken/cpu-only').state, 'FAILED');
  assert.is(get('tiny/sim/broken/cpu-only').attempts, 2);
  assert.match(all, /tiny\/sim\/flaky\/tp1-pp1 \(\d+\) ended FAILED.*resubmitting, attempt 2 of 2/);
  assert.match(all, /\| stand-in: tiny\/sim\/broken\/cpu-only always fails/);

  const ran = await readStandIn(cacheDir);
  const devices = (id: string) => ran.get(id)?.cuda_visible_devices ?? 'missing';
  assert.match(devices('tiny/sim/fixed/tp1-pp1'), /^[0-3]$/);
  assert.match(devices('tiny/sim/flaky/tp1-pp1'), /^[0-3]$/);
  assert.match(devices('tiny/sim/fixed/tp2-pp1'), /^[0-3],[0-3]$/);
  assert.is(new Set(devices('tiny/sim/fixed/tp2-pp1').split(',')).size, 2);
  assert.is(devices('tiny/sim/fixed/cpu-only'), '');
  assert.not.ok(ran.has('tiny/sim/broken/cpu-only'));
  const logs = await readdir(join(cacheDir, 'logs', 'slurm'));
  assert.ok(logs.some((name) => /^tiny_sim_fixed_tp2-pp1-\d+\.out$/.test(name)), logs.join(' '));
});

test('a job sbatch refuses is reported, not waited for', async () => {
  const lines: string[] = [];
  const outcomes = await runSlurm([makeJob('tiny/sim/fixed/nowhere', 1)], {
    workflowFile: join(repoRoot, 'workflows/unused.yml'),
    cacheDir,
    repoRoot,
    settings: { type: 'slurm', partition: 'no-such-partition', account: null, time: '1m', sbatchArgs: [] },
    command: ['bash', standIn, '{jobId}', '{cacheDir}'],
    env: clusterEnv,
    pollMs: 250,
    log: (line) => lines.push(line),
  });
  assert.is(outcomes.get('tiny/sim/fixed/nowhere')?.state, 'SUBMIT_FAILED');
  assert.match(lines.join('\n'), /sbatch refused tiny\/sim\/fixed\/nowhere .*partition/i);
});

test('a preempted job is submitted again and resumes from what it had cached', async () => {
  // It takes all 4 GPUs, so the urgent job submitted once it runs must preempt it.
  const id = 'tiny/sim/fixed/tp4-preempted';
  const lines: string[] = [];
  let urgent = false;
  const outcomes = await runSlurm([makeJob(id, 4)], {
    workflowFile: join(repoRoot, 'workflows/unused.yml'),
    cacheDir,
    repoRoot,
    settings: { type: 'slurm', partition: 'debug', account: null, time: '10m', sbatchArgs: [] },
    command: ['env', 'STAND_IN_SLEEP_S=30', 'bash', standIn, '{jobId}', '{cacheDir}'],
    env: clusterEnv,
    pollMs: 250,
    maxResubmits: 1,
    log: (line) => {
      lines.push(line);
      if (!urgent && /-> RUNNING/.test(line)) {
        urgent = true;
        execFile('sbatch', ['--parsable', '--partition=urgent', '--gres=gpu:4', '--output=/dev/null', '--wrap', 'sleep 1'], { env: clusterEnv });
      }
    },
  });
  const all = lines.join('\n');
  const outcome = outcomes.get(id) as SlurmJobOutcome;
  assert.is(outcome.state, 'COMPLETED', all);
  assert.is(outcome.attempts, 2);
  assert.match(all, /tp4-preempted \(\d+\) ended PREEMPTED; resubmitting, attempt 2 of 2/);
  assert.match(await readFile(outcome.logFile as string, 'utf8'), /stand-in: tiny\/sim\/fixed\/tp4-preempted resumed/);
});

test('aborting cancels the jobs still queued or running', async () => {
  const controller = new AbortController();
  const lines: string[] = [];
  const startedMs = Date.now();
  const outcomes = await runSlurm([makeJob('tiny/sim/fixed/slow', 1)], {
    workflowFile: join(repoRoot, 'workflows/unused.yml'),
    cacheDir,
    repoRoot,
    settings: { type: 'slurm', partition: null, account: null, time: '10m', sbatchArgs: [] },
    command: ['env', 'STAND_IN_SLEEP_S=60', 'bash', standIn, '{jobId}', '{cacheDir}'],
    env: clusterEnv,
    pollMs: 250,
    signal: controller.signal,
    log: (line) => {
      lines.push(line);
      if (/-> RUNNING/.test(line)) controller.abort();
    },
  });
  const outcome = outcomes.get('tiny/sim/fixed/slow') as SlurmJobOutcome;
  assert.is(outcome.state, 'CANCELLED', lines.join('\n'));
  assert.ok(Date.now() - startedMs < 20_000);
  assert.match(lines.join('\n'), /interrupted; cancelled tiny\/sim\/fixed\/slow \(\d+\)/);
  // Slurm itself says the job was cancelled (scancel is asynchronous: give it a moment).
  let state = '';
  for (let i = 0; i < 40 && state !== 'CANCELLED'; i++) {
    state = await new Promise<string>((done) =>
      execFile('squeue', ['-h', '-t', 'all', '-o', '%T', '-j', outcome.slurmJobIds[0]], { env: clusterEnv }, (_e, out) => done(out.trim())));
    if (state !== 'CANCELLED') await new Promise((r) => setTimeout(r, 250));
  }
  assert.is(state, 'CANCELLED');
});

test.run();
