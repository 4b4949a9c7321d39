import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFlagName, formatFlags } from '../../lib/engines/flags.ts';

test('camelCase keys become kebab or snake case; spelled-out keys stay as written', () => {
  assert.is(formatFlagName('maxNumSeqs', 'kebab'), '--max-num-seqs');
  assert.is(formatFlagName('maxNumSeqs', 'snake'), '--max_num_seqs');
  assert.is(formatFlagName('max_num_seqs', 'kebab'), '--max_num_seqs');
  assert.is(formatFlagName('--max-num-seqs', 'snake'), '--max-num-seqs');
  assert.is(formatFlagName('port', 'kebab'), '--port');
});

test('true gives a bare flag, false omits it, other values follow the flag', () => {
  assert.equal(formatFlags({ a: true, b: false, c: 3, d: 'x y' }, 'kebab'), ['--a', '--c', '3', '--d', 'x y']);
});

test.run();
