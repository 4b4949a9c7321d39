import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/report.ts';
import { UsageError } from '../../lib/cli/exit-codes.ts';
import { FIXTURE_WORKFLOW } from '../fixtures/report/make-cache.ts';

const cli = suite('report main');

async function usageError(argv: string[]): Promise<string> {
  try {
    await main(argv, () => {});
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

cli('refuses a missing or extra workflow file, unknown options and empty folders as usage errors', async () => {
  assert.match(await usageError([]), /expected one workflow file, got none/);
  assert.match(await usageError(['a.yml', 'b.yml']), /expected one workflow file, got a\.yml b\.yml/);
  assert.match(await usageError([FIXTURE_WORKFLOW, '--qps', '2']), /report: Unknown option '--qps'/);
  assert.match(await usageError([FIXTURE_WORKFLOW, '--csv', '']), /--csv expects a folder/);
});

cli('writes the report from the cache without running anything, and exports the views it is asked for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-report-cli-'));
  try {
    const lines: string[] = [];
    const code = await main([FIXTURE_WORKFLOW, '--cache', join(dir, 'cache'), '--csv', join(dir, 'csv')], (l) => lines.push(l));
    assert.is(code, 0);
    const html = readFileSync(join(dir, 'cache', 'reports', 'report-fixture', 'index.html'), 'utf8');
    assert.is((html.match(/no cached results/g) ?? []).length, 4, 'two jobs x two SLOs, none run');
    assert.equal(readdirSync(join(dir, 'cache', 'runs')), [], 'nothing was benchmarked');
    assert.ok(existsSync(join(dir, 'csv', 'runs.csv')));
    assert.match(readFileSync(join(dir, 'csv', 'runs.csv'), 'utf8'), /^run_id,fingerprint,qps,/);
    assert.match(lines[0], /^report: .*index\.html$/);
    assert.is(lines.filter((l) => l.startsWith('exported: ')).length, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli.run();
