// `npx zx run.mjs calibrate [--max-lag 10ms] [--seconds 5] [--workers 1,2] [--output-tokens 32] [--cache DIR]`:
// how hard this machine's load client can drive a server before it falls behind its own schedule. It drives
// the simulated engine (a child process, so the server's work does not sit on the client's event loop; no CPU
// overheads, so requests are short) at rising QPS, once per thread count, and reports the highest QPS whose
// p99 send lag stays within the bound with every request completing, with the streams open and tokens/s there.
// The result is also written to <cache>/calibration.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand } from './args.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { parseDuration } from '../workflow/duration.ts';
import { startChildServer } from '../load/child-server.ts';
import { findClientCeiling, type Ceiling, type CeilingStep } from '../load/ceiling.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL = 'headroom-calibrate';

function positive(name: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`calibrate: expected --${name} to be a positive ${integer ? 'integer' : 'number'}, got \`${text}\``);
  }
  return n;
}

export function formatStep(s: CeilingStep): string {
  const lag = `${(s.lagP99Ns / 1e6).toFixed(2)} ms`;
  return `  ${s.pass ? 'ok  ' : 'FAIL'} ${String(s.qps).padStart(6)} qps x ${s.workers} thread(s): lag p99 ${lag.padStart(10)}, ${s.ok}/${s.requests} ok, ` +
    `${s.peakInFlight} streams open at most, ${Math.round(s.tokensPerSecond)} tokens/s`;
}

export async function main(argv: string[], opts?: { cacheDir: string }): Promise<number> {
  const { values } = parseCommand(argv, {
    'max-lag': { type: 'string', default: '10ms' },
    seconds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1,2' },
    'prompt-tokens': { type: 'string', default: '16' },
    'output-tokens': { type: 'string', default: '32' },
    'start-qps': { type: 'string', default: '16' },
    'max-qps': { type: 'string', default: '8192' },
  }, 'calibrate');
  if (values.help) {
    process.stdout.write('usage: npx zx run.mjs calibrate [--max-lag 10ms] [--seconds 5] [--workers 1,2] [--prompt-tokens 16] [--output-tokens 32] [--start-qps 16] [--max-qps 8192] [--cache DIR]\n');
    return EXIT.ok;
  }
  const cacheDir = opts?.cacheDir ?? (values.cache as string);
  const maxLagNs = parseDuration(values['max-lag'] as string);
  if (maxLagNs === null || maxLagNs <= 0) throw new UsageError(`calibrate: expected --max-lag to be a duration like 10ms, got \`${values['max-lag']}\``);
  const workers = (values.workers as string).split(',').map((w) => positive('workers', w, true));
  const settings = JSON.stringify({ cpuProfile: 'none', maxNumSeqs: 4096 });
  const sim = await startChildServer(
    path.join(REPO_ROOT, 'lib/sim/main.ts'),
    ['--port', '0', '--served-model-name', MODEL, '--sim-model', 'llama-3-8b', '--settings', settings],
    /headroom-sim listening on (\S+)/,
    { cwd: REPO_ROOT },
  );
  const results: Record<string, Ceiling> = {};
  try {
    const baseUrl = sim.url.replace(/\/+$/, '') + '/v1';
    for (const w of workers) {
      process.stdout.write(`client with ${w} thread(s), lag bound ${values['max-lag']}:\n`);
      results[w] = await findClientCeiling({
        baseUrl, model: MODEL, workers: w, maxLagNs,
        seconds: positive('seconds', values.seconds as string, false),
        promptTokens: positive('prompt-tokens', values['prompt-tokens'] as string, true),
        outputTokens: positive('output-tokens', values['output-tokens'] as string, true),
        startQps: positive('start-qps', values['start-qps'] as string, false),
        maxQps: positive('max-qps', values['max-qps'] as string, false),
        bisectSteps: 3,
        onStep: (s) => process.stdout.write(formatStep(s) + '\n'),
      });
    }
  } finally {
    await sim.stop();
  }
  process.stdout.write('\nceiling within the lag bound:\n');
  for (const [w, c] of Object.entries(results)) {
    process.stdout.write(c.best
      ? `  ${w} thread(s): ${c.best.qps} qps, ${c.best.peakInFlight} concurrent streams, ${Math.round(c.best.tokensPerSecond)} tokens/s\n`
      : `  ${w} thread(s): not even ${values['start-qps']} qps kept the lag bound (a loaded machine?)\n`);
  }
  await mkdir(cacheDir, { recursive: true });
  await writeFile(path.join(cacheDir, 'calibration.json'), JSON.stringify({
    measuredAt: new Date().toISOString(), maxLagNs, outputTokens: Number(values['output-tokens']), results,
  }, null, 2) + '\n');
  return EXIT.ok;
}
