// CLI of the simulated engine, run as a child process like a real inference server:
//   node --import tsx lib/sim/main.ts --host 127.0.0.1 --port <n|0> --served-model-name <hfId> --sim-model <name>
//     --tp <n> --pp <n> [--max-model-len <n>] [--settings '<SimSettings json>'] [--emission-log <file>]
// Prints exactly one stdout line `headroom-sim listening on http://127.0.0.1:<port>` when ready (after the
// start-delay fault); exits 0 on SIGTERM/SIGINT, 1 when the exit-after-N-requests fault fires, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { normalizeSimSettings, validateSimSettings, type SimSettingsSpec } from './defaults.ts';
import { startSimServer } from './server.ts';

function fail(message: string): never {
  process.stderr.write(`headroom-sim: ${message}\n`);
  process.exit(2);
}

function intArg(name: string, text: string | undefined, fallback: number | null, min = 0): number | null {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`expected --${name} to be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got \`${text}\``);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        'served-model-name': { type: 'string' },
        'sim-model': { type: 'string', default: 'llama-3-8b' },
        tp: { type: 'string', default: '1' },
        pp: { type: 'string', default: '1' },
        'max-model-len': { type: 'string' },
        settings: { type: 'string' },
        'emission-log': { type: 'string' },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const served = values['served-model-name'];
  if (!served) fail('expected --served-model-name <name>');
  let spec: SimSettingsSpec = {};
  if (values.settings) {
    try {
      spec = JSON.parse(values.settings) as SimSettingsSpec;
    } catch (e) {
      fail(`expected --settings to be SimSettings JSON: ${(e as Error).message}`);
    }
  }
  const settings = normalizeSimSettings(spec);
  try {
    validateSimSettings(settings);
  } catch (e) {
    fail((e as Error).message);
  }
  const server = await startSimServer({
    host: values.host,
    port: intArg('port', values.port, 0)!,
    settings,
    simModel: values['sim-model']!,
    parallel: { tp: intArg('tp', values.tp, 1, 1)!, pp: intArg('pp', values.pp, 1, 1)! },
    servedModelName: served,
    maxModelLen: intArg('max-model-len', values['max-model-len'], null, 1),
    emissionLog: values['emission-log'] ?? null,
  }).catch((e: Error) => fail(e.message));
  process.stdout.write(`headroom-sim listening on ${server.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(() => process.exit(0), () => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.died.then(async (reason) => {
    process.stderr.write(`headroom-sim: ${reason}\n`);
    await server.close().catch(() => {});
    process.exit(1);
  });
}

await main();
