// Prefill-time predictors as ONNX models, run with onnxruntime-node: headroom's own fitted curve, or a user's
// regressor (e.g. Etalon's scikit-learn random forest converted with skl2onnx, a TreeEnsembleRegressor).
// Contract of a predictor model: one input, float or double, shape [N,1] (prompt tokens); one output (or one named
// prefill_seconds), shape [N,1] or [N], prefill time in seconds.

import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { PrefillTable } from '../types.ts';
import type { PrefillFit } from './fit.ts';
import { buildPrefillOnnx, OUTPUT_NAME } from './onnx-build.ts';

export interface PrefillPredictor {
  /** Predicted prefill time in integer ns for each prompt length, in order. */
  predictNs(promptTokens: number[]): Promise<number[]>;
  /** Where the predictor came from (a file path, with how it was obtained), for logs and reports. */
  source: string;
}

// Lengths the loader runs once to prove the model answers in the expected shape before anyone relies on it.
const PROBE_TOKENS = [256, 4096];

/** Writes the fit as an ONNX model at path (atomically: a temp file renamed into place). */
export async function writePredictorOnnx(path: string, fit: PrefillFit, metadata: Record<string, string> = {}) {
  const tmp = `${path}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(tmp, buildPrefillOnnx(fit, metadata));
  await rename(tmp, path);
}

/** Loads an ONNX prefill predictor; throws an error naming the file, what was expected and what was found. */
export async function loadPredictor(path: string): Promise<PrefillPredictor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`Cannot read prefill predictor ${path}: ${(e as Error).message}`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  } catch (e) {
    const why = firstLine(e);
    // skl2onnx can target ai.onnx.ml opset 5, where this runtime refuses the old TreeEnsembleRegressor.
    const hint = /TreeEnsemble.*deprecated/.test(why)
      ? `; convert it again with skl2onnx's target_opset={'': 17, 'ai.onnx.ml': 3}`
      : '';
    throw new Error(
      `Prefill predictor ${path} is not a usable ONNX model: expected a serialized ONNX ModelProto that ` +
        `onnxruntime accepts, found ${bytes.length} bytes it rejected (${why})${hint}`,
    );
  }
  const shapeProblem = checkSignature(session);
  if (shapeProblem) throw new Error(`Prefill predictor ${path} has the wrong shape: ${shapeProblem}`);

  const input = session.inputMetadata[0] as ort.InferenceSession.TensorValueMetadata;
  const outputName = session.outputNames.includes(OUTPUT_NAME) ? OUTPUT_NAME : session.outputNames[0];
  const predictNs = async (promptTokens: number[]): Promise<number[]> => {
    if (promptTokens.length === 0) return [];
    const n = promptTokens.length;
    const data = input.type === 'float64' ? Float64Array.from(promptTokens) : Float32Array.from(promptTokens);
    let out: ort.Tensor;
    try {
      out = (await session.run({ [session.inputNames[0]]: new ort.Tensor(input.type, data, [n, 1]) }))[outputName] as ort.Tensor;
    } catch (e) {
      throw new Error(`Prefill predictor ${path} failed on ${n} prompt lengths: ${firstLine(e)}`);
    }
    const dims = out.dims.join(',');
    if (!(dims === `${n}` || dims === `${n},1`)) {
      throw new Error(
        `Prefill predictor ${path} has the wrong shape: expected output ${outputName} of shape [${n},1] or [${n}] ` +
          `for ${n} prompt lengths, found [${dims}]`,
      );
    }
    const secs = Array.from(out.data as ArrayLike<number | bigint>, Number);
    const bad = secs.findIndex((s) => !Number.isFinite(s) || s < 0);
    if (bad >= 0) {
      throw new Error(
        `Prefill predictor ${path} gave an unusable time: expected non-negative finite seconds, ` +
          `found ${secs[bad]} for ${promptTokens[bad]} prompt tokens`,
      );
    }
    return secs.map((s) => Math.round(s * 1e9));
  };
  await predictNs(PROBE_TOKENS);
  return { predictNs, source: path };
}

/** Predicted prefill time for each distinct prompt length, in one batch. */
export async function prefillTable(predictor: PrefillPredictor, promptLengths: number[]): Promise<PrefillTable> {
  const distinct = [...new Set(promptLengths)].sort((a, b) => a - b);
  const ns = await predictor.predictNs(distinct);
  return new Map(distinct.map((len, i) => [len, ns[i]]));
}

// What is wrong with the model's declared inputs and outputs, or null when they fit the contract.
function checkSignature(session: ort.InferenceSession): string | null {
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) {
    return `expected one input (prompt tokens, [N,1]), found ${inputs.length}: ${session.inputNames.join(', ')}`;
  }
  const inp = inputs[0];
  if (!inp.isTensor || (inp.type !== 'float32' && inp.type !== 'float64')) {
    return `expected input ${inp.name} to be a float or double tensor, found ${inp.isTensor ? inp.type : 'a non-tensor'}`;
  }
  // An empty shape means the model does not declare one; the probe run below then decides.
  if (inp.shape.length > 0 && !(inp.shape.length === 2 && (inp.shape[1] === 1 || typeof inp.shape[1] === 'string'))) {
    return `expected input ${inp.name} of shape [N,1], found ${formatShape(inp.shape)}`;
  }
  const outputs = session.outputMetadata;
  const named = outputs.find((o) => o.name === OUTPUT_NAME);
  if (!named && outputs.length !== 1) {
    return `expected one output (or one named ${OUTPUT_NAME}), found ${outputs.length}: ${session.outputNames.join(', ')}`;
  }
  const out = named ?? outputs[0];
  if (!out.isTensor || (out.type !== 'float32' && out.type !== 'float64')) {
    return `expected output ${out.name} to be a float or double tensor, found ${out.isTensor ? out.type : 'a non-tensor'}`;
  }
  const s = out.shape;
  const columnOk = s.length === 0 || s.length === 1 || (s.length === 2 && (s[1] === 1 || typeof s[1] === 'string'));
  if (!columnOk) return `expected output ${out.name} of shape [N,1] or [N], found ${formatShape(s)}`;
  return null;
}

const formatShape = (shape: ReadonlyArray<number | string>) => `[${shape.join(',')}]`;

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].trim();
}
