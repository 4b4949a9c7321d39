import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundHalfEven } from '../../lib/search/round.ts';

test('roundHalfEven sends exact ties to the even neighbour, as Python does', () => {
  assert.is(roundHalfEven(6.875, 2), 6.88);
  assert.is(roundHalfEven(0.125, 2), 0.12);
  assert.is(roundHalfEven(0.375, 2), 0.38);
  assert.is(roundHalfEven(2.5, 0), 2);
  assert.is(roundHalfEven(3.5, 0), 4);
});

test('roundHalfEven rounds the binary value, not the decimal text', () => {
  // 2.675 is stored as 2.67499999..., 1.005 as 1.00499999..., 6.315 as 6.31500000...04
  assert.is(roundHalfEven(2.675, 2), 2.67);
  assert.is(roundHalfEven(1.005, 2), 1);
  assert.is(roundHalfEven(6.315, 2), 6.32);
  assert.is(roundHalfEven(15.715, 2), 15.71);
});

test('roundHalfEven keeps sign, zero and huge values', () => {
  assert.is(roundHalfEven(-2.675, 2), -2.67);
  assert.is(roundHalfEven(0, 2), 0);
  assert.is(roundHalfEven(1e-7, 2), 0);
  assert.is(roundHalfEven(123456.785, 2), 123456.79);
  assert.is(roundHalfEven(2 ** 60, 2), 2 ** 60);
});

test.run();
