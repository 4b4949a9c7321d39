// The fitted prefill curve as an ONNX graph, built with onnx-proto (no Python needed):
//   input  prompt_tokens   float [N,1]
//   output prefill_seconds float [N,1] = const + n*(perToken + n*perToken2) [+ perChunk*ceil(n/chunk)]
// Horner's form keeps n^2 out of float32 until it is scaled (n^2 reaches 2.7e8 at 16k tokens).

import onnxProto from 'onnx-proto';
import type { PrefillFit } from './fit.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export const INPUT_NAME = 'prompt_tokens';
export const OUTPUT_NAME = 'prefill_seconds';

/** Serialized ModelProto of the fit; `metadata` goes into the model's metadata_props. */
export function buildPrefillOnnx(fit: PrefillFit, metadata: Record<string, string> = {}): Uint8Array {
  const scalar = (name: string, v: number) => ({ name, dataType: FLOAT, dims: [], floatData: [v] });
  const node = (opType: string, input: string[], output: string) => ({ opType, input, output: [output], name: output });
  const initializer = [
    scalar('const_s', fit.constS),
    scalar('per_token_s', fit.perTokenS),
    scalar('per_token2_s', fit.perToken2S),
  ];
  const chunked = fit.chunkTokens !== null;
  const polyOut = chunked ? 'poly_s' : OUTPUT_NAME;
  const nodes = [
    node('Mul', [INPUT_NAME, 'per_token2_s'], 'h1'),
    node('Add', ['h1', 'per_token_s'], 'h2'),
    node('Mul', ['h2', INPUT_NAME], 'h3'),
    node('Add', ['h3', 'const_s'], polyOut),
  ];
  if (chunked) {
    initializer.push(scalar('chunk_tokens', fit.chunkTokens as number), scalar('per_chunk_s', fit.perChunkS));
    nodes.push(
      node('Div', [INPUT_NAME, 'chunk_tokens'], 'chunks_frac'),
      node('Ceil', ['chunks_frac'], 'chunks'),
      node('Mul', ['chunks', 'per_chunk_s'], 'chunk_s'),
      node('Add', [polyOut, 'chunk_s'], OUTPUT_NAME),
    );
  }
  const column = (name: string) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'headroom',
    producerVersion: '0.1.0',
    docString: 'Prefill time (seconds) of a prompt of prompt_tokens tokens on an idle server.',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'prefill_time',
      input: [column(INPUT_NAME)],
      output: [column(OUTPUT_NAME)],
      initializer,
      node: nodes,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
