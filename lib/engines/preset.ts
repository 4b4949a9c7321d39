// A preset turns a job into the command line, environment and URLs of its inference server. One file per
// engine under presets/; this file picks the preset, applies the user's command template and flags, and sets
// CUDA_VISIBLE_DEVICES. URLs: baseUrl is the server root (no /v1): clients append /v1/chat/completions etc.
import type { EngineName, Job } from '../types.ts';
import { fillCommandTemplate, formatFlags, type FlagStyle } from './flags.ts';
import { vllmPreset } from './presets/vllm.ts';
import { sglangPreset } from './presets/sglang.ts';
import { tgiPreset } from './presets/tgi.ts';
import { trtllmPreset } from './presets/trtllm.ts';
import { llamacppPreset } from './presets/llamacpp.ts';
import { simPreset } from './presets/sim.ts';
import { buildExternalLaunch } from './presets/external.ts';

export interface Launch {
  command: string[];
  /** Only the variables headroom adds; the process environment is inherited underneath. */
  env: Record<string, string>;
  /** Server root, e.g. http://127.0.0.1:8000 (no trailing /v1). */
  baseUrl: string;
  healthUrl: string;
  modelsUrl: string;
  metricsUrl: string | null;
  /** False for external servers: nothing is started or stopped. */
  launched: boolean;
}

export interface LaunchOptions {
  host: string;
  port: number;
  gpus: number[];
  repoRoot: string;
}

/** What each engine's preset knows: its own command line and where it answers. */
export interface EnginePreset {
  engine: EngineName;
  flagStyle: FlagStyle;
  /** The command a user of that engine would type, without System.flags. */
  command(job: Job, opts: LaunchOptions): string[];
  healthPath: string;
  modelsPath: string;
  metricsPath: string | null;
  /**
   * Where else the same gauges may be, for engines whose releases differ: tried in order when metricsPath is not
   * served (see scrape.ts). Most engines have none.
   */
  otherMetricsPaths?: string[];
  /** Variables the engine needs besides CUDA_VISIBLE_DEVICES. */
  env?(job: Job, opts: LaunchOptions): Record<string, string>;
}

const PRESETS: Record<Exclude<EngineName, 'external'>, EnginePreset> = {
  vllm: vllmPreset,
  sglang: sglangPreset,
  tgi: tgiPreset,
  trtllm: trtllmPreset,
  llamacpp: llamacppPreset,
  sim: simPreset,
};

export function readPreset(engine: EngineName): EnginePreset | null {
  if (engine === 'external') return null;
  const preset = PRESETS[engine];
  if (!preset) throw new Error(`Expected engine to be one of ${Object.keys(PRESETS).join(', ')}, external; got \`${engine}\``);
  return preset;
}

export function buildLaunch(job: Job, opts: LaunchOptions): Launch {
  if (job.system.engine === 'external') return buildExternalLaunch(job);
  const preset = readPreset(job.system.engine)!;
  const { host, port } = opts;
  const base = job.system.command
    ? fillCommandTemplate(job.system.command, {
        model: job.model.hfId,
        port,
        host,
        tp: job.parallel.tp,
        pp: job.parallel.pp,
      })
    : preset.command(job, opts);
  // User flags come last: every engine here parses with last-one-wins, so a flag can override a preset default.
  const command = [...base, ...formatFlags(job.system.flags, preset.flagStyle)];
  const env: Record<string, string> = { ...(preset.env?.(job, opts) ?? {}), ...job.system.env };
  if (opts.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = opts.gpus.join(',');
  const baseUrl = `http://${urlHost(host)}:${port}`;
  return {
    command,
    env,
    baseUrl,
    healthUrl: baseUrl + preset.healthPath,
    modelsUrl: baseUrl + preset.modelsPath,
    metricsUrl: preset.metricsPath === null ? null : baseUrl + preset.metricsPath,
    launched: true,
  };
}

// A server bound to every interface is still reached over loopback; IPv6 literals need brackets in URLs.
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
