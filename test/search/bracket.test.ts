import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isInside, isNarrow, readBracket } from '../../lib/search/bracket.ts';

test('readBracket takes the lowest failure and the highest pass below it', () => {
  assert.equal(readBracket([]), { passQps: null, failQps: null });
  assert.equal(readBracket([{ qps: 1, pass: true }, { qps: 4, pass: false }, { qps: 2, pass: true }, { qps: 3, pass: false }]), { passQps: 2, failQps: 3 });
});

test('readBracket does not believe a pass above a failure', () => {
  assert.equal(readBracket([{ qps: 3, pass: false }, { qps: 3.5, pass: true }]), { passQps: null, failQps: 3 });
});

test('isInside and isNarrow', () => {
  const b = { passQps: 2, failQps: 2.04 };
  assert.ok(isInside(b, 2.02));
  assert.not.ok(isInside(b, 2));
  assert.not.ok(isInside(b, 2.04));
  assert.ok(isNarrow(b, 2.5));
  assert.not.ok(isNarrow(b, 1.5));
  assert.not.ok(isNarrow({ passQps: null, failQps: 1 }, 50));
  assert.ok(isInside({ passQps: null, failQps: null }, 1e9));
});

test.run();
