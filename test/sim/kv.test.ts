import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvCache } from '../../lib/sim/kv.ts';

test('admission keeps the 1% watermark free; appends may use it', () => {
  const kv = new KvCache(1000, 16);
  assert.is(kv.watermarkBlocks, 10);
  assert.is(kv.blocksFor(16), 1);
  assert.is(kv.blocksFor(17), 2);
  assert.ok(kv.canAdmit(990 * 16));
  assert.not.ok(kv.canAdmit(990 * 16 + 1));
  kv.take(995);
  assert.not.ok(kv.canAdmit(1));
  kv.take(5);
  assert.is(kv.usage(), 1);
  assert.throws(() => kv.take(1), /asked for 1 blocks, 0 free/);
  kv.give(500);
  assert.is(kv.usage(), 0.5);
});

test('a sequence larger than the cache minus the watermark never fits', () => {
  const kv = new KvCache(100, 16);
  assert.ok(kv.fitsEver(99 * 16));
  assert.not.ok(kv.fitsEver(99 * 16 + 1));
  assert.throws(() => new KvCache(0, 16), /does not fit in GPU memory/);
});

test.run();
