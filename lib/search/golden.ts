// Conformance of the `etalon` strategy with Etalon's own search: each golden case runs the search against a
// threshold oracle (a QPS passes iff it is <= true_capacity) and must probe the same QPS values in the same
// order and answer the same capacity.

import { nextEtalonQps, readEtalonResult, recordEtalon, startEtalon } from './etalon.ts';

interface CapacitySearchCase {
  true_capacity: number;
  start_qps: number;
  max_iterations: number;
  min_search_granularity: number;
  expect: { probes: number[]; max_qps_under_slo: number | null };
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Returns the case in typed form, or a sentence saying what is wrong with it. */
function parseCase(raw: unknown): CapacitySearchCase | string {
  if (typeof raw !== 'object' || raw === null) return `expected an object, got ${JSON.stringify(raw)}`;
  const c = raw as Record<string, unknown>;
  for (const key of ['true_capacity', 'start_qps', 'max_iterations', 'min_search_granularity']) {
    if (!isNumber(c[key])) return `expected \`${key}\` to be a number, got ${JSON.stringify(c[key])}`;
  }
  const expect = c.expect as Record<string, unknown> | undefined;
  if (typeof expect !== 'object' || expect === null) return `expected \`expect\` to be an object`;
  if (!Array.isArray(expect.probes) || !expect.probes.every(isNumber)) return `expected \`expect.probes\` to be numbers`;
  const answer = expect.max_qps_under_slo;
  if (answer !== null && answer !== undefined && !isNumber(answer)) {
    return `expected \`expect.max_qps_under_slo\` to be a number or null, got ${JSON.stringify(answer)}`;
  }
  return c as unknown as CapacitySearchCase;
}

/** Replays every capacity_search case of Etalon's golden file; failures describe the first difference. */
export function checkCapacitySearchCases(cases: unknown[]): { passed: number; failed: number; failures: string[] } {
  const failures: string[] = [];
  let passed = 0;
  for (const [i, raw] of cases.entries()) {
    const c = parseCase(raw);
    if (typeof c === 'string') {
      failures.push(`capacity_search[${i}]: ${c}`);
      continue;
    }
    const state = startEtalon({
      startQps: c.start_qps,
      maxIterations: c.max_iterations,
      granularityPct: c.min_search_granularity,
    });
    for (let qps = nextEtalonQps(state); qps !== null; qps = nextEtalonQps(state)) {
      recordEtalon(state, qps, qps <= c.true_capacity);
    }
    const result = readEtalonResult(state);
    const probes = result.probes.map((p) => p.qps);
    const wantAnswer = c.expect.max_qps_under_slo ?? 0;
    const label = `capacity_search[${i}] (true capacity ${c.true_capacity}, start ${c.start_qps})`;
    if (probes.length !== c.expect.probes.length || probes.some((q, k) => q !== c.expect.probes[k])) {
      const k = probes.findIndex((q, j) => q !== c.expect.probes[j]);
      const at = k === -1 ? Math.min(probes.length, c.expect.probes.length) : k;
      failures.push(
        `${label}: probes differ at #${at}: expected ${JSON.stringify(c.expect.probes)}, got ${JSON.stringify(probes)}`,
      );
    } else if (result.capacityQps !== wantAnswer) {
      failures.push(`${label}: expected capacity ${wantAnswer}, got ${result.capacityQps}`);
    } else {
      passed += 1;
    }
  }
  return { passed, failed: failures.length, failures };
}
