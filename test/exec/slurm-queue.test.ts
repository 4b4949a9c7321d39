import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSacct, parseSqueue, readExitFile, runCommand } from '../../lib/exec/slurm-queue.ts';

test('parseSqueue reads state, reason and nodes by job id', () => {
  const states = parseSqueue('12|PENDING|Priority|\n13|RUNNING|None|gpu-node-1\n14|FAILED|NonZeroExitCode|gpu-node-2\n\n');
  assert.equal(states.get('12'), { state: 'PENDING', reason: 'Priority', nodes: null });
  assert.equal(states.get('13'), { state: 'RUNNING', reason: null, nodes: 'gpu-node-1' });
  assert.equal(states.get('14'), { state: 'FAILED', reason: 'NonZeroExitCode', nodes: 'gpu-node-2' });
  assert.is(states.size, 3);
});

test('parseSacct keeps the first word of states such as "CANCELLED by 1000"', () => {
  const states = parseSacct('20|CANCELLED by 1000\n21|PREEMPTED\n');
  assert.is(states.get('20')?.state, 'CANCELLED');
  assert.is(states.get('21')?.state, 'PREEMPTED');
});

test('readExitFile turns the batch script exit status into COMPLETED or FAILED, and nothing into null', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'headroom-exit-'));
  try {
    await writeFile(join(dir, 'ok.exit'), '0\n');
    await writeFile(join(dir, 'bad.exit'), '7\n');
    await writeFile(join(dir, 'half.exit'), '');
    assert.is((await readExitFile(join(dir, 'ok.exit')))?.state, 'COMPLETED');
    assert.equal(await readExitFile(join(dir, 'bad.exit')), { state: 'FAILED', reason: 'exit status 7', nodes: null });
    assert.is(await readExitFile(join(dir, 'half.exit')), null);
    assert.is(await readExitFile(join(dir, 'none.exit')), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('runCommand reports a missing program as exit 127 instead of throwing', async () => {
  const result = await runCommand('headroom-no-such-program', []);
  assert.is(result.code, 127);
  assert.match(result.stderr, /ENOENT/);
  const ok = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 4']);
  assert.equal(ok, { code: 4, stdout: 'out\n', stderr: 'err\n' });
});

test.run();
