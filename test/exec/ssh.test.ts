// The ssh executor over a stand-in for ssh that runs the remote command on this machine (what sshd would do),
// so placement, retries, the remote script and copying runs back are checked in the default test run.
// test/exec/ssh.heavy.ts runs the same scenarios through a real sshd.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSsh } from '../../lib/exec/ssh.ts';
import { makeJob } from '../fixtures/slurm/make-job.ts';
import { checkSshAbort, checkSshGrid } from '../fixtures/ssh/scenario.ts';

const fakeSsh = resolve(import.meta.dirname, '../fixtures/ssh/fake-ssh.sh');
const scenario = { ssh: [fakeSsh, '-o', 'BatchMode=yes'], hosts: ['alpha', 'beta'] as [string, string] };

test('runSsh places jobs on aligned free GPUs, retries the failed one and copies runs back', () => checkSshGrid(scenario));

test('runSsh stops the remote command on abort and still copies what it wrote', () => checkSshAbort(scenario));

test('runSsh stops using a host that cannot be reached and moves its jobs to the others', async () => {
  const root = await mkdtemp(join(tmpdir(), 'headroom-ssh-dead-'));
  try {
    const workflowFile = join(root, 'grid.yml');
    await writeFile(workflowFile, 'name: grid\n');
    await mkdir(join(root, 'a'));
    const lines: string[] = [];
    const jobs = ['m/s/t/a', 'm/s/t/b', 'm/s/t/c'].map((id) => makeJob(id, 1));
    const outcomes = await runSsh(jobs, {
      workflowFile,
      repoRoot: root,
      cacheDir: join(root, 'cache'),
      settings: {
        type: 'ssh',
        hosts: [{ host: 'unreachable', gpus: [0, 1], workdir: join(root, 'x') }, { host: 'alpha', gpus: [0, 1], workdir: join(root, 'a') }],
      },
      command: ['true'],
      ssh: [fakeSsh],
      log: (line) => lines.push(line),
    });
    const all = lines.join('\n');
    for (const job of jobs) {
      assert.is(outcomes.get(job.id)?.state, 'COMPLETED', all);
      assert.is(outcomes.get(job.id)?.host, 'alpha');
    }
    assert.match(all, /ssh: no more jobs for unreachable: 2 attempts in a row failed before their command started/);
    assert.match(all, /Connection refused/);
    assert.match(all, /ssh: m\/s\/t\/a did not start on unreachable; queued again/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test.run();
