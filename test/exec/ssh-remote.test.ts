import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatRemoteWorkflowPath, formatSshJobScript, formatUploadScript, parseRemotePgid, quoteRemotePath, runRemote,
  stripRemotePgid,
} from '../../lib/exec/ssh-remote.ts';

const fakeSsh = resolve(import.meta.dirname, '../fixtures/ssh/fake-ssh.sh');

function sh(script: string, env: NodeJS.ProcessEnv = {}, input = ''): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const child = execFile('sh', ['-c', script], { env: { ...process.env, ...env } }, (error, stdout) =>
      done({ code: error ? Number(error.code) : 0, stdout }));
    // A script that exits without reading its input closes the pipe first: that EPIPE is not a failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

test('quoteRemotePath keeps ~/ meaning the remote home and quotes the rest', async () => {
  const { stdout } = await sh(
    `printf '%s\\n' ${quoteRemotePath('~/my dir/x')} ${quoteRemotePath('~')} ${quoteRemotePath("/a b/'c'")}`,
    { HOME: '/home/u' },
  );
  assert.is(stdout, "/home/u/my dir/x\n/home/u\n/a b/'c'\n");
});

test('formatRemoteWorkflowPath keeps the path inside the checkout, and puts outside files under .headroom/', () => {
  assert.is(formatRemoteWorkflowPath('/src/headroom/workflows/a.yml', '/src/headroom'), 'workflows/a.yml');
  assert.is(formatRemoteWorkflowPath('/elsewhere/b.yml', '/src/headroom'), '.headroom/b.yml');
});

test('the job script runs the command in the workdir with its GPUs, in a session it names first, after the mark', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'headroom-remote-'));
  try {
    await mkdir(join(dir, 'work'));
    const script = formatSshJobScript({
      workdir: join(dir, 'work'), remoteCacheDir: 'my cache', markName: '.headroom-mark-x', gpus: [2, 3],
      command: ['sh', '-c', 'echo "$CUDA_VISIBLE_DEVICES $(pwd) $(ps -o sid= -p $$)"; exit 5'],
    });
    const { code, stdout } = await sh(script);
    assert.is(code, 5);
    const pgid = parseRemotePgid(stdout);
    assert.ok(pgid !== null, stdout);
    assert.ok(stdout.startsWith(`headroom-remote-pgid ${pgid}\n`));
    const [cvd, cwd, sid] = stripRemotePgid(stdout).trim().split(/\s+/);
    assert.equal([cvd, cwd, sid], ['2,3', join(dir, 'work'), pgid]);
    assert.equal(await readdir(join(dir, 'work', 'my cache'), { withFileTypes: false }), ['.headroom-mark-x']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the upload script writes stdin to the workflow place under workdir, creating folders', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'headroom-upload-'));
  try {
    const { code } = await sh(formatUploadScript(dir, 'workflows/deep/a b.yml'), {}, 'name: x\n');
    assert.is(code, 0);
    assert.is(await readFile(join(dir, 'workflows/deep/a b.yml'), 'utf8'), 'name: x\n');
    assert.equal(await readdir(join(dir, 'workflows/deep')), ['a b.yml']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('runRemote gives the exit status, the output, and 127 when ssh itself is missing', async () => {
  let out = '';
  const code = await runRemote([fakeSsh], 'alpha', 'echo hi; echo "it\'s" >&2; exit 4', Buffer.from(''), (c) => (out += c));
  assert.is(code, 4);
  assert.match(out, /hi/);
  assert.match(out, /it's/);
  assert.is(await runRemote(['headroom-no-such-ssh'], 'h', 'true'), 127);
});

test.run();
