import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFetchScript, moveIntoCache } from '../../lib/exec/ssh-fetch.ts';

async function write(path: string, text: string, old = false): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  if (old) await utimes(path, new Date(Date.now() - 3600e3), new Date(Date.now() - 3600e3));
}

function listTar(script: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `(${script}) | tar -tf -`], (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve(stdout.split('\n').filter(Boolean).sort()));
  });
}

test('formatFetchScript sends the files newer than the mark, minus temp work and the catalog, then drops the mark', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'headroom-fetch-'));
  try {
    const cache = join(dir, 'my cache');
    await write(join(cache, 'runs/old/run.parquet'), 'old', true);
    await write(join(cache, '.headroom-mark-1'), '', true);
    await write(join(cache, 'runs/new/run.parquet'), 'new');
    await write(join(cache, 'runs/new/requests.parquet'), 'new');
    await write(join(cache, 'tmp/host-1-abc/run.parquet'), 'wip');
    await write(join(cache, 'headroom.duckdb'), 'catalog');
    await write(join(cache, 'headroom.duckdb.tmp-1-2'), 'catalog');
    await write(join(cache, 'logs/ssh/.x.swp'), 'hidden');
    await write(join(cache, 'logs/engine.log'), 'log');
    await write(join(cache, 'reports/w/index.html'), 'report');
    const files = await listTar(formatFetchScript(cache, '.headroom-mark-1'));
    assert.equal(files, ['./logs/engine.log', './runs/new/requests.parquet', './runs/new/run.parquet']);
    assert.not.ok((await readdir(cache)).includes('.headroom-mark-1'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('moveIntoCache moves run folders whole, keeps runs already there, and files one by one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'headroom-move-'));
  try {
    const incoming = join(dir, 'incoming');
    const cache = join(dir, 'cache');
    await write(join(incoming, 'runs/r1/run.parquet'), 'r1');
    await write(join(incoming, 'runs/r1/requests.parquet'), 'r1');
    await write(join(incoming, 'runs/r2/run.parquet'), 'copied');
    await write(join(cache, 'runs/r2/run.parquet'), 'kept');
    await write(join(incoming, 'logs/ssh/a.log'), 'log');
    const moved = await moveIntoCache(incoming, cache);
    assert.equal(moved.sort(), ['logs/ssh/a.log', 'runs/r1']);
    assert.equal((await readdir(join(cache, 'runs/r1'))).sort(), ['requests.parquet', 'run.parquet']);
    assert.is(await readFile(join(cache, 'runs/r2/run.parquet'), 'utf8'), 'kept');
    assert.is(await readFile(join(cache, 'logs/ssh/a.log'), 'utf8'), 'log');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two fetches bringing the same run at once both finish, and each moves its other files', async () => {
  // Jobs on one host fetch every run newer than their mark, so two fetches can carry the same run; both check
  // that it is absent before either renames it in. The loser must keep the winner's copy and go on.
  const dir = await mkdtemp(join(tmpdir(), 'headroom-move-race-'));
  try {
    const cache = join(dir, 'cache');
    for (let trial = 0; trial < 20; trial++) {
      const a = join(dir, `a${trial}`), b = join(dir, `b${trial}`);
      await write(join(a, `runs/shared${trial}/run.parquet`), 'a');
      await write(join(b, `runs/shared${trial}/run.parquet`), 'b');
      await write(join(a, `stand-in/a${trial}.done`), 'a');
      await write(join(b, `stand-in/b${trial}.done`), 'b');
      const [ma, mb] = await Promise.all([moveIntoCache(a, cache), moveIntoCache(b, cache)]);
      assert.ok(ma.includes(`stand-in/a${trial}.done`) && mb.includes(`stand-in/b${trial}.done`));
      assert.is([...ma, ...mb].filter((m) => m === `runs/shared${trial}`).length, 1, 'the run is moved in once');
      assert.ok(['a', 'b'].includes(await readFile(join(cache, `runs/shared${trial}/run.parquet`), 'utf8')));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
