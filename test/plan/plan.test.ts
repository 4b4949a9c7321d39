import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSlo } from '../../lib/plan/plan.ts';
import type { Slo } from '../../lib/types.ts';

const scope = { models: null, systems: null, traces: null };

test('an SLO line says whether its TTFT bound is dynamic (minus the predicted prefill) or fixed', () => {
  const fixed: Slo = { name: 'tpot', type: 'ttft_tpot', ttft: { maxNs: 300e6, percentile: 0.9 }, tpot: { maxNs: 30e6, percentile: 0.9 }, appliesTo: scope };
  const dynamic: Slo = { ...fixed, name: 'tpot-dyn', ttft: { maxNs: 300e6, percentile: 0.9, minusPredictedPrefill: true } };
  const tbt: Slo = { name: 'tbt-dyn', type: 'tbt_ttft', tbt: { maxNs: 30e6, percentile: 0.99 }, ttft: { maxNs: 300e6, percentile: 0.9, minusPredictedPrefill: true }, appliesTo: scope };
  assert.match(formatSlo(fixed), /^tpot: TTFT p90 <= 300ms and TPOT p90 <= 30ms$/);
  assert.match(formatSlo(dynamic), /^tpot-dyn: TTFT - predicted prefill p90 <= 300ms and TPOT p90 <= 30ms$/);
  assert.match(formatSlo(tbt), /and TTFT - predicted prefill p90 <= 300ms$/);
});

test.run();
