// The ssh executor's scenarios through a real OpenSSH server on 127.0.0.1 that this test starts and stops
// (scripts/ssh-test-host.sh). Needs root and apt (or openssh-server installed). Not part of `npm test`; run
//   node --import tsx node_modules/uvu/bin.js test/exec "ssh\.heavy\.ts$"
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import { checkSshAbort, checkSshGrid, type SshScenario } from '../fixtures/ssh/scenario.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const stateDir = join(tmpdir(), `headroom-ssh-test-${process.pid}`);
const port = process.env.HEADROOM_SSH_PORT ?? '22022';
const env = { ...process.env, HEADROOM_SSH_DIR: stateDir, HEADROOM_SSH_PORT: port };

function host(action: 'start' | 'stop'): Promise<void> {
  return new Promise((done, fail) => {
    execFile('bash', [join(repoRoot, 'scripts/ssh-test-host.sh'), action], { env }, (error, _out, stderr) =>
      error ? fail(new Error(`ssh-test-host.sh ${action} failed (${error.code}):\n${stderr}`)) : done());
  });
}

const scenario: SshScenario = {
  ssh: [
    'ssh', '-i', join(stateDir, 'id_ed25519'), '-p', port, '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
  ],
  // Two names for this machine, each with its own workdir and so its own remote cache.
  hosts: ['root@127.0.0.1', 'root@localhost'],
};

test.before(() => host('start'));
test.after(async () => {
  await host('stop');
  await rm(stateDir, { recursive: true, force: true });
});

test('over real ssh: jobs placed on aligned free GPUs, the failed one retried, runs copied back', () => checkSshGrid(scenario));

test('over real ssh: abort stops the remote command and copies what it wrote', () => checkSshAbort(scenario));

test.run();
