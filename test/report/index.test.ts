import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeReport } from '../../lib/report/index.ts';
import { readWorkflow } from '../../lib/workflow/read.ts';
import { fingerprintJobs } from '../../lib/plan/plan.ts';
import { FIXTURE_WORKFLOW, sharedReport, sharedReportCache } from '../fixtures/report/make-cache.ts';
import { markItems } from './svg.ts';

const write = suite('writeReport');

write('writes reports/<workflow>/index.html and every chart beside it as its own SVG', async () => {
  const c = await sharedReportCache();
  const file = await sharedReport();
  assert.is(file, join(c.cacheDir, 'reports', 'report-fixture', 'index.html'));
  assert.equal(readdirSync(dirname(file)).sort(), [
    'capacity.svg', 'cdf-deadline.svg', 'cdf-tbt_ttft.svg', 'gauges.svg', 'index.html', 'prefill-llama-3-8b-vllm.svg',
    'slo-deadline.svg', 'slo-tbt_ttft.svg', 'timeline.svg',
  ]);
  const html = readFileSync(file, 'utf8');
  for (const svg of readdirSync(dirname(file)).filter((f) => f.endsWith('.svg'))) {
    const text = readFileSync(join(dirname(file), svg), 'utf8');
    assert.match(text, /^<svg /, svg);
    assert.match(html, new RegExp(`<a href="${svg}">`), `${svg} linked from the page`);
  }
  assert.is(markItems(readFileSync(join(dirname(file), 'capacity.svg'), 'utf8'), 'rect').length, 4);
  assert.match(html, /2026-01-02T03:04:05.000Z/);
});

write('replaces an earlier report whole, so charts that no longer apply do not linger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-report-index-'));
  try {
    const out = join(dir, 'reports', 'report-fixture');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'slo-gone.svg'), '<svg/>');
    const { workflow, jobs } = readWorkflow(FIXTURE_WORKFLOW);
    const planned = await fingerprintJobs(workflow, jobs, dir);
    const file = await writeReport(workflow, planned, { cacheDir: dir });
    assert.equal(readdirSync(out), ['index.html']);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /no cached results/);
    assert.not.match(html, /<svg/);
    assert.equal(readdirSync(join(dir, 'reports')), ['report-fixture'], 'no temp folders left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

write.run();
