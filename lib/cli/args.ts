import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.ts';

export interface CommonOptions {
  cacheDir: string;
}

/** Parses a subcommand's arguments, turning node's parse errors into usage errors with the fix. */
export function parseCommand<T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean; short?: string }>>(
  argv: string[],
  options: T,
  command: string,
) {
  try {
    return parseArgs({ args: argv, options: { cache: { type: 'string', default: 'cache' }, help: { type: 'boolean', default: false }, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/\. To specify.*$/s, '')} (see --help)`);
  }
}
