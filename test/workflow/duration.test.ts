import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDuration, formatDuration } from '../../lib/workflow/duration.ts';

test('parseDuration reads each unit into integer nanoseconds', () => {
  assert.is(parseDuration('30ms'), 30_000_000);
  assert.is(parseDuration('1.5s'), 1_500_000_000);
  assert.is(parseDuration('250us'), 250_000);
  assert.is(parseDuration('7ns'), 7);
  assert.is(parseDuration('2m30s'), 150e9);
  assert.is(parseDuration('1h'), 3600e9);
});

test('parseDuration refuses bare numbers, unknown units and junk', () => {
  for (const bad of ['30', '', 'ms', '3 ms', '1.5sec', '-1s', '1s2', 'abc']) assert.is(parseDuration(bad), null, bad);
});

test('formatDuration round-trips through parseDuration', () => {
  for (const ns of [30e6, 1.5e9, 300e6, 120e9, 250e3, 12]) assert.is(parseDuration(formatDuration(ns)), ns);
});

test.run();
