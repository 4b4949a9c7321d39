// Conformance with Etalon's metric code: a sample always, the full golden file when it is present.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../lib/cli/conformance.ts';

const SAMPLE = fileURLToPath(new URL('../fixtures/store/golden-sample.json', import.meta.url));
// ../shared beside the checkout, where CI puts it; absent on a user's machine.
const FULL = fileURLToPath(new URL('../../../shared/golden/etalon-metrics.json', import.meta.url));

async function runConformance(file: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main([file], (l) => lines.push(l));
  return { code, lines };
}

test('the golden sample passes through the store and its SQL; capacity search cases included', async () => {
  const { code, lines } = await runConformance(SAMPLE);
  assert.equal(lines, ['49 passed, 0 failed']);
  assert.is(code, 0);
});

test('a wrong expectation is reported on its own line and fails the run', async () => {
  const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const cases = JSON.parse(readFileSync(SAMPLE, 'utf8'));
  cases.request_deadline_miss[0].expect_exact.missed += 1;
  cases.slo_runs[0].checks[4].expect.ttft *= 1.001;
  const dir = mkdtempSync(join(tmpdir(), 'headroom-golden-'));
  try {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(cases));
    const { code, lines } = await runConformance(join(dir, 'bad.json'));
    assert.is(code, 1);
    assert.is(lines.filter((l) => l.startsWith('FAIL ')).length, 2, lines.join('\n'));
    assert.match(lines[0], /^FAIL request_deadline_miss\[0\]/);
    assert.is(lines.at(-1), '47 passed, 2 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the full golden file passes (skipped when ../shared/golden is absent)', async () => {
  if (!existsSync(FULL)) {
    console.log(`  skipped: ${FULL} is not here`);
    return;
  }
  const { code, lines } = await runConformance(FULL);
  assert.is(lines.at(-1), '2800 passed, 0 failed', lines.slice(0, 5).join('\n'));
  assert.is(code, 0);
});

test.run();
