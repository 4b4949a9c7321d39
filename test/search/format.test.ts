import { test } from 'uvu';
import * as assert from 'uvu/assert';
import chalk from 'chalk';
import type { Capacity } from '../../lib/types.ts';
import { formatCapacityTable } from '../../lib/search/format.ts';

const probe = (qps: number, pass: boolean, cached = false) => ({
  qps, runId: `r${qps}`, valid: true, cached, benchmarkSeconds: cached ? 0 : 100,
  verdicts: [{ slo: 'tpot', type: 'ttft_tpot' as const, pass, values: {} }],
});

test('formatCapacityTable shows capacity, bracket, probes and seconds per job and SLO, aligned', () => {
  const level = chalk.level;
  chalk.level = 0;
  try {
    const caps: Capacity[] = [
      { jobId: 'llama/vllm/sharegpt/tp1-pp1', slo: 'ttft_tpot', capacityQps: 2.95, failQps: 3.02, probes: [probe(1, true), probe(4, false), probe(2.95, true, true)], benchmarkSeconds: 1234.5 },
      { jobId: 'llama/vllm/arxiv/tp1-pp1', slo: 'deadline', capacityQps: 0, failQps: 0.01, probes: [probe(0.01, false)], benchmarkSeconds: 12 },
    ];
    const lines = formatCapacityTable(caps).split('\n');
    assert.is(lines.length, 4);
    assert.match(lines[0], /^job +SLO +capacity \(QPS\) +bracket +probes +benchmarked$/);
    assert.match(lines[2], /ttft_tpot +2\.95 +\[2\.95, 3\.02\) +3 \(1 cached\) +1235 s$/);
    assert.match(lines[3], /deadline +none +\[0, 0\.01\) +1 +12\.0 s$/);
    assert.is(lines[2].length, lines[3].length);
  } finally {
    chalk.level = level;
  }
});

test.run();
