// lib/cli/sql.ts over a real cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../lib/store/index.ts';
import { main } from '../../lib/cli/sql.ts';
import { makeUniformRun } from '../fixtures/store/runs.ts';

let dir: string;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-sqlcli-'));
  const store = await openStore(dir);
  await store.writeRun(makeUniformRun(2, 3));
  await store.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function sql(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await main(args, { cacheDir: dir }, (t) => (text += t));
  return { code, text };
}

test('prints an aligned table with numbers on the right and a row count', async () => {
  const { code, text } = await sql(["SELECT request_idx, status, ttft_s FROM request_metrics ORDER BY 1"]);
  assert.is(code, 0);
  assert.is(text, [
    'request_idx  status  ttft_s',
    '-----------  ------  ------',
    '          0  ok        0.05',
    '          1  ok        0.05',
    '(2 rows)', ''].join('\n'));
});

test('--json gives an array of objects and --csv a header line', async () => {
  const q = "SELECT request_idx, 'a,b' AS s, 'inf'::DOUBLE AS x FROM requests ORDER BY 1 LIMIT 1";
  assert.equal(JSON.parse((await sql([q, '--json'])).text), [{ request_idx: 0, s: 'a,b', x: 'Infinity' }]);
  assert.is((await sql([q, '--csv'])).text, 'request_idx,s,x\n0,"a,b",Infinity\n');
});

test('a missing query or two formats is a usage error', async () => {
  await main([], { cacheDir: dir }).then(() => assert.unreachable(), (e: Error) => assert.is(e.name, 'UsageError'));
  await main(['SELECT 1', '--json', '--csv'], { cacheDir: dir }).then(() => assert.unreachable(), (e: Error) =>
    assert.match(e.message, /at most one of --json and --csv/));
});

test.run();
