// What one streamed completion has told us so far: tokens and their times, usage, finish, errors.
// Tokens per chunk come from the best source the server offers, in this order:
//   'usage' - per-chunk usage (vLLM continuous_usage_stats): the completion_tokens delta since the last chunk
//   'ids'   - token ids or per-token logprobs carried by the chunk
//   'chunks'- one token per chunk with non-empty text
import type { TokenSource } from '../types.ts';

export interface StreamOutcome {
  done: boolean;
  error: string | null;
}

interface Choice {
  delta?: { content?: unknown; reasoning_content?: unknown };
  text?: unknown;
  finish_reason?: unknown;
  token_ids?: unknown;
  logprobs?: { content?: unknown; tokens?: unknown } | null;
}

interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

// Shared outcomes: take() runs once per chunk, tens of thousands of times a second.
const GO_ON: StreamOutcome = Object.freeze({ done: false, error: null });
const DONE: StreamOutcome = Object.freeze({ done: true, error: null });

export class StreamState {
  tokenNs: number[] = [];
  promptTokens: number | null = null;
  completionTokens: number | null = null;
  sawFinish = false;
  sawDone = false;
  private usageCounted = 0;
  private sources = new Set<TokenSource>();

  get tokenSource(): TokenSource {
    if (this.sources.has('usage')) return 'usage';
    if (this.sources.has('ids')) return 'ids';
    return 'chunks';
  }

  /** Take one SSE event received at `tNs`; returns done at [DONE], or an error the request must end with. */
  take(event: string, data: string, tNs: number): StreamOutcome {
    const trimmed = data === '[DONE]' || data.charCodeAt(0) === 123 ? data : data.trim();
    if (trimmed === '[DONE]') {
      this.sawDone = true;
      return DONE;
    }
    let obj: { choices?: Choice[]; usage?: Usage | null; error?: unknown };
    try {
      obj = JSON.parse(trimmed);
    } catch {
      return { done: false, error: `malformed JSON in stream chunk: ${JSON.stringify(trimmed.slice(0, 120))}` };
    }
    if (event === 'error' || (obj !== null && typeof obj === 'object' && obj.error != null)) {
      return { done: false, error: `server sent an error event: ${describeError(obj?.error ?? obj)}` };
    }
    if (obj === null || typeof obj !== 'object') {
      return { done: false, error: `expected a JSON object in stream chunk, got ${JSON.stringify(trimmed.slice(0, 120))}` };
    }
    const usage = obj.usage && typeof obj.usage.completion_tokens === 'number' ? obj.usage : null;
    if (usage && typeof usage.prompt_tokens === 'number') this.promptTokens = usage.prompt_tokens;
    const choice = Array.isArray(obj.choices) ? obj.choices[0] : undefined;
    let k = 0;
    if (usage) {
      const total = usage.completion_tokens as number;
      // A final usage-only chunk after an ids/chunks stream only reports totals; in usage mode any remainder
      // is attributed here.
      if (choice || this.sources.has('usage')) {
        k = Math.max(0, total - this.usageCounted);
        this.usageCounted = Math.max(this.usageCounted, total);
        this.sources.add('usage');
      }
      this.completionTokens = total;
    } else if (choice) {
      const ids = countIds(choice);
      if (ids !== null) {
        k = ids;
        this.sources.add('ids');
      } else if (textOf(choice) !== '') {
        k = 1;
        this.sources.add('chunks');
      }
    }
    for (let i = 0; i < k; i++) this.tokenNs.push(tNs);
    if (choice && choice.finish_reason != null) this.sawFinish = true;
    return GO_ON;
  }
}

function textOf(choice: Choice): string {
  const d = choice.delta;
  if (d) {
    if (typeof d.content === 'string' && d.content !== '') return d.content;
    return typeof d.reasoning_content === 'string' ? d.reasoning_content : '';
  }
  return typeof choice.text === 'string' ? choice.text : '';
}

function countIds(choice: Choice): number | null {
  if (Array.isArray(choice.token_ids)) return choice.token_ids.length;
  const lp = choice.logprobs;
  if (lp && Array.isArray(lp.content)) return lp.content.length;
  if (lp && Array.isArray(lp.tokens)) return lp.tokens.length;
  return null;
}

function describeError(err: unknown): string {
  if (typeof err === 'string') return err.slice(0, 300);
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message).slice(0, 300);
  return JSON.stringify(err).slice(0, 300);
}
