// Step-time and memory model of the simulated engine: a smooth roofline built from the model, GPU and CPU
// profiles (simulator.md, "Step time"). GPU and CPU costs add: vLLM 0.5's Python engine did not overlap them.
import type { ParallelSpec } from '../types.ts';
import type { CpuProfile, HardwareProfile, ModelProfile } from './profiles.ts';

/** What one iteration does, as far as its cost is concerned. */
export interface StepShape {
  /** Prompt tokens computed this iteration (whole prompts or chunks). */
  prefillTokens: number;
  /** Sequences decoding one token. */
  decodes: number;
  /** Sequences that sample a token at the end of the iteration (decodes + prompts that finish). */
  samplers: number;
  /** Sequences in the batch (decodes + prefills), for the per-sequence CPU cost. */
  seqs: number;
  /** Query-key pairs of prompts computed from position 0, and of chunks on an already computed prefix. */
  pairsFull: number;
  pairsChunked: number;
  /** Sum over decodes of the context each one reads. */
  decodeContextTokens: number;
}

export interface CostModel {
  stepNs(shape: StepShape): number;
  /** Once per request before it reaches the scheduler (HTTP, tokenizing). */
  requestOverheadNs(promptTokens: number): number;
  /** KV blocks of `blockSize` tokens that fit beside the weights and the activation reserve. */
  kvBlocks(blockSize: number, gpuMemoryUtilization: number, maxNumBatchedTokens: number): number;
  /** Bytes of KV cache per token over all GPUs. */
  kvBytesPerToken: number;
  /** Coefficients, for tests and the docs. */
  coefficients: Record<string, number>;
}

/** Query-key pairs of a chunk of c tokens on a prefix of k computed tokens (causal attention). */
export function attentionPairs(prefixTokens: number, chunkTokens: number): number {
  return chunkTokens * (prefixTokens + chunkTokens / 2);
}

export function buildCostModel(model: ModelProfile, hw: HardwareProfile, cpu: CpuProfile, parallel: ParallelSpec): CostModel {
  const tp = parallel.tp;
  const gpus = parallel.tp * parallel.pp;
  const { layers: L, hidden: d, headsQ, headsKv, headDim: dh, ffn, experts, expertsTopK, vocab } = model;
  const eff = hw.efficiency;
  const flops = hw.peakFlops * eff.gemm;
  const weightBw = hw.bandwidthBytesPerS * eff.weightReads;

  // Linear parameters per GPU of a TP group (heads and FFN columns split by TP).
  const attnParams = (L * (d * (headsQ + 2 * headsKv) * dh + headsQ * dh * d)) / tp;
  const expertParams = (L * 3 * d * ffn) / tp;
  const flopsPerToken = 2 * (attnParams + expertsTopK * expertParams);
  const gemmMsPerToken = (flopsPerToken / flops) * 1e3;
  // Weights read per iteration: the experts that some token of the batch routes to (uniform routing).
  const weightReadMs = (nTok: number): number => {
    const touched = experts === 1 ? 1 : experts * (1 - Math.pow(1 - expertsTopK / experts, Math.max(1, nTok)));
    return ((2 * (attnParams + touched * expertParams)) / weightBw) * 1e3;
  };
  const lmHeadParams = (vocab * d) / tp;
  const lmHeadReadMs = ((2 * lmHeadParams) / weightBw) * 1e3;
  const lmHeadMsPerSeq = ((2 * lmHeadParams) / flops) * 1e3;
  const pairFlops = (4 * L * headsQ * dh) / tp;
  const pairFullNs = (pairFlops / (hw.peakFlops * eff.attentionFull)) * 1e9;
  const pairChunkedNs = (pairFlops / (hw.peakFlops * eff.attentionChunked)) * 1e9;
  const kvBytesPerTokenGpu = (2 * L * headsKv * dh * 2) / tp;
  const kvReadNsPerToken = (kvBytesPerTokenGpu / (hw.bandwidthBytesPerS * eff.kvReads)) * 1e9;
  // Two all-reduces per layer of the activations (2 bytes per element).
  const allReduceMs = (nTok: number): number =>
    tp === 1 ? 0 : 2 * L * (hw.allReduceLatencyUs * 1e-3 + ((nTok * d * 2) / hw.allReduceBytesPerS) * 1e3);

  const stepNs = (s: StepShape): number => {
    const nTok = s.prefillTokens + s.decodes;
    const w = weightReadMs(nTok);
    const gemm = Math.sqrt(w * w + (gemmMsPerToken * nTok) ** 2);
    const lmHead = Math.sqrt(lmHeadReadMs ** 2 + (lmHeadMsPerSeq * s.samplers) ** 2);
    const graphable = s.prefillTokens === 0 && s.decodes <= hw.cudaGraphMaxBatch;
    const eager = graphable ? 0 : hw.eagerLaunchMs * Math.max(0, 1 - nTok / hw.eagerLaunchTokens);
    const attnMs = (s.pairsFull * pairFullNs + s.pairsChunked * pairChunkedNs + s.decodeContextTokens * kvReadNsPerToken) / 1e6;
    const gpuMs = hw.fixedStepMs + gemm + lmHead + attnMs + eager + allReduceMs(nTok);
    const cpuMs = cpu.stepMs + cpu.perSequenceMs * s.seqs + (cpu.perPrefillTokenUs * s.prefillTokens) / 1e3;
    return Math.round((gpuMs + cpuMs) * 1e6);
  };

  const requestOverheadNs = (promptTokens: number): number =>
    Math.round(cpu.requestMs * 1e6 + cpu.requestPerPromptTokenUs * 1e3 * promptTokens);

  const totalParams = L * (d * (headsQ + 2 * headsKv) * dh + headsQ * dh * d + experts * 3 * d * ffn) + 2 * vocab * d;
  const kvBytesPerToken = 2 * L * headsKv * dh * 2;
  const kvBlocks = (blockSize: number, gpuMemoryUtilization: number, maxNumBatchedTokens: number): number => {
    const usable = hw.memoryMiB * 2 ** 20 * gpuMemoryUtilization * gpus;
    // What vLLM's profiling forward pass peaks at: a fixed GiB per GPU plus the FFN and attention activations
    // of a full token budget.
    const activations = gpus * 2 ** 30 + (maxNumBatchedTokens * (2 * ffn * 2 + 4 * d * 2) * parallel.pp);
    const free = usable - 2 * totalParams - activations;
    return Math.max(0, Math.floor(free / (blockSize * kvBytesPerToken)));
  };

  return {
    stepNs,
    requestOverheadNs,
    kvBlocks,
    kvBytesPerToken,
    coefficients: {
      weightReadMs: weightReadMs(1),
      gemmMsPerToken,
      lmHeadReadMs,
      lmHeadMsPerSeq,
      pairFullNs,
      pairChunkedNs,
      kvReadNsPerToken,
      params: totalParams,
    },
  };
}
