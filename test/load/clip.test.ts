import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clipLengths } from '../../lib/load/clip.ts';

test('lengths under the cap are kept', () => {
  assert.equal(clipLengths(100, 50, 4096), [100, 50]);
});

test('the excess is taken from prompt and output in proportion, each share rounded up (Etalon)', () => {
  // total 5000, excess 904: prompt loses ceil(904 * 0.8) = 724, output ceil(904 * 0.2) = 181
  assert.equal(clipLengths(4000, 1000, 4096), [3276, 819]);
  const [p, o] = clipLengths(7000, 3001, 4096);
  assert.ok(p + o <= 4096);
});

test('each side keeps at least one token', () => {
  assert.equal(clipLengths(10000, 1, 100), [99, 1]);
  assert.equal(clipLengths(1, 10000, 100), [1, 99]);
});

test.run();
