import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SIM_SETTINGS, NO_FAULTS, normalizeSimSettings, validateSimSettings } from '../../lib/sim/defaults.ts';

test('the token budget defaults by scheduler, as Etalon ran them', () => {
  assert.is(normalizeSimSettings().maxNumBatchedTokens, 32768);
  assert.is(normalizeSimSettings({ scheduler: 'sarathi' }).maxNumBatchedTokens, 512);
  assert.is(normalizeSimSettings({ scheduler: 'sarathi', maxNumBatchedTokens: null }).maxNumBatchedTokens, 512);
  assert.is(normalizeSimSettings({ scheduler: 'sarathi', maxNumBatchedTokens: 2048 }).maxNumBatchedTokens, 2048);
});

test('faults merge field by field over no faults', () => {
  const s = normalizeSimSettings({ faults: { errorRate: 0.5 } });
  assert.equal(s.faults, { ...NO_FAULTS, errorRate: 0.5 });
  assert.equal(normalizeSimSettings(), DEFAULT_SIM_SETTINGS);
});

test('validateSimSettings names every bad field', () => {
  validateSimSettings(normalizeSimSettings());
  const bad = normalizeSimSettings({ scheduler: 'orca' as 'vllm', maxNumSeqs: 0, faults: { errorRate: 2 } });
  assert.throws(() => validateSimSettings(bad), (e: Error) =>
    /scheduler: expected "vllm" or "sarathi", got "orca"/.test(e.message) && /maxNumSeqs: expected a positive integer, got 0/.test(e.message) && /faults.errorRate/.test(e.message));
});

test.run();
