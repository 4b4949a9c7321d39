// Measuring prefill on a real server over HTTP with lib/load's streaming client: one request at a time, TTFT =
// first token - send time. Each request has its own prompt, so a server's prefix cache cannot answer from memory.
// The server and the prompt maker may be given lazily: a profile found in the cache then starts nothing.

import type { ClientSettings } from '../types.ts';
import { createTarget, startRequest, type Target } from '../load/client.ts';
import { buildRequestBody, endpointPath } from '../load/request-body.ts';
import type { Measure } from './profile.ts';

/** lib/load's prompt maker, structurally: a prompt of `tokens` tokens, different for each idx. */
export interface PromptSource {
  make(idx: number, tokens: number): Promise<string> | string;
}

export interface HttpMeasureOptions {
  /** The server's URL (with or without the trailing /v1); or `server`, started on first use. */
  baseUrl?: string;
  server?: () => Promise<{ baseUrl: string }>;
  /** What requests name in `model`. */
  model: string;
  prompts: PromptSource | (() => Promise<PromptSource>);
  /** Endpoint and timeout come from here (completions and 300 s when absent). */
  client?: Pick<ClientSettings, 'endpoint' | 'timeoutNs'>;
  /** Decode length of each profiling request (16 by default). */
  outputTokens?: number;
  apiKey?: string | null;
  /**
   * How far the server's own prompt count (usage) may be from the requested one: a chat template adds a few
   * tokens; more than this means the prompts are not what the profile claims to measure.
   */
  promptTolerance?: { tokens: number; relative: number };
}

const RETRIES_BEFORE_RESPONSE = 2;

/** A Measure against a running server: sequential streamed requests, TTFTs in ns. */
export function httpMeasure(opts: HttpMeasureOptions): Measure {
  if (!opts.baseUrl && !opts.server) throw new Error('httpMeasure: expected baseUrl or server, got neither');
  const endpoint = opts.client?.endpoint ?? 'completions';
  const timeoutNs = opts.client?.timeoutNs ?? 300e9;
  const outputTokens = opts.outputTokens ?? 16;
  const tol = opts.promptTolerance ?? { tokens: 32, relative: 0.05 };
  const t0 = process.hrtime.bigint();
  const nowNs = () => Number(process.hrtime.bigint() - t0);
  let target: Target | null = null;
  let prompts: PromptSource | null = null;
  let idx = 0;

  const connect = async (): Promise<[Target, PromptSource]> => {
    if (!target) {
      const base = opts.baseUrl ?? (await opts.server!()).baseUrl;
      const url = new URL(openAiRoot(base) + endpointPath(endpoint));
      target = createTarget(url, opts.apiKey ?? null);
    }
    prompts ??= typeof opts.prompts === 'function' ? await opts.prompts() : opts.prompts;
    return [target, prompts];
  };

  return async (promptTokens, repetitions) => {
    const [tgt, maker] = await connect();
    const where = tgt.url.href;
    const ttfts: number[] = [];
    for (let r = 0; r < repetitions; r++) {
      const i = idx++;
      const prompt = await maker.make(i, promptTokens);
      const body = Buffer.from(buildRequestBody(endpoint, opts.model, prompt, outputTokens, true));
      let ev = await startRequest(tgt, { idx: i, scheduledNs: nowNs(), promptTokens, outputTokens, body }, timeoutNs, nowNs).done;
      // A connection reset before any response (a keep-alive socket the server just closed) never reached the
      // engine, so sending again does not bias the timing.
      for (let retry = 0; retry < RETRIES_BEFORE_RESPONSE && ev.status === 'stream_error' && ev.httpStatus === null; retry++) {
        ev = await startRequest(tgt, { idx: i, scheduledNs: nowNs(), promptTokens, outputTokens, body }, timeoutNs, nowNs).done;
      }
      if (ev.status !== 'ok' || ev.tokenNs.length === 0 || ev.sentNs === null) {
        throw new Error(
          `Profiling request of ${promptTokens} prompt tokens to ${where} failed: expected a streamed ` +
            `completion, got ${ev.status}${ev.httpStatus ? ` (HTTP ${ev.httpStatus})` : ''}: ${ev.error ?? 'no tokens'}`,
        );
      }
      const counted = ev.promptTokens;
      const allowed = Math.max(tol.tokens, Math.round(tol.relative * promptTokens));
      if (counted !== null && Math.abs(counted - promptTokens) > allowed) {
        throw new Error(
          `Profiling prompt of ${promptTokens} tokens was counted as ${counted} tokens by ${where}: expected ` +
            `within ${allowed} (is the prompt maker using the server's tokenizer?)`,
        );
      }
      ttfts.push(ev.tokenNs[0] - ev.sentNs);
    }
    return ttfts;
  };
}

/** The OpenAI API root: the URL with /v1 appended unless it already ends with it (engines serve under /v1). */
export function openAiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}
