import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { checkCapacitySearchCases } from '../../lib/search/golden.ts';

const FIXTURE = new URL('../fixtures/search/capacity-search-cases.json', import.meta.url);
const SHARED_GOLDEN = fileURLToPath(new URL('../../../shared/golden/etalon-metrics.json', import.meta.url));

test('checkCapacitySearchCases reproduces the copied golden cases', () => {
  const cases = JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown[];
  const result = checkCapacitySearchCases(cases);
  assert.equal(result.failures, []);
  assert.is(result.passed, cases.length);
  assert.ok(cases.length >= 10);
});

test('checkCapacitySearchCases reproduces every case of the full golden file when present', () => {
  if (!existsSync(SHARED_GOLDEN)) return;
  const cases = JSON.parse(readFileSync(SHARED_GOLDEN, 'utf8')).capacity_search as unknown[];
  const result = checkCapacitySearchCases(cases);
  assert.equal(result.failures, []);
  assert.is(result.passed, cases.length);
});

test('checkCapacitySearchCases reports a wrong expectation and a malformed case', () => {
  const cases = JSON.parse(readFileSync(FIXTURE, 'utf8')) as any[];
  const wrong = structuredClone(cases[0]);
  wrong.expect.probes[1] += 0.01;
  const result = checkCapacitySearchCases([wrong, { start_qps: 1 }]);
  assert.is(result.passed, 0);
  assert.is(result.failed, 2);
  assert.match(result.failures[0], /probes differ at #1/);
  assert.match(result.failures[1], /expected `true_capacity` to be a number/);
});

test.run();
