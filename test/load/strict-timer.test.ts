import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setStrictTimeout } from '../../lib/load/strict-timer.ts';

test('a delay past the 2^31 - 1 ms limit does not fire at once (plain setTimeout would)', async () => {
  let fired = false;
  const t = setStrictTimeout(() => (fired = true), 2 ** 31 + 10_000);
  await new Promise((r) => setTimeout(r, 30));
  t.clear();
  assert.not.ok(fired);
});

test('a short delay fires after it, and clear stops it', async () => {
  const t0 = performance.now();
  await new Promise<void>((resolve) => setStrictTimeout(resolve, 20));
  assert.ok(performance.now() - t0 >= 19);
  let fired = false;
  setStrictTimeout(() => (fired = true), 5).clear();
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(fired);
});

test.run();
