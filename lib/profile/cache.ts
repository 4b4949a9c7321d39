// The prefill predictor a job's deadline SLOs use: the user's own ONNX model when the system names one, else the
// profile cached under <cacheDir>/profiles/<fingerprint>.onnx (+ .json metadata), else a new profile: measure,
// fit, export, load. The .json is written before the .onnx and both by rename, so an .onnx present means a
// complete profile.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../types.ts';
import { fitPrefill, PrefillFitError, type PrefillFit } from './fit.ts';
import { prefillChunkTokensOf, profileSettingsFor } from './lengths.ts';
import { loadPredictor, writePredictorOnnx, type PrefillPredictor } from './onnx.ts';
import { profilePrefill, type Measure } from './profile.ts';
import { PROFILE_FORMAT, profileFingerprint } from './fingerprint.ts';
import type { PrefillPoint } from './point.ts';

export { prefillTable, loadPredictor, type PrefillPredictor } from './onnx.ts';

export { PROFILE_FORMAT, profileFingerprint };

/** The .json beside a profile's .onnx. */
export interface PrefillProfileMeta {
  format: number;
  fingerprint: string;
  model: string;
  hfId: string;
  system: string;
  engine: string;
  parallel: { tp: number; pp: number };
  lengths: number[];
  repetitions: number;
  outputTokens: number;
  points: PrefillPoint[];
  fit: PrefillFit;
  /** File name of the model, beside this file. */
  onnx: string;
  /** ISO 8601. */
  created: string;
}

export interface EnsureOptions {
  cacheDir: string;
  /**
   * Names the profile in the cache; by default profileFingerprint(job), which jobs on the same server share and
   * `run.mjs profile` writes under. A job's run fingerprint also works but re-profiles per trace.
   */
  fingerprint?: string;
  measure: Measure;
  log?: (line: string) => void;
  /** The clock for `created`. */
  now?: () => Date;
}

export function profilePaths(cacheDir: string, fingerprint: string): { onnx: string; json: string } {
  const base = join(cacheDir, 'profiles', fingerprint);
  return { onnx: `${base}.onnx`, json: `${base}.json` };
}

/** Metadata of a cached profile, or null when there is none (or only half of one). */
export async function readProfileMeta(cacheDir: string, fingerprint: string): Promise<PrefillProfileMeta | null> {
  const paths = profilePaths(cacheDir, fingerprint);
  if (!existsSync(paths.onnx) || !existsSync(paths.json)) return null;
  try {
    const meta = JSON.parse(await readFile(paths.json, 'utf8')) as PrefillProfileMeta;
    return meta.format === PROFILE_FORMAT ? meta : null;
  } catch {
    return null;
  }
}

export async function ensurePrefillPredictor(job: Job, opts: EnsureOptions): Promise<PrefillPredictor> {
  const log = opts.log ?? (() => {});
  const fingerprint = opts.fingerprint ?? profileFingerprint(job);
  if (job.system.prefillOnnx !== null) {
    const p = await loadPredictor(job.system.prefillOnnx);
    return { predictNs: p.predictNs, source: `user ONNX ${job.system.prefillOnnx}` };
  }
  const paths = profilePaths(opts.cacheDir, fingerprint);
  if (await readProfileMeta(opts.cacheDir, fingerprint)) {
    try {
      const p = await loadPredictor(paths.onnx);
      return { predictNs: p.predictNs, source: `cached profile ${paths.onnx}` };
    } catch (e) {
      log(`${job.id}: cached prefill profile unusable, profiling again (${(e as Error).message})`);
    }
  }
  const meta = await createProfile(job, { ...opts, fingerprint });
  log(`${job.id}: prefill profile written to ${paths.onnx}`);
  const p = await loadPredictor(paths.onnx);
  return { predictNs: p.predictNs, source: `new profile ${paths.onnx} (worst fit error ${(meta.fit.worstRelErr * 100).toFixed(1)}%)` };
}

/** Profiles the job's server, fits and writes <fingerprint>.json then <fingerprint>.onnx; returns the metadata. */
export async function createProfile(job: Job, opts: EnsureOptions): Promise<PrefillProfileMeta> {
  const log = opts.log ?? (() => {});
  const fingerprint = opts.fingerprint ?? profileFingerprint(job);
  const settings = profileSettingsFor(job);
  const points = await profilePrefill(settings, opts.measure, (line) => log(`${job.id}: ${line}`));
  let fit: PrefillFit;
  try {
    fit = fitPrefill(points, { chunkTokens: prefillChunkTokensOf(job) });
  } catch (e) {
    if (e instanceof PrefillFitError) throw new PrefillFitError(e.problem, `job ${job.id}: ${e.message}`);
    throw e;
  }
  const paths = profilePaths(opts.cacheDir, fingerprint);
  const meta: PrefillProfileMeta = {
    format: PROFILE_FORMAT,
    fingerprint,
    model: job.model.name,
    hfId: job.model.hfId,
    system: job.system.name,
    engine: job.system.engine,
    parallel: job.parallel,
    lengths: settings.lengths,
    repetitions: settings.repetitions,
    outputTokens: settings.outputTokens,
    points,
    fit,
    onnx: `${fingerprint}.onnx`,
    created: (opts.now ?? (() => new Date()))().toISOString(),
  };
  await mkdir(join(opts.cacheDir, 'profiles'), { recursive: true });
  const tmp = `${paths.json}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(tmp, JSON.stringify(meta, null, 2) + '\n');
  await rename(tmp, paths.json);
  await writePredictorOnnx(paths.onnx, fit, {
    model: meta.model,
    system: meta.system,
    fingerprint: meta.fingerprint,
    created: meta.created,
  });
  return meta;
}
