// The iteration-level engine shared by both clocks. It owns the request states (pending -> waiting -> running ->
// finished), the paged KV cache and the step-time model; `step(startNs)` runs one iteration starting at startNs
// and says which requests got a token at its end. It never reads a clock: the virtual and real drivers do.
import type { ParallelSpec, SimSettings } from '../types.ts';
import { buildCostModel, type CostModel, type StepShape } from './cost.ts';
import { KvCache } from './kv.ts';
import { readCpuProfile, readHardwareProfile, readModelProfile, type ModelProfile } from './profiles.ts';
import { scheduleStep, type Batch } from './scheduler.ts';
import { MinHeap } from './heap.ts';

export type SimRequestState = 'pending' | 'waiting' | 'running' | 'finished' | 'aborted' | 'rejected';

export interface SimRequest {
  id: number;
  promptTokens: number;
  maxTokens: number;
  arrivalNs: number;
  /** Arrival plus the per-request CPU overhead: when the scheduler first sees it. */
  readyNs: number;
  state: SimRequestState;
  /** Output tokens produced so far. */
  generated: number;
  /** Tokens whose KV is computed in the current residency (0 after a preemption). */
  computed: number;
  /** Tokens to compute before the next token is sampled: prompt (+ generated, after a preemption). */
  prefillTarget: number;
  blocks: number;
  preemptions: number;
  /** Why a rejected request was refused (vLLM's wording where it has one). */
  error: string | null;
}

export interface StepResult {
  startNs: number;
  endNs: number;
  /** Requests that got one token at endNs (each exactly one). */
  produced: SimRequest[];
  /** Requests whose last token came at endNs. */
  finished: SimRequest[];
  shape: StepShape;
  /** True when the iteration computed prompt tokens only (vLLM's prefill iterations). */
  prefillOnly: boolean;
}

export interface EngineOptions {
  settings: SimSettings;
  simModel: string;
  parallel: ParallelSpec;
  maxModelLen?: number | null;
}

export interface EngineGauges {
  running: number;
  waiting: number;
  kvUsage: number;
  preemptions: number;
}

export class SimEngine {
  readonly settings: SimSettings;
  readonly model: ModelProfile;
  readonly cost: CostModel;
  readonly kv: KvCache;
  readonly maxModelLen: number;
  /** Longest prompt the scheduler can take (vLLM without chunking needs it in one iteration's budget). */
  readonly promptLimit: number;
  readonly waiting: SimRequest[] = [];
  running: SimRequest[] = [];
  preemptions = 0;
  /** Preempted during the current scheduling pass; they rejoin the head of waiting only after it, as in vLLM. */
  private preemptedNow: SimRequest[] = [];
  private readonly pending = new MinHeap<SimRequest>((a, b) => a.readyNs - b.readyNs || a.id - b.id);

  constructor(opts: EngineOptions) {
    const { settings, parallel } = opts;
    this.settings = settings;
    this.model = readModelProfile(opts.simModel);
    this.cost = buildCostModel(this.model, readHardwareProfile(settings.hardware), readCpuProfile(settings.cpuProfile), parallel);
    const blocks = this.cost.kvBlocks(settings.blockSize, settings.gpuMemoryUtilization, settings.maxNumBatchedTokens);
    this.kv = new KvCache(blocks, settings.blockSize);
    this.maxModelLen = opts.maxModelLen ?? this.model.maxModelLen;
    this.promptLimit = settings.scheduler === 'vllm' ? Math.min(this.maxModelLen, settings.maxNumBatchedTokens) : this.maxModelLen;
  }

  /** Hands a request to the engine; one that can never run comes back rejected with its reason. */
  submit(r: { id: number; promptTokens: number; maxTokens: number; arrivalNs: number }): SimRequest {
    const req: SimRequest = {
      ...r,
      readyNs: r.arrivalNs + this.cost.requestOverheadNs(r.promptTokens),
      state: 'pending',
      generated: 0,
      computed: 0,
      prefillTarget: r.promptTokens,
      blocks: 0,
      preemptions: 0,
      error: this.refusal(r.promptTokens, r.maxTokens),
    };
    if (req.error) req.state = 'rejected';
    else this.pending.push(req);
    return req;
  }

