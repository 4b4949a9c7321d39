// `conformance <cases.json>`: the golden metric cases (README of the golden folder) through the product's own
// store and SQL. Prints one line per failure, then `N passed, M failed`; returns 1 on any failure.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openStore, type Store } from '../store/index.ts';
import { checkMinTbtCases, checkRequestMissCases, checkSloRunCases, openMetricsInstance, type SectionResult } from '../metrics/golden.ts';

type Checker = (store: Store, instance: DuckDBInstance, cases: any[]) => Promise<SectionResult>;
type PlainChecker = (cases: any[]) => { passed: number; failed: number; failures: string[] } | Promise<{ passed: number; failed: number; failures: string[] }>;

import { checkCapacitySearchCases } from '../search/golden.ts';

/** Sections in file order; a section whose checker is null is reported as skipped, never as passed. */
const SECTIONS: { key: string; check: Checker | null }[] = [
  { key: 'request_deadline_miss', check: checkRequestMissCases },
  { key: 'min_tbt_deadline', check: checkMinTbtCases },
  { key: 'slo_runs', check: checkSloRunCases },
  { key: 'capacity_search', check: plain(checkCapacitySearchCases) },
];

function plain(f: PlainChecker | null): Checker | null {
  if (f === null) return null;
  return async (_store, _instance, cases) => ({ skipped: 0, ...(await f(cases)) });
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [casesFile] = argv;
  if (!casesFile) {
    out('usage: conformance <cases.json>   (golden metric cases, e.g. etalon-metrics.json)');
    return 2;
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(casesFile, 'utf8'));
  } catch (e) {
    out(`cannot read golden cases ${casesFile}: ${(e as Error).message}`);
    return 2;
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'headroom-conformance-'));
  const store = await openStore(cacheDir);
  const instance = await openMetricsInstance();
  let passed = 0, failed = 0;
  const skipped: string[] = [];
  try {
    for (const { key, check } of SECTIONS) {
      const cases = data[key];
      if (!Array.isArray(cases)) continue;
      if (check === null) {
        skipped.push(`${cases.length} ${key}`);
        continue;
      }
      const r = await check(store, instance, cases);
      for (const f of r.failures) out(`FAIL ${f}`);
      passed += r.passed;
      failed += r.failed;
      if (r.skipped > 0) skipped.push(`${r.skipped} ${key}`);
    }
  } finally {
    await store.close();
    instance.closeSync();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  if (skipped.length > 0) out(`skipped (no checker here): ${skipped.join(', ')}`);
  out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
