import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../lib/load/prng.ts';
import { createZipf } from '../../lib/load/zipf.ts';

test('zipf samples follow (v - min + 1)^-theta over [min, max] within sampling error', () => {
  const zipf = createZipf(10, 19, 1.2);
  const rng = createRng(7, 'zipf');
  const counts = new Array(10).fill(0);
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const v = zipf.sample(rng);
    assert.ok(v >= 10 && v <= 19, `value ${v} out of range`);
    counts[v - 10]++;
  }
  let norm = 0;
  for (let k = 1; k <= 10; k++) norm += k ** -1.2;
  for (let k = 1; k <= 10; k++) {
    const expected = k ** -1.2 / norm;
    const observed = counts[k - 1] / n;
    const sigma = Math.sqrt((expected * (1 - expected)) / n);
    assert.ok(Math.abs(observed - expected) < 5 * sigma, `P(${9 + k}) = ${observed}, expected ${expected}`);
    assert.ok(Math.abs(zipf.probability(9 + k) - expected) < 1e-12);
  }
  // Heavier first rank than second, by exactly 2^theta in expectation.
  assert.ok(Math.abs(counts[0] / counts[1] - 2 ** 1.2) < 0.05);
});

test('zipf with theta 0 is uniform and with min = max is constant', () => {
  const flat = createZipf(1, 4, 0);
  for (let v = 1; v <= 4; v++) assert.ok(Math.abs(flat.probability(v) - 0.25) < 1e-12);
  const one = createZipf(5, 5, 2);
  assert.is(one.sample(createRng(1)), 5);
});

test('zipf rejects an inverted range and a negative theta', () => {
  assert.throws(() => createZipf(10, 5, 1), /min <= max, got \[10, 5\]/);
  assert.throws(() => createZipf(1, 5, -1), /theta >= 0, got -1/);
});

test.run();
