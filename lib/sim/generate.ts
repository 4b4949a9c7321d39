// One /v1/chat/completions or /v1/completions request on the real-time server: hands it to the engine, then
// writes each token (streaming) or the whole answer (not streaming) when the simulation says it is produced.
// Fault knobs that act on a single response (drop after k tokens, stall) live here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimFaults } from '../types.ts';
import type { EmissionLog } from './emission-log.ts';
import type { SimRequest } from './engine.ts';
import { frameChunk, isAscii, writeChunk, type FramedChunk } from './chunked.ts';
import { ApiError, chunkFormatter, formatCompletion, type GenerationRequest } from './openai.ts';
import type { Clock, RealtimeDriver } from './realtime.ts';
import type { ServerCounters } from './prometheus.ts';
import { OUTPUT_WORD_COUNT, outputToken } from './words.ts';

export interface GenerateContext {
  driver: RealtimeDriver;
  clock: Clock;
  faults: SimFaults;
  counters: ServerCounters;
  emissionLog: EmissionLog | null;
  nextId(): number;
  /** Called once the response has been fully written. */
  onDone(): void;
}

export function serveGeneration(ctx: GenerateContext, gen: GenerationRequest, req: IncomingMessage, res: ServerResponse): void {
  const n = ctx.nextId();
  const id = `${gen.endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-sim-${n}`;
  const header = req.headers['x-request-id'];
  // The id goes into a CSV line: keep it to one field.
  const logId = typeof header === 'string' && header !== '' ? header.replace(/[,\r\n]/g, '_') : id;
  const createdS = Math.floor(Date.now() / 1000);
  const fmt = chunkFormatter(gen, id, createdS);
  // Everything in a chunk is ASCII except, possibly, the served model name.
  const ascii = isAscii(gen.model);
  const logStream = ctx.emissionLog?.openStream(logId) ?? null;
  // Without per-chunk usage a stream's middle chunks repeat with the output word: build (and frame) each once.
  const repeated: (FramedChunk | undefined)[] | null = gen.continuousUsage ? null : new Array(OUTPUT_WORD_COUNT);
  const { dropAfterTokens, stallNs } = ctx.faults;
  let text = '';
  let written = 0;
  let done = false;

  const finish = (): void => {
    done = true;
    ctx.counters.requestsFinished += 1;
    ctx.onDone();
  };
  // A dropped stream ends the TCP connection without the final chunk: what was written arrives, then EOF.
  const drop = (): void => {
    done = true;
    ctx.driver.abort(simReq);
    const socket = res.socket;
    if (!socket) return void res.destroy();
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  const writeToken = (index: number, simNs: number, last: boolean): void => {
    if (done || res.destroyed) return;
    written = index + 1;
    ctx.counters.generationTokens += 1;
    if (gen.stream) {
      // The chat stream's role chunk goes out with the first token, as vLLM sends it; the last token goes out
      // with the closing chunks and the body's end in res.end (node:http writes all of it in one syscall).
      const first = index === 0 && gen.endpoint === 'chat';
      if (repeated !== null && !first && !last) {
        const k = index % OUTPUT_WORD_COUNT;
        writeChunk(res, (repeated[k] ??= frameChunk(fmt.token(outputToken(index), written, false), ascii)));
      } else {
        const data = (first ? fmt.role() : '') + fmt.token(outputToken(index), written, last);
        if (last) res.end(data + fmt.end(written));
        else writeChunk(res, frameChunk(data, ascii));
      }
      if (logStream !== null) ctx.emissionLog!.record(logStream, index, simNs, ctx.clock.nowNs());
      if (last) return finish();
      if (dropAfterTokens !== null && written >= dropAfterTokens) drop();
      return;
    }
    text += outputToken(index);
    if (dropAfterTokens !== null && written >= dropAfterTokens && !last) return drop();
    if (!last) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(formatCompletion(gen, id, createdS, text, written));
    finish();
  };

  const simReq: SimRequest = ctx.driver.submit(
    { id: n, promptTokens: gen.promptTokens, maxTokens: gen.maxTokens },
    {
      onToken(_r, index, simNs, last) {
        // A stalled response holds every token after the first back by stallNs (one long gap, then a burst).
        const holdNs = stallNs !== null && index >= 1 ? stallNs : 0;
        if (holdNs === 0) return writeToken(index, simNs, last);
        setTimeout(() => writeToken(index, simNs + holdNs, last), Math.max(0, (simNs + holdNs - ctx.clock.nowNs()) / 1e6));
      },
    },
  );
  if (simReq.state === 'rejected') throw new ApiError(400, simReq.error ?? 'request refused');
  ctx.counters.promptTokens += gen.promptTokens;
  if (gen.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    if (dropAfterTokens === 0) return drop();
  }
  // A client that goes away frees its place in the engine (vLLM aborts the request).
  res.on('close', () => {
    if (!done) {
      done = true;
      ctx.driver.abort(simReq);
    }
  });
}
