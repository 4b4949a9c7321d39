import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  planNextProbe, searchHeadroom, startHeadroomSlo, type HeadroomSettings, type ProbeOutcome, type ProbePlan,
} from '../../lib/search/headroom.ts';

const SETTINGS: HeadroomSettings = { startQps: 1, maxIterations: 10, granularityPct: 2.5, minQps: 0.01, maxQps: 10000 };

/**
 * A threshold oracle per SLO, with a "slow zone": a scout above capacity only settles the failure when it is
 * more than slowZone above it (nearer, the failure shows too late for a scout's budget). Full probes are exact.
 */
function oracle(capacities: Record<string, number>, opts: { slowZone?: number; flip?: (qps: number, slo: string) => boolean } = {}) {
  const plans: ProbePlan[] = [];
  const run = (plan: ProbePlan): ProbeOutcome => {
    plans.push(plan);
    const verdicts = new Map<string, boolean>();
    const scouted: string[] = [];
    for (const name of plan.open) {
      let pass = plan.qps <= capacities[name];
      if (opts.flip?.(plan.qps, name)) pass = !pass;
      if (plan.scout && (pass || plan.qps <= capacities[name] * (1 + (opts.slowZone ?? 0)))) scouted.push(name);
      else verdicts.set(name, pass);
    }
    return { verdicts, scouted };
  };
  return { run, plans };
}

test('searchHeadroom brackets each SLO to the granularity around its own capacity', async () => {
  const caps = { a: 0.37, b: 2.2, c: 2.31, d: 41 };
  const o = oracle(caps);
  const result = await searchHeadroom(Object.keys(caps), SETTINGS, o.run);
  for (const [name, cap] of Object.entries(caps)) {
    const b = result.brackets.get(name)!;
    assert.ok(b.passQps! <= cap && b.failQps! > cap, `${name}: [${b.passQps}, ${b.failQps}) vs ${cap}`);
    assert.ok((b.failQps! - b.passQps!) / b.passQps! < 0.025, `${name} too wide`);
  }
  // every pass that counts came from a full probe
  for (const p of result.probes) if (p.scout) assert.ok([...p.verdicts.values()].every((v) => v === false));
});

test('searchHeadroom shares probes: SLOs with close capacities cost little more than one', async () => {
  const one = oracle({ a: 2.2 });
  await searchHeadroom(['a'], SETTINGS, one.run);
  const two = oracle({ a: 2.2, b: 2.21 });
  await searchHeadroom(['a', 'b'], SETTINGS, two.run);
  assert.ok(two.plans.length <= one.plans.length + 2, `${two.plans.length} vs ${one.plans.length}`);
  assert.ok(two.plans.some((p) => p.open.length === 2));
});

test('searchHeadroom backs off when scouts are fooled by failures that settle slowly', async () => {
  const o = oracle({ a: 3.1, b: 1.2 }, { slowZone: 0.6 });
  const result = await searchHeadroom(['a', 'b'], SETTINGS, o.run);
  for (const [name, cap] of [['a', 3.1], ['b', 1.2]] as const) {
    const b = result.brackets.get(name)!;
    assert.ok(b.passQps! <= cap && b.failQps! > cap && (b.failQps! - b.passQps!) / b.passQps! < 0.025, `${name}: [${b.passQps}, ${b.failQps})`);
  }
  const full = o.plans.filter((p) => !p.scout);
  for (const name of ['a', 'b']) assert.ok(full.filter((p) => p.open.includes(name)).length <= 2 * SETTINGS.maxIterations);
});

test('searchHeadroom never claims a pass a probe did not give, with noisy and invalid probes', async () => {
  // verdicts flip at random within 1% of capacity, and a few probes come back failed (an invalid run counts so)
  let seed = 11;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const caps = { a: 1.7, b: 5.3 };
  const flips = new Map<string, boolean>();
  const flip = (qps: number, slo: string) => {
    const key = `${slo}@${qps}`;
    if (!flips.has(key)) {
      const near = Math.abs(qps / caps[slo as 'a' | 'b'] - 1) < 0.01;
      flips.set(key, (near && rand() < 0.5) || rand() < 0.05);
    }
    return flips.get(key)!;
  };
  const o = oracle(caps, { flip });
  const result = await searchHeadroom(['a', 'b'], SETTINGS, o.run);
  for (const [name, cap] of Object.entries(caps)) {
    const b = result.brackets.get(name)!;
    if (b.passQps === null) continue;
    const passes = result.probes.filter((p) => p.verdicts.get(name) === true).map((p) => p.qps);
    assert.ok(passes.includes(b.passQps), `${name}: the capacity is a probe that passed`);
    assert.ok(b.failQps === null || b.passQps < b.failQps);
    assert.ok(b.passQps <= cap * 1.01 || flips.get(`${name}@${b.passQps}`), `${name}: ${b.passQps} vs ${cap}`);
  }
});

test('searchHeadroom stops at the QPS limits: nothing passes at minQps, everything passes up to maxQps', async () => {
  const settings = { ...SETTINGS, minQps: 0.5, maxQps: 20 };
  const o = oracle({ never: 0.1, always: 1e9 });
  const result = await searchHeadroom(['never', 'always'], settings, o.run);
  assert.equal(result.brackets.get('never'), { passQps: null, failQps: 0.5 });
  assert.equal(result.brackets.get('always'), { passQps: 20, failQps: null });
  assert.ok(o.plans.every((p) => p.qps >= 0.5 && p.qps <= 20));
});

test('planNextProbe picks the widest bracket and opens every SLO whose bracket holds the QPS', () => {
  const a = startHeadroomSlo('a', [{ qps: 2, pass: true }, { qps: 8, pass: false }]);
  const b = startHeadroomSlo('b', [{ qps: 2, pass: true }, { qps: 3, pass: false }]);
  const plan = planNextProbe([a, b], SETTINGS)!;
  assert.is(plan.qps, 4);
  assert.equal(plan.open, ['a']);
  const done = startHeadroomSlo('c', [{ qps: 2, pass: true }, { qps: 2.04, pass: false }]);
  assert.is(planNextProbe([done], SETTINGS), null);
  assert.equal(planNextProbe([startHeadroomSlo('d')], SETTINGS), { qps: 1, open: ['d'], scout: true });
});

test('planNextProbe certifies a scouted lower end with a full probe once scouting has narrowed the bracket', () => {
  const s = startHeadroomSlo('a', [{ qps: 4, pass: false }], [3.5]);
  const plan = planNextProbe([s], SETTINGS)!;
  assert.equal(plan, { qps: 3.5, open: ['a'], scout: false });
});

test.run();
