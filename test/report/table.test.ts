import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBracket, formatCapacityTableHtml, formatValues } from '../../lib/report/table.ts';
import { sharedReportData } from '../fixtures/report/make-cache.ts';

const table = suite('formatCapacityTableHtml');

table('has one row per job x SLO with capacity, bracket and the figures measured at capacity', async () => {
  const { data } = await sharedReportData();
  const html = formatCapacityTableHtml(data.jobs);
  const rows = html.match(/<tr[ >][\s\S]*?<\/tr>/g)!.slice(1);
  assert.is(rows.length, 4);
  assert.match(rows[0], /llama-3-8b\/vllm\/sharegpt\/tp1-pp1<\/td><td>tbt_ttft<\/td><td class="num"><b>2<\/b><\/td><td class="num">\[2, 4\)<\/td>/);
  assert.match(rows[0], /tbt_p90 \d+(\.\d+)? ms, ttft_p90 \d+(\.\d+)? ms/);
  assert.match(rows[0], /4 \(1 cached\)/);
  assert.match(rows[3], /sarathi.*deadline.*<b>4<\/b>.*\[4, 8\).*miss_rate_p99 0/);
});

table('says which jobs have nothing stored, and escapes names from the workflow', async () => {
  const { data } = await sharedReportData();
  const [a, b] = data.jobs;
  const never = { ...a, job: { ...a.job, id: 'm/<sys>/t' }, results: [], cachedRuns: 0 };
  const unfinished = { ...b, results: [], cachedRuns: 3 };
  const html = formatCapacityTableHtml([never, unfinished]);
  assert.match(html, /<td>m\/&lt;sys&gt;\/t<\/td><td>tbt_ttft<\/td><td colspan="5">no cached results<\/td>/);
  assert.match(html, /<td>deadline<\/td><td colspan="5">no finished search \(3 cached runs\)<\/td>/);
  assert.not.match(html, /<sys>/);
});

table.run();

const bracket = suite('formatBracket');

bracket('shows an open end when no probe failed', () => {
  assert.is(formatBracket({ capacityQps: 3.25, failQps: 3.5 }), '[3.25, 3.5)');
  assert.is(formatBracket({ capacityQps: 12, failQps: null }), '[12, &infin;)');
  assert.is(formatBracket({ capacityQps: 0, failQps: 0.5 }), '[0, 0.5)');
});

bracket.run();

const values = suite('formatValues');

values('shows latencies in ms, miss rates as ratios and infinite figures as such', () => {
  const p = { qps: 1, runId: 'r', valid: true, pass: true, cached: false, values: { ttft_p90: 0.2134, tbt_p99: 0.0123456, miss_rate_p99: 0.04, tpot_p90: null } };
  assert.is(formatValues(p), 'ttft_p90 213.4 ms, tbt_p99 12.35 ms, miss_rate_p99 0.04, tpot_p90 &infin;');
});

values.run();
