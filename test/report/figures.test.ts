import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { draftFigures, fileSafe } from '../../lib/report/figures.ts';
import { openStore } from '../../lib/store/index.ts';
import type { ReportData } from '../../lib/report/model.ts';
import { sharedReportData } from '../fixtures/report/make-cache.ts';

async function drafts(edit: (d: ReportData) => ReportData = (d) => d) {
  const { c, data } = await sharedReportData();
  const store = await openStore(c.cacheDir);
  try {
    return await draftFigures(store, edit(data));
  } finally {
    await store.close();
  }
}

const draft = suite('draftFigures');

draft('lays out every figure the data allows, in page order', async () => {
  const got = await drafts();
  assert.equal(got.map((f) => `${f.section} ${f.file}`), [
    'capacity capacity.svg', 'slo slo-tbt_ttft.svg', 'slo slo-deadline.svg', 'cdf cdf-tbt_ttft.svg', 'cdf cdf-deadline.svg',
    'timeline timeline.svg', 'gauges gauges.svg', 'prefill prefill-llama-3-8b-vllm.svg',
  ]);
  assert.match(got.find((f) => f.section === 'timeline')!.caption, /llama-3-8b\/vllm\/sharegpt\/tp1-pp1 at 2 QPS \(capacity for SLO tbt_ttft\)/);
});

draft('leaves out what has no data: gauges of runs without samples, profiles never measured, jobs never searched', async () => {
  const onlySarathi = await drafts((d) => ({ ...d, jobs: d.jobs.map((j, i) => (i === 0 ? { ...j, results: [], profile: null } : j)) }));
  assert.equal(onlySarathi.map((f) => f.file), ['capacity.svg', 'slo-tbt_ttft.svg', 'slo-deadline.svg', 'cdf-tbt_ttft.svg', 'cdf-deadline.svg', 'timeline.svg']);
  assert.match(onlySarathi.find((f) => f.section === 'timeline')!.caption, /sarathi.* at 4 QPS/);
  assert.equal(await drafts((d) => ({ ...d, jobs: d.jobs.map((j) => ({ ...j, results: [], profile: null })) })), []);
});

draft.run();

const safe = suite('fileSafe');

safe('keeps names readable and free of path separators and leading dots', () => {
  assert.is(fileSafe('tbt_ttft'), 'tbt_ttft');
  assert.is(fileSafe('p99 / 30ms'), 'p99_30ms');
  assert.is(fileSafe('../x'), 'x');
  assert.is(fileSafe('///'), 'x');
});

safe.run();
