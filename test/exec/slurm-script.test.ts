import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatJobCommand, formatJobFileName, formatSbatchScript, formatSlurmTime, quoteShell, type SlurmSettings,
} from '../../lib/exec/slurm-script.ts';
import { makeJob } from '../fixtures/slurm/make-job.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const standIn = join(repoRoot, 'test/fixtures/slurm/stand-in.sh');
const settings: SlurmSettings = { type: 'slurm', partition: 'gpu', account: 'lab', time: '90m', sbatchArgs: [] };
const base = { workflowFile: '/w/grid.yml', cacheDir: '/shared/cache', repoRoot: '/shared/headroom', settings };

function bash(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

test('formatSbatchScript asks for the job GPUs and the workflow partition, account and time', () => {
  const script = formatSbatchScript(makeJob('llama-3-8b/vllm/sharegpt/tp2-pp1', 2), base);
  assert.ok(script.startsWith('#!/bin/bash\n'));
  assert.match(script, /^#SBATCH --gres=gpu:2$/m);
  assert.match(script, /^#SBATCH --partition=gpu$/m);
  assert.match(script, /^#SBATCH --account=lab$/m);
  assert.match(script, /^#SBATCH --time=01:30:00$/m);
  assert.match(script, /^#SBATCH --job-name=headroom\/llama-3-8b\/vllm\/sharegpt\/tp2-pp1$/m);
  assert.match(script, /^#SBATCH --output=\/shared\/cache\/logs\/slurm\/llama-3-8b_vllm_sharegpt_tp2-pp1-%j\.out$/m);
  assert.match(script, /^cd \/shared\/headroom$/m);
  assert.match(
    script,
    /^npx zx run\.mjs \/w\/grid\.yml --only llama-3-8b\/vllm\/sharegpt\/tp2-pp1 --executor local --cache \/shared\/cache \|\| status=\$\?$/m,
  );
});

test('formatSbatchScript asks for no GPU, partition or account when there are none', () => {
  const script = formatSbatchScript(makeJob('m/sim/t/tp1-pp1', 0), {
    ...base, settings: { ...settings, partition: null, account: null },
  });
  assert.not.match(script, /--gres/);
  assert.not.match(script, /--partition/);
  assert.not.match(script, /--account/);
  assert.match(script, /^export CUDA_VISIBLE_DEVICES=$/m);
});

test('formatSbatchScript turns extra sbatch arguments into one #SBATCH line per option', () => {
  const script = formatSbatchScript(makeJob('m/s/t/tp1-pp1', 1), {
    ...base, settings: { ...settings, sbatchArgs: ['--qos', 'high', '--constraint=h100', '--comment', 'two words'] },
  });
  assert.match(script, /^#SBATCH --qos high\n#SBATCH --constraint=h100\n#SBATCH --comment "two words"$/m);
});

test('formatSbatchScript double-quotes an output path with blanks (sbatch keeps quoted words whole)', () => {
  const script = formatSbatchScript(makeJob('m/s/t/tp1-pp1', 1), { ...base, cacheDir: '/shared/my cache' });
  assert.match(script, /^#SBATCH --output="\/shared\/my cache\/logs\/slurm\/m_s_t_tp1-pp1-%j\.out"$/m);
  assert.match(script, /^echo "\$status" > '\/shared\/my cache\/logs\/slurm\/m_s_t_tp1-pp1'-"\$SLURM_JOB_ID"\.exit$/m);
});

test('formatSbatchScript asks for 4 CPUs per GPU (at least 2) unless the workflow says how many', () => {
  assert.match(formatSbatchScript(makeJob('m/s/t/tp2', 2), base), /^#SBATCH --cpus-per-task=8$/m);
  assert.match(formatSbatchScript(makeJob('m/s/t/sim', 0), base), /^#SBATCH --cpus-per-task=2$/m);
  for (const args of [['--cpus-per-task=16'], ['-c', '16'], ['-c16'], ['--cpus-per-gpu', '6'], ['--exclusive']]) {
    const script = formatSbatchScript(makeJob('m/s/t/tp2', 2), { ...base, settings: { ...settings, sbatchArgs: args } });
    assert.not.match(script, /--cpus-per-task=8/, args.join(' '));
  }
});

test('formatSbatchScript is pure: the same job gives the same text', () => {
  const job = makeJob('m/s/t/tp1-pp1', 1);
  assert.is(formatSbatchScript(job, base), formatSbatchScript(job, base));
});

test('the batch script runs the job command with Slurm GPUs and leaves its exit status in the cache', async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'headroom-sbatch-'));
  try {
    await mkdir(join(cacheDir, 'logs', 'slurm'), { recursive: true });
    const run = async (id: string, gpus: number, env: NodeJS.ProcessEnv) => {
      const file = join(cacheDir, `${formatJobFileName(id)}.sbatch`);
      const script = formatSbatchScript(makeJob(id, gpus), {
        ...base, cacheDir, repoRoot, command: ['bash', standIn, '{jobId}', '{cacheDir}'],
      });
      await writeFile(file, script);
      return bash([file], { STAND_IN_SLEEP_S: '0', ...env });
    };
    const ok = await run("it's/a/job", 2, { SLURM_JOB_ID: '41', CUDA_VISIBLE_DEVICES: '2,3' });
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /headroom: job it's\/a\/job as Slurm job 41 on .* with CUDA_VISIBLE_DEVICES=2,3/);
    assert.match(await readFile(join(cacheDir, 'stand-in', 'it_s_a_job.done'), 'utf8'), /^job=it's\/a\/job\ncuda_visible_devices=2,3\n/);
    assert.is(await readFile(join(cacheDir, 'logs', 'slurm', 'it_s_a_job-41.exit'), 'utf8'), '0\n');

    const broken = await run('x/broken', 0, { SLURM_JOB_ID: '42', CUDA_VISIBLE_DEVICES: '0' });
    assert.is(broken.code, 3);
    assert.is(await readFile(join(cacheDir, 'logs', 'slurm', 'x_broken-42.exit'), 'utf8'), '3\n');

    const noGres = await run('x/gpu', 1, { SLURM_JOB_ID: '43', CUDA_VISIBLE_DEVICES: '' });
    assert.is(noGres.code, 1);
    assert.match(noGres.stderr, /expected Slurm to set CUDA_VISIBLE_DEVICES for 1 GPU\(s\) \(--gres=gpu:1\), found it unset/);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test('formatSlurmTime keeps Slurm forms and converts durations', () => {
  assert.is(formatSlurmTime('90m'), '01:30:00');
  assert.is(formatSlurmTime('2h'), '02:00:00');
  assert.is(formatSlurmTime('36h'), '1-12:00:00');
  assert.is(formatSlurmTime('1.5s'), '00:00:02');
  assert.is(formatSlurmTime('30'), '30');
  assert.is(formatSlurmTime('1-00:00:00'), '1-00:00:00');
  assert.is(formatSlurmTime('04:00:00'), '04:00:00');
  assert.throws(
    () => formatSlurmTime('soon'),
    (e: Error) => e.message === 'Expected the slurm executor\'s `time` to be a duration such as "2h" or Slurm\'s D-HH:MM:SS, got "soon"',
  );
});

test('formatJobCommand fills the job id, workflow and cache into the template', () => {
  const job = makeJob('a/b/c/tp1-pp1', 1);
  assert.equal(formatJobCommand(job, { workflowFile: 'w.yml', cacheDir: '/c' }), [
    'npx', 'zx', 'run.mjs', 'w.yml', '--only', 'a/b/c/tp1-pp1', '--executor', 'local', '--cache', '/c',
  ]);
  assert.equal(formatJobCommand(job, { workflowFile: 'w.yml', cacheDir: '/c', command: ['x', '--job={jobId}@{cacheDir}'] }), [
    'x', '--job=a/b/c/tp1-pp1@/c',
  ]);
});

test('quoteShell words survive a shell unchanged', async () => {
  const words = ['plain', "it's", 'two words', '$HOME', 'a"b', '*', ''];
  const { stdout } = await bash(['-c', `printf '%s\\n' ${words.map(quoteShell).join(' ')}`], {});
  assert.equal(stdout.split('\n').slice(0, -1), words);
});

test.run();
