import chalk from 'chalk';
import { WorkflowError } from '../workflow/errors.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { HELP } from './help.ts';

type Command = (argv: string[]) => Promise<number>;

// Subcommands load lazily: `sql` need not pay for the simulator, nor `--help` for DuckDB.
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.ts')).main,
  bench: async () => (await import('./bench.ts')).main,
  profile: async () => (await import('./profile.ts')).main,
  report: async () => (await import('./report.ts')).main,
  sql: async () => (await import('./sql.ts')).main,
  conformance: async () => (await import('./conformance.ts')).main,
  calibrate: async () => (await import('./calibrate.ts')).main,
};

/** Runs the command line; returns the exit code (see exit-codes.ts). */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(HELP);
    return EXIT.invalid;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const named = Object.hasOwn(COMMANDS, argv[0]);
  const name = named ? argv[0] : 'run';
  const rest = named ? argv.slice(1) : argv;
  try {
    const command = await COMMANDS[name]();
    return await command(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** Prints an error for the person who hit it and maps it to an exit code. */
export function reportError(err: unknown): number {
  if (err instanceof WorkflowError) {
    process.stderr.write(`${chalk.red('Invalid workflow')} ${err.message}\n`);
    return EXIT.invalid;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${chalk.red('Error:')} ${err.message}\n`);
    return EXIT.invalid;
  }
  const e = err as Error & { exitCode?: number; isServerFailure?: boolean; interrupted?: boolean };
  if (e?.name === 'AbortError' || e?.interrupted) {
    process.stderr.write(`${chalk.yellow('Interrupted')}: servers stopped; completed runs are kept in the cache.\n`);
    return EXIT.interrupted;
  }
  if (e?.name === 'ServerStartError' || e?.isServerFailure) {
    process.stderr.write(`${chalk.red('Server failure:')} ${e.message}\n`);
    return EXIT.server;
  }
  if (e?.name === 'StoreError' || e?.name === 'InputError') {
    process.stderr.write(`${chalk.red('Error:')} ${e.message}\n`);
    return EXIT.invalid;
  }
  process.stderr.write(`${chalk.red('headroom failed:')} ${e?.stack ?? String(err)}\n`);
  return EXIT.failed;
}
