// Paged KV cache, as counts: vLLM V0's block manager with recompute preemption only (no swapping), so a
// sequence either holds blocks for all its tokens or none.

export class KvCache {
  readonly totalBlocks: number;
  readonly blockSize: number;
  /** Admitting a new sequence must leave this many blocks free (vLLM's 1% watermark). */
  readonly watermarkBlocks: number;
  freeBlocks: number;

  constructor(totalBlocks: number, blockSize: number, watermark = 0.01) {
    if (!(totalBlocks > 0)) throw new Error(`KV cache: expected a positive number of blocks, got ${totalBlocks} (the model does not fit in GPU memory)`);
    this.totalBlocks = totalBlocks;
    this.blockSize = blockSize;
    this.watermarkBlocks = Math.floor(watermark * totalBlocks);
    this.freeBlocks = totalBlocks;
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Could a sequence of this many tokens ever be admitted, on an empty cache? */
  fitsEver(tokens: number): boolean {
    return this.totalBlocks - this.blocksFor(tokens) >= this.watermarkBlocks;
  }

  /** Admission check for a new (or recomputed) sequence: leaves the watermark free. */
  canAdmit(tokens: number): boolean {
    return this.freeBlocks - this.blocksFor(tokens) >= this.watermarkBlocks;
  }

  take(blocks: number): void {
    if (blocks > this.freeBlocks) throw new Error(`KV cache: asked for ${blocks} blocks, ${this.freeBlocks} free`);
    this.freeBlocks -= blocks;
  }

  give(blocks: number): void {
    this.freeBlocks += blocks;
  }

  usage(): number {
    return 1 - this.freeBlocks / this.totalBlocks;
  }
}
