import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listProfiles, readCpuProfile, readHardwareProfile, readModelProfile } from '../../lib/sim/profiles.ts';

test('the shipped profiles are listed by kind', () => {
  assert.equal(listProfiles('models'), ['llama-3-70b', 'llama-3-8b', 'mixtral-8x7b']);
  assert.equal(listProfiles('hardware'), ['a100', 'h100', 'h200']);
  assert.equal(listProfiles('cpu'), ['none', 'vllm-0.5', 'vllm-0.6+']);
});

test('every profile reads and carries its own name', () => {
  for (const n of listProfiles('models')) assert.is(readModelProfile(n).name, n);
  for (const n of listProfiles('hardware')) assert.is(readHardwareProfile(n).name, n);
  for (const n of listProfiles('cpu')) assert.is(readCpuProfile(n).name, n);
});

test('an unknown profile name lists the known ones', () => {
  assert.throws(() => readModelProfile('llama-9'), /Unknown simulator model profile `llama-9`: expected one of `llama-3-70b`, `llama-3-8b`, `mixtral-8x7b`/);
  assert.throws(() => readHardwareProfile('b200'), /hardware profile `b200`.*`h100`/);
});

test.run();
