// Prompts with exactly the requested number of tokens, unique from their first token on (so no prefix cache
// can serve one request from another's blocks).
//   sim       - the simulated engine counts one token per whitespace-separated word
//   tokenizer - a model's tokenizer.json (local path, or a Hugging Face id downloaded once into the cache)
//   server    - the server's own /tokenize endpoint (vLLM shape: POST {model, prompt} -> {count, tokens})
// For the last two, text is built from common words and adjusted until the count is exact. Counts include the
// special tokens the server adds to a completion prompt (BOS); a chat template adds more, which the server's
// usage.prompt_tokens (recorded beside the requested count) shows.
import { createRng, type Rng } from './prng.ts';
import { readTokenizer } from './tokenizer.ts';

export interface PromptMaker {
  kind: 'sim' | 'tokenizer' | 'server';
  make(idx: number, tokens: number): Promise<string>;
}

export type PromptMakerOptions =
  | { kind: 'sim' }
  | { kind: 'tokenizer'; tokenizer: string; cacheDir: string }
  | { kind: 'server'; baseUrl: string; model: string; apiKey?: string | null };

export async function createPromptMaker(opts: PromptMakerOptions): Promise<PromptMaker> {
  switch (opts.kind) {
    case 'sim':
      return { kind: 'sim', make: async (idx, tokens) => makeWordPrompt(idx, tokens) };
    case 'tokenizer': {
      const tokenizer = await readTokenizer(opts.tokenizer, opts.cacheDir);
      const count = async (text: string) => tokenizer.encode(text).ids.length;
      return { kind: 'tokenizer', make: remember((idx, tokens) => makeExactPrompt(idx, tokens, count, `tokenizer ${opts.tokenizer}`)) };
    }
    case 'server': {
      const count = createServerCounter(opts.baseUrl, opts.model, opts.apiKey ?? null);
      await count('hello'); // fail now, with the reason, rather than at the first request
      return { kind: 'server', make: remember((idx, tokens) => makeExactPrompt(idx, tokens, count, `${opts.baseUrl} /tokenize`)) };
    }
  }
}

/**
 * Every probe of a search asks for the same (idx, tokens) pairs (the schedule's lengths do not depend on the
 * QPS), and sizing a prompt takes several encodes or /tokenize calls: keep what was made for the next probe.
 */
function remember(make: (idx: number, tokens: number) => Promise<string>): (idx: number, tokens: number) => Promise<string> {
  const made = new Map<string, Promise<string>>();
  return (idx, tokens) => {
    const key = `${idx}/${tokens}`;
    let text = made.get(key);
    if (!text) {
      text = make(idx, tokens);
      made.set(key, text);
      text.catch(() => made.delete(key)); // a failure (server hiccup) is not remembered
    }
    return text;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** `tokens` whitespace-separated words; the first names the request, the rest are seeded gibberish. */
export function makeWordPrompt(idx: number, tokens: number): string {
  if (tokens < 1) return '';
  const rng = createRng(idx, 'prompt');
  const words = new Array<string>(tokens);
  words[0] = `r${idx}`;
  for (let i = 1; i < tokens; i++) {
    const len = 3 + Math.floor(rng.next() * 5);
    let w = '';
    for (let j = 0; j < len; j++) w += LETTERS[Math.floor(rng.next() * 26)];
    words[i] = w;
  }
  return words.join(' ');
}

// Common words that are one token (with their leading space) in the usual BPE vocabularies.
const WORDS = ('the of and to in is was for on that with as by at from his it an were are which this be or has '
  + 'had not but first one their its new after they who he also two have been other her time all year she more '
  + 'city world would when there can state part most some many during only about over made may three into later '
  + 'well under war school where then house team between both such since no out because while these before '
  + 'each game high life family through film long work music name days people second what small water local').split(' ');
const FILLERS = [' the', ' a', ' and', ' of', '.', ',', ' to'];

function wordText(rng: Rng, idx: number, words: number): string {
  let text = `${idx}:`;
  for (let i = 0; i < words; i++) text += ' ' + WORDS[Math.floor(rng.next() * WORDS.length)];
  return text;
}

/** Text whose `count` is exactly `tokens`: size the word count by secant steps, then top up with fillers. */
export async function makeExactPrompt(idx: number, tokens: number, count: (text: string) => Promise<number>, what: string): Promise<string> {
  const base = await count(`${idx}:`);
  if (tokens < base) throw new Error(`${what}: cannot make a ${tokens}-token prompt, the shortest unique prefix takes ${base}`);
  const textFor = (words: number) => wordText(createRng(idx, 'prompt'), idx, words);
  let words = Math.max(0, tokens - base);
  let n = await count(textFor(words));
  for (let step = 0; step < 4 && n !== tokens && words > 0; step++) {
    words = Math.max(0, Math.round((words * (tokens - base)) / Math.max(1, n - base)));
    n = await count(textFor(words));
  }
  while (n > tokens && words > 0) n = await count(textFor(--words));
  while (n < tokens) {
    const more = await count(textFor(words + 1));
    if (more > tokens) break;
    words++;
    n = more;
  }
  for (let back = 0; back <= 3 && words - back >= 0; back++) {
    let text = textFor(words - back);
    let have = await count(text);
    for (let guard = 0; have < tokens && guard < 2 * (tokens - have) + 8; guard++) {
      let advanced = false;
      for (const f of FILLERS) {
        const c = await count(text + f);
        if (c > have && c <= tokens) {
          text += f;
          have = c;
          advanced = true;
          break;
        }
      }
      if (!advanced) break;
    }
    if (have === tokens) return text;
  }
  throw new Error(`${what}: could not build a prompt of exactly ${tokens} tokens for request ${idx}`);
}

function createServerCounter(baseUrl: string, model: string, apiKey: string | null): (text: string) => Promise<number> {
  // vLLM serves /tokenize at the root, beside /v1.
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return async (prompt: string) => {
    let res: Response;
    try {
      res = await fetch(`${root}/tokenize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, prompt }),
      });
    } catch (err) {
      throw new Error(`${root}/tokenize: request failed (${(err as Error).message})`);
    }
    if (!res.ok) throw new Error(`${root}/tokenize: expected HTTP 200, got ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { count?: unknown; tokens?: unknown };
    if (typeof body.count === 'number') return body.count;
    if (Array.isArray(body.tokens)) return body.tokens.length;
    throw new Error(`${root}/tokenize: expected {count} or {tokens} in the answer, got ${JSON.stringify(body).slice(0, 200)}`);
  };
}
