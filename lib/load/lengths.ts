// Prompt and output lengths of a run's requests, from the trace's LengthSpec, capped by Etalon's rule.
import type { LengthSpec } from '../types.ts';
import { clipLengths } from './clip.ts';
import { parseCsv, readNumberColumn } from './csv.ts';
import { createRng, sampleInt, shuffleInPlace } from './prng.ts';
import { readSyntheticModels, sampleSynthetic } from './synthetic.ts';
import { createZipf } from './zipf.ts';

export type LengthPair = [prompt: number, output: number];

/** Rows of an Etalon length CSV (num_prefill_tokens, num_decode_tokens), as integers. */
export function parseLengthCsv(text: string, source: string): LengthPair[] {
  const table = parseCsv(text, source);
  const prompt = readNumberColumn(table, 'num_prefill_tokens', source);
  const output = readNumberColumn(table, 'num_decode_tokens', source);
  if (prompt.length === 0) throw new Error(`${source}: expected at least one request row, found none`);
  return prompt.map((p, i) => [Math.trunc(p), Math.trunc(output[i]!)]);
}

/**
 * `count` (prompt, output) pairs. CSV rows are clipped, then shuffled with the seed (as Etalon does) and taken
 * in order, starting over with a fresh shuffle when the run needs more rows than the file has.
 */
export function buildLengths(spec: LengthSpec, count: number, seed: number, maxTotalTokens: number, csvRows?: LengthPair[]): LengthPair[] {
  const rng = createRng(seed, 'lengths');
  const clip = (p: number, o: number) => clipLengths(p, o, maxTotalTokens);
  const out: LengthPair[] = [];
  switch (spec.type) {
    case 'csv': {
      if (!csvRows) throw new Error(`Length CSV ${spec.path}: the rows were not read`);
      const clipped = csvRows.map(([p, o]) => clip(p, o));
      while (out.length < count) {
        const pass = shuffleInPlace(clipped.slice(), rng);
        for (const pair of pass) {
          if (out.length === count) break;
          out.push(pair);
        }
      }
      return out;
    }
    case 'fixed':
      for (let i = 0; i < count; i++) out.push(clip(spec.prompt, spec.output));
      return out;
    case 'uniform':
      for (let i = 0; i < count; i++) {
        out.push(clip(sampleInt(rng, spec.prompt[0], spec.prompt[1]), sampleInt(rng, spec.output[0], spec.output[1])));
      }
      return out;
    case 'zipf': {
      const prompt = createZipf(spec.prompt[0], spec.prompt[1], spec.theta);
      const output = createZipf(spec.output[0], spec.output[1], spec.theta);
      for (let i = 0; i < count; i++) out.push(clip(prompt.sample(rng), output.sample(rng)));
      return out;
    }
    case 'synthetic': {
      const model = readSyntheticModels()[spec.name];
      if (!model) throw new Error(`Synthetic lengths: expected sharegpt, arxiv or bwb, got \`${spec.name}\``);
      for (let i = 0; i < count; i++) {
        const [p, o] = sampleSynthetic(model, rng);
        out.push(clip(p, o));
      }
      return out;
    }
  }
}
