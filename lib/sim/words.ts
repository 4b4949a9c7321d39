// The simulated tokenizer (the load generator relies on this contract): one token per whitespace-separated
// word; a chat prompt is the sum over its message contents, with no template tokens. Output tokens are short
// words, each written with a leading space so n tokens read back as n words.

const OUTPUT_WORDS = ['the', 'a', 'of', 'to', 'and', 'in', 'is', 'it', 'on', 'as', 'at', 'by', 'we', 'or', 'be', 'so'];
// Built once: the token path hands out these strings instead of concatenating a new one per token.
const OUTPUT_TOKENS = OUTPUT_WORDS.map((w) => ' ' + w);
/** Output tokens repeat with this period: outputToken(i) === outputToken(i + OUTPUT_WORD_COUNT). */
export const OUTPUT_WORD_COUNT = OUTPUT_WORDS.length;

export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

/** Text of one message's content: a string, or the text parts of an array of content parts. */
export function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const p of content) {
      if (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string') {
        parts.push((p as { text: string }).text);
      } else return null;
    }
    return parts.join(' ');
  }
  return null;
}

/** The i-th output token's text (0-based), leading space included. */
export function outputToken(i: number): string {
  return OUTPUT_TOKENS[i % OUTPUT_TOKENS.length];
}

/** Stable token ids for /tokenize: a hash of each word into the vocabulary. */
export function tokenIds(text: string, vocab: number): number[] {
  const ids: number[] = [];
  for (const w of text.split(/\s+/)) {
    if (w === '') continue;
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    ids.push((h >>> 0) % vocab);
  }
  return ids;
}
