import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Slo } from '../../lib/types.ts';
import { formatStopReason, parseStopReason, sloKey } from '../../lib/search/stop-reason.ts';
import { hashKey } from '../../lib/hash.ts';

const ANY = { models: null, systems: null, traces: null };
const tt: Slo = { name: 'tt', type: 'ttft_tpot', ttft: { maxNs: 3e8, percentile: 0.9 }, tpot: { maxNs: 3e7, percentile: 0.9 }, appliesTo: ANY };
const dl: Slo = { name: 'a,b;c', type: 'deadline', tbtNs: 3e7, ttftSlackNs: 3e8, maxMissRate: 0.1, percentile: 0.99, appliesTo: ANY };

test('sloKey names what decides the verdict: bounds and percentiles, not the name or the scope', () => {
  assert.is(sloKey(tt), sloKey({ ...tt, name: 'other', appliesTo: { models: ['x'], systems: null, traces: null } }));
  assert.is.not(sloKey(tt), sloKey({ ...tt, tpot: { maxNs: 4e7, percentile: 0.9 } }));
  assert.is.not(sloKey(tt), sloKey({ ...tt, ttft: { maxNs: 3e8, percentile: 0.99 } }));
  assert.match(sloKey(tt), /^[0-9a-f]{12}$/);
});

test('sloKey tells a dynamic TTFT bound from a fixed one, and a fixed one keeps the key it had before the flag', () => {
  const dyn = { ...tt, ttft: { maxNs: 3e8, percentile: 0.9, minusPredictedPrefill: true } } as Slo;
  assert.is.not(sloKey(dyn), sloKey(tt));
  assert.is(sloKey({ ...tt, ttft: { maxNs: 3e8, percentile: 0.9, minusPredictedPrefill: false } } as Slo), sloKey(tt));
  // the key of this fixed SLO as stored in stop reasons before dynamic bounds existed
  assert.is(sloKey(tt), hashKey({ type: 'ttft_tpot', ttft: { maxNs: 3e8, percentile: 0.9 }, tpot: { maxNs: 3e7, percentile: 0.9 } }, 12));
});

test('formatStopReason and parseStopReason round-trip settled and scouted SLOs, odd names included', () => {
  const text = formatStopReason({ settled: [tt], scouted: [dl] });
  assert.match(text, /^settled:tt#[0-9a-f]{12};scouted:a%2Cb%3Bc#[0-9a-f]{12}$/);
  const parsed = parseStopReason(text);
  assert.equal([...parsed.settled], [sloKey(tt)]);
  assert.equal([...parsed.scouted], [sloKey(dl)]);
  assert.is(formatStopReason({ settled: [], scouted: [] }), 'settled:');
});

test('parseStopReason reads other stop reasons as evidence for nothing', () => {
  for (const text of [null, '', 'settled', 'stopped by user', 'cancelled:x#1']) {
    const p = parseStopReason(text);
    assert.is(p.settled.size + p.scouted.size, 0, String(text));
  }
});

test.run();
