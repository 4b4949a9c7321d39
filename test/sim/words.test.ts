import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contentText, countWords, outputToken, tokenIds } from '../../lib/sim/words.ts';

test('countWords counts whitespace-separated words (the tokenizer contract)', () => {
  assert.is(countWords(''), 0);
  assert.is(countWords('   '), 0);
  assert.is(countWords('one'), 1);
  assert.is(countWords(' the quick\tbrown\n\nfox '), 4);
  assert.is(countWords('a\u00a0b\u3000c'), 3, 'non-breaking and ideographic spaces separate words');
  assert.is(countWords('don\'t stop-me now.'), 3, 'punctuation stays inside its word');
});

test('contentText reads string content and text parts; other parts are refused', () => {
  assert.is(contentText('hi there'), 'hi there');
  assert.is(contentText(null), '');
  assert.is(contentText([{ type: 'text', text: 'a b' }, { type: 'text', text: 'c' }]), 'a b c');
  assert.is(contentText([{ type: 'image_url', image_url: { url: 'x' } }]), null);
  assert.is(contentText(42), null);
});

test('n output tokens read back as n words', () => {
  const text = Array.from({ length: 37 }, (_, i) => outputToken(i)).join('');
  assert.is(countWords(text), 37);
  assert.ok(outputToken(0).startsWith(' '));
});

test('token ids are stable, in the vocabulary, one per word', () => {
  const ids = tokenIds('the cat the', 128256);
  assert.is(ids.length, 3);
  assert.is(ids[0], ids[2]);
  assert.ok(ids.every((i) => Number.isInteger(i) && i >= 0 && i < 128256));
});

test.run();
