import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextTokensOf, prefillChunkTokensOf, profileSettingsFor } from '../../lib/profile/lengths.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';

test('profileSettingsFor keeps the lengths that fit the context and adds the longest prompt that still fits', () => {
  const job = simJob({ maxModelLen: 8192 });
  assert.equal(profileSettingsFor(job).lengths, [256, 512, 1024, 2048, 4096, 8176]);
  assert.equal(profileSettingsFor(simJob({ maxModelLen: 32768 })).lengths, [256, 512, 1024, 2048, 4096, 8192, 16384]);
});

test('profileSettingsFor stops at the simulated vLLM scheduler\'s token budget, which refuses longer prompts', () => {
  const job = simJob({ sim: { scheduler: 'vllm', maxNumBatchedTokens: 6000 } });
  assert.equal(profileSettingsFor(job).lengths, [256, 512, 1024, 2048, 4096, 6000]);
  const sarathi = simJob({ sim: { scheduler: 'sarathi', maxNumBatchedTokens: 512 } });
  assert.is(profileSettingsFor(sarathi).lengths.at(-1), 16384);
});

test('profileSettingsFor takes the simulated model\'s context when the workflow leaves it open', () => {
  const job = simJob({ maxModelLen: null });
  assert.is(contextTokensOf(job), 8192);
  assert.is(profileSettingsFor(job).lengths.at(-1), 8176);
});

test('profileSettingsFor leaves a real server\'s lengths alone when its context is unknown, sorted and distinct', () => {
  const job = simJob({ maxModelLen: null, system: { engine: 'vllm' }, profile: { lengths: [2048, 256, 2048, 1024] } });
  assert.is(contextTokensOf(job), null);
  assert.equal(profileSettingsFor(job).lengths, [256, 1024, 2048]);
});

test('prefillChunkTokensOf reads the chunk size only where the workflow states it', () => {
  assert.is(prefillChunkTokensOf(simJob({ sim: { scheduler: 'sarathi' } })), 512);
  assert.is(prefillChunkTokensOf(simJob({ sim: { scheduler: 'vllm' } })), null);
  const vllm = (flags: Record<string, string | number | boolean>) => simJob({ system: { engine: 'vllm', flags } });
  assert.is(prefillChunkTokensOf(vllm({ 'enable-chunked-prefill': true, 'max-num-batched-tokens': 512 })), 512);
  assert.is(prefillChunkTokensOf(vllm({ enableChunkedPrefill: true, maxNumBatchedTokens: '2048' })), 2048);
  assert.is(prefillChunkTokensOf(vllm({ 'max-num-batched-tokens': 512 })), null);
  assert.is(prefillChunkTokensOf(vllm({ 'enable-chunked-prefill': true })), null);
  const sglang = simJob({ system: { engine: 'sglang', flags: { 'chunked-prefill-size': 4096 } } });
  assert.is(prefillChunkTokensOf(sglang), 4096);
});

test.run();
