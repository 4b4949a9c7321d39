// OpenAI-compatible request parsing and response shapes, as vLLM's server writes them (ErrorResponse body,
// chat.completion(.chunk), text_completion, per-chunk usage with stream_options.continuous_usage_stats).
import { contentText, countWords } from './words.ts';

export type Endpoint = 'chat' | 'completions';

export interface GenerationRequest {
  endpoint: Endpoint;
  model: string;
  promptTokens: number;
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError',
  ) {
    super(message);
  }
}

/** vLLM's error body. */
export function formatError(status: number, message: string, type?: string): string {
  const t = type ?? new ApiError(status, message).type;
  return JSON.stringify({ object: 'error', message, type: t, param: null, code: status });
}

export const DEFAULT_MAX_TOKENS = 16;

export function parseJsonBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `Expected a JSON request body: ${(e as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, `Expected a JSON object as the request body, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  return body as Record<string, unknown>;
}

/** Prompt tokens of a chat `messages` array or a completions `prompt` (string, [string], or token ids). */
export function countPromptTokens(endpoint: Endpoint, body: Record<string, unknown>): number {
  if (endpoint === 'chat') {
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new ApiError(400, 'Expected `messages` to be a non-empty array of {role, content}');
    let n = 0;
    for (const [i, m] of messages.entries()) {
      const text = m && typeof m === 'object' ? contentText((m as { content?: unknown }).content) : null;
      if (text === null) throw new ApiError(400, `Expected messages[${i}].content to be a string or an array of text parts`);
      n += countWords(text);
    }
    return n;
  }
  const prompt = body.prompt;
  if (typeof prompt === 'string') return countWords(prompt);
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((x) => typeof x === 'number')) return prompt.length;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return countWords(prompt[0]);
  throw new ApiError(400, 'Expected `prompt` to be a string, a one-element array of strings, or an array of token ids');
}

export function parseGenerationRequest(endpoint: Endpoint, body: Record<string, unknown>, servedModelName: string): GenerationRequest {
  const model = body.model ?? servedModelName;
  if (model !== servedModelName) throw new ApiError(404, `The model \`${String(model)}\` does not exist.`);
  const raw = body.max_tokens ?? (endpoint === 'chat' ? body.max_completion_tokens : undefined) ?? DEFAULT_MAX_TOKENS;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new ApiError(400, `max_tokens must be an integer, got ${JSON.stringify(raw)}.`);
  if (raw < 1) throw new ApiError(400, `max_tokens must be at least 1, got ${raw}.`);
  const minTokens = body.min_tokens ?? 0;
  if (typeof minTokens !== 'number' || !Number.isInteger(minTokens) || minTokens < 0) throw new ApiError(400, `min_tokens must be greater than or equal to 0, got ${JSON.stringify(minTokens)}.`);
  if (minTokens > raw) throw new ApiError(400, `min_tokens must be less than or equal to max_tokens=${raw}, got ${minTokens}.`);
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new ApiError(400, `n must be 1 on the simulated engine, got ${JSON.stringify(body.n)}.`);
  const stream = body.stream === true;
  const opts = body.stream_options as { include_usage?: unknown; continuous_usage_stats?: unknown } | null | undefined;
  if (opts && !stream) throw new ApiError(400, 'Stream options can only be defined when `stream=True`.');
  return {
    endpoint,
    model: servedModelName,
    promptTokens: countPromptTokens(endpoint, body),
    maxTokens: raw,
    stream,
    includeUsage: opts?.include_usage === true,
    continuousUsage: opts?.include_usage === true && opts?.continuous_usage_stats === true,
  };
}

function usage(promptTokens: number, completionTokens: number): string {
  return `{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens}}`;
}

// JSON string literals of the few distinct output token texts, so a token costs no JSON.stringify.
const tokenJson = new Map<string, string>();
function jsonOf(text: string): string {
  let json = tokenJson.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (tokenJson.size < 4096) tokenJson.set(text, json);
  }
  return json;
}

/**
 * Pre-built SSE chunk writer for one streaming response; only the token text, finish reason and usage counts
 * change from chunk to chunk, so the JSON is assembled by concatenation.
 */
export function chunkFormatter(req: GenerationRequest, id: string, createdS: number) {
  const head = req.endpoint === 'chat'
    ? `data: {"id":"${id}","object":"chat.completion.chunk","created":${createdS},"model":${JSON.stringify(req.model)},"choices":[`
    : `data: {"id":"${id}","object":"text_completion","created":${createdS},"model":${JSON.stringify(req.model)},"choices":[`;
  const tail = (completion: number) => (req.continuousUsage ? `],"usage":${usage(req.promptTokens, completion)}}\n\n` : `]}\n\n`);
  return {
    /** The chat stream's opening chunk: the assistant role, no content. */
    role(): string {
      return `${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}${tail(0)}`;
    },
    token(text: string, completion: number, last: boolean): string {
      const finish = last ? '"length"' : 'null';
      const json = jsonOf(text);
      const choice = req.endpoint === 'chat'
        ? `{"index":0,"delta":{"content":${json}},"logprobs":null,"finish_reason":${finish}}`
        : `{"index":0,"text":${json},"logprobs":null,"finish_reason":${finish},"stop_reason":null}`;
      return head + choice + tail(completion);
    },
    /** Closing usage chunk (include_usage) and the [DONE] marker. */
    end(completion: number): string {
      const u = req.includeUsage ? `${head}],"usage":${usage(req.promptTokens, completion)}}\n\n` : '';
      return u + 'data: [DONE]\n\n';
    },
  };
}

export function formatCompletion(req: GenerationRequest, id: string, createdS: number, text: string, completion: number): string {
  const choice = req.endpoint === 'chat'
    ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'length', stop_reason: null }
    : { index: 0, text, logprobs: null, finish_reason: 'length', stop_reason: null };
  return JSON.stringify({
    id,
    object: req.endpoint === 'chat' ? 'chat.completion' : 'text_completion',
    created: createdS,
    model: req.model,
    choices: [choice],
    usage: { prompt_tokens: req.promptTokens, total_tokens: req.promptTokens + completion, completion_tokens: completion },
  });
}
