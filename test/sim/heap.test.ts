import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MinHeap } from '../../lib/sim/heap.ts';

test('pops in order and removes arbitrary items', () => {
  const h = new MinHeap<number>((a, b) => a - b);
  const xs = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
  for (const x of xs) h.push(x);
  h.remove(xs[17]);
  h.remove(xs[150]);
  h.remove(-1);
  const out: number[] = [];
  while (h.size) out.push(h.pop()!);
  const want = xs.filter((_, i) => i !== 17 && i !== 150).sort((a, b) => a - b);
  assert.equal(out, want);
  assert.is(h.pop(), undefined);
});

test.run();
