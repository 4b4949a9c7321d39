// The two schedulers, as vLLM V0 runs them (simulator.md, "The engine"):
// - vllm: FCFS prefills first, whole prompts within max_num_batched_tokens and max_num_seqs; an iteration with
//   any prefill runs only prefills; otherwise every running sequence decodes one token.
// - sarathi (chunked prefill): running decodes first, then unfinished prompts, then new prompts, chunked into
//   what is left of the token budget; KV for the whole prompt is reserved on admission.
// Both preempt from the tail of the running queue (recompute) when a decode needs a block and none is free.
import type { SimSettings } from '../types.ts';
import type { SimEngine, SimRequest } from './engine.ts';

export interface Batch {
  /** Prompt work: `chunk` tokens on top of the request's `computed` prefix. */
  prefills: { req: SimRequest; chunk: number }[];
  decodes: SimRequest[];
}

export function scheduleStep(engine: SimEngine, settings: SimSettings): Batch {
  return settings.scheduler === 'sarathi' ? scheduleSarathi(engine, settings) : scheduleVllm(engine, settings);
}

function scheduleVllm(engine: SimEngine, settings: SimSettings): Batch {
  const prefills: Batch['prefills'] = [];
  let budget = settings.maxNumBatchedTokens;
  while (engine.waiting.length > 0 && engine.running.length < settings.maxNumSeqs) {
    const req = engine.waiting[0];
    const tokens = req.promptTokens + req.generated;
    // A recomputed sequence longer than the budget still runs, alone, rather than blocking the queue forever.
    if (tokens > budget && !(prefills.length === 0 && tokens > settings.maxNumBatchedTokens)) break;
    if (!engine.kv.canAdmit(tokens)) break;
    engine.admit(req);
    prefills.push({ req, chunk: tokens });
    budget -= tokens;
  }
  if (prefills.length > 0) return { prefills, decodes: [] };
  return { prefills, decodes: scheduleDecodes(engine, () => true) };
}

function scheduleSarathi(engine: SimEngine, settings: SimSettings): Batch {
  let budget = settings.maxNumBatchedTokens;
  const decodes = scheduleDecodes(engine, (req) => req.computed >= req.prefillTarget, () => budget-- > 0);
  const prefills: Batch['prefills'] = [];
  for (const req of engine.running) {
    if (budget <= 0) break;
    if (req.computed >= req.prefillTarget) continue;
    const chunk = Math.min(req.prefillTarget - req.computed, budget);
    prefills.push({ req, chunk });
    budget -= chunk;
  }
  while (budget > 0 && engine.waiting.length > 0 && engine.running.length < settings.maxNumSeqs) {
    const req = engine.waiting[0];
    if (!engine.kv.canAdmit(req.promptTokens + req.generated)) break;
    engine.admit(req);
    const chunk = Math.min(req.prefillTarget, budget);
    prefills.push({ req, chunk });
    budget -= chunk;
  }
  return { prefills, decodes };
}

/**
 * Running sequences (FCFS) that decode this iteration, each given the block its next token needs; when no
 * block is free, the tail of the running queue is preempted, down to the sequence itself.
 */
function scheduleDecodes(engine: SimEngine, isDecoding: (r: SimRequest) => boolean, take: () => boolean = () => true): SimRequest[] {
  const decodes: SimRequest[] = [];
  const kv = engine.kv;
  for (let i = 0; i < engine.running.length; i++) {
    const req = engine.running[i];
    if (!isDecoding(req)) continue;
    // Blocks grow one at a time: a new one is needed exactly when the sequence outgrows the ones it holds.
    const need = req.promptTokens + req.generated > req.blocks * kv.blockSize ? 1 : 0;
    let self = false;
    // vLLM V0's block manager (v1) appends only while at least one block per sequence is free, whether or not
    // this token opens a new block.
    while (kv.freeBlocks < 1) {
      const victim = engine.running[engine.running.length - 1];
      engine.preempt(victim);
      if (victim === req) {
        self = true;
        break;
      }
    }
    if (self) break;
    if (!take()) break;
    kv.take(need);
    req.blocks += need;
    decodes.push(req);
  }
  return decodes;
}