  private refusal(promptTokens: number, maxTokens: number): string | null {
    const total = promptTokens + maxTokens;
    if (!(maxTokens >= 1)) return `max_tokens must be at least 1, got ${maxTokens}.`;
    if (total > this.maxModelLen) {
      return `This model's maximum context length is ${this.maxModelLen} tokens. However, you requested ${total} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`;
    }
    if (promptTokens > this.promptLimit) return `Input prompt (${promptTokens} tokens) is too long and exceeds limit of ${this.promptLimit}`;
    if (!this.kv.fitsEver(total)) return `Input prompt (${promptTokens} tokens) plus output cannot fit in the KV cache (${this.kv.totalBlocks} blocks of ${this.kv.blockSize})`;
    return null;
  }

  /** Drops a request wherever it is (a client went away); its KV blocks are freed at once. */
  abort(req: SimRequest): void {
    if (req.state === 'waiting') this.waiting.splice(this.waiting.indexOf(req), 1);
    else if (req.state === 'running') {
      this.running.splice(this.running.indexOf(req), 1);
      this.kv.give(req.blocks);
      req.blocks = 0;
    } else if (req.state === 'pending') this.pending.remove(req);
    else return;
    req.state = 'aborted';
  }

  /** Whether an iteration could start now (something admitted is waiting or running). */
  hasWork(): boolean {
    return this.waiting.length > 0 || this.running.length > 0;
  }

  /** When the earliest not-yet-ready request becomes ready; null when none is pending. */
  nextReadyNs(): number | null {
    return this.pending.peek()?.readyNs ?? null;
  }

  /** Runs one iteration starting at startNs; null when nothing is ready to run. */
  step(startNs: number): StepResult | null {
    while (this.pending.size > 0 && this.pending.peek()!.readyNs <= startNs) {
      const r = this.pending.pop()!;
      r.state = 'waiting';
      this.waiting.push(r);
    }
    if (!this.hasWork()) return null;
    const batch = scheduleStep(this, this.settings);
    for (const r of this.preemptedNow) this.waiting.unshift(r);
    this.preemptedNow = [];
    const shape = shapeOf(batch);
    const endNs = startNs + this.cost.stepNs(shape);
    const produced: SimRequest[] = [];
    for (const { req, chunk } of batch.prefills) {
      req.computed += chunk;
      if (req.computed >= req.prefillTarget) {
        req.generated += 1;
        produced.push(req);
      }
    }
    for (const req of batch.decodes) {
      req.computed += 1;
      req.generated += 1;
      produced.push(req);
    }
    const finished: SimRequest[] = [];
    for (const r of produced) {
      if (r.generated < r.maxTokens) continue;
      r.state = 'finished';
      this.kv.give(r.blocks);
      r.blocks = 0;
      finished.push(r);
    }
    if (finished.length) this.running = this.running.filter((r) => r.state === 'running');
    return { startNs, endNs, produced, finished, shape, prefillOnly: batch.decodes.length === 0 };
  }

  /** Preempts by recompute: frees the blocks; the request goes back to the head of the waiting queue. */
  preempt(req: SimRequest): void {
    this.running.splice(this.running.lastIndexOf(req), 1);
    this.kv.give(req.blocks);
    req.blocks = 0;
    req.computed = 0;
    req.prefillTarget = req.promptTokens + req.generated;
    req.state = 'waiting';
    req.preemptions += 1;
    this.preemptions += 1;
    this.preemptedNow.push(req);
  }

  /** Takes KV blocks for a waiting request and moves it to the tail of the running queue. */
  admit(req: SimRequest): void {
    this.waiting.shift();
    req.prefillTarget = req.promptTokens + req.generated;
    req.blocks = this.kv.blocksFor(req.prefillTarget);
    this.kv.take(req.blocks);
    req.state = 'running';
    this.running.push(req);
  }

  gauges(): EngineGauges {
    return { running: this.running.length, waiting: this.waiting.length + this.pending.size, kvUsage: this.kv.usage(), preemptions: this.preemptions };
  }
}

function shapeOf(batch: Batch): StepShape {
  let prefillTokens = 0;
  let pairsFull = 0;
  let pairsChunked = 0;
  let samplers = batch.decodes.length;
  for (const { req, chunk } of batch.prefills) {
    prefillTokens += chunk;
    const pairs = chunk * (req.computed + chunk / 2);
    if (req.computed === 0) pairsFull += pairs;
    else pairsChunked += pairs;
    if (req.computed + chunk >= req.prefillTarget) samplers += 1;
  }
  let decodeContextTokens = 0;
  for (const req of batch.decodes) decodeContextTokens += req.promptTokens + req.generated;
  return {
    prefillTokens,
    decodes: batch.decodes.length,
    samplers,
    seqs: batch.decodes.length + batch.prefills.length,
    pairsFull,
    pairsChunked,
    decodeContextTokens,
  };
}
