import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileFingerprint } from '../../lib/profile/fingerprint.ts';
import { simJob } from '../fixtures/profile/sim-job.ts';

test('profileFingerprint ignores the trace and SLOs but not the scheduler or the profiled lengths', () => {
  const base = simJob();
  const otherTrace = { ...base, trace: { ...base.trace, name: 'other', seed: 7 }, slos: [] };
  assert.is(profileFingerprint(otherTrace), profileFingerprint(base));
  assert.is(profileFingerprint(base), profileFingerprint(simJob()));
  assert.is.not(profileFingerprint(simJob({ sim: { scheduler: 'sarathi' } })), profileFingerprint(base));
  assert.is.not(profileFingerprint(simJob({ profile: { lengths: [256, 512, 1024, 2048] } })), profileFingerprint(base));
  assert.match(profileFingerprint(base), /^[0-9a-f]{16}$/);
});

test.run();
