// Waiting until a server is really ready: its health endpoint answers 2xx, and then /v1/models answers 2xx.
// Until the model is loaded, vLLM, SGLang and llama.cpp answer /health with 503 (or refuse connections), while
// TGI's router and trtllm-serve do not listen at all. Every engine here serves /health and /v1/models from the
// same HTTP app, so the second check mostly confirms the OpenAI routes are there (a server that lacks them, such
// as a TGI older than its /v1/models route, fails here and the error names the URL); for external servers it is
// the only check. Stops early when the process exits or the caller aborts.

export interface ReadyCheck {
  healthUrl: string;
  modelsUrl: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Non-null once the server process has exited. */
  exited?: () => unknown;
  signal?: AbortSignal;
  /** First poll delay; doubles up to maxPollMs (default 250: a ready server is noticed within a quarter second; a refused connect or a 503 costs the server nothing). */
  pollMs?: number;
  maxPollMs?: number;
}

export type ReadyOutcome =
  | { ready: true; afterMs: number }
  | { ready: false; reason: 'exited' | 'timeout' | 'aborted'; afterMs: number; lastProblem: string | null };

export async function waitUntilReady(check: ReadyCheck): Promise<ReadyOutcome> {
  const started = Date.now();
  let pollMs = check.pollMs ?? 50;
  const maxPollMs = check.maxPollMs ?? 250;
  let lastProblem: string | null = null;
  for (;;) {
    const afterMs = Date.now() - started;
    if (check.signal?.aborted) return { ready: false, reason: 'aborted', afterMs, lastProblem };
    if (check.exited?.()) return { ready: false, reason: 'exited', afterMs, lastProblem };
    if (afterMs >= check.timeoutMs) return { ready: false, reason: 'timeout', afterMs, lastProblem };
    const remainingMs = check.timeoutMs - afterMs;
    lastProblem = await probe(check.healthUrl, check.headers, remainingMs);
    if (lastProblem === null && check.modelsUrl !== check.healthUrl) {
      lastProblem = await probe(check.modelsUrl, check.headers, remainingMs);
    }
    if (lastProblem === null) return { ready: true, afterMs: Date.now() - started };
    await sleep(Math.min(pollMs, Math.max(0, check.timeoutMs - (Date.now() - started))), check.signal);
    pollMs = Math.min(pollMs * 2, maxPollMs);
  }
}

// null when the URL answered 2xx, else a short description of what happened.
async function probe(url: string, headers: Record<string, string> | undefined, remainingMs: number): Promise<string | null> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(Math.max(100, Math.min(5000, remainingMs))) });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? null : `GET ${url} answered ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return `GET ${url} failed (${cause})`;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
