#!/usr/bin/env zx
// headroom's command line: a thin entry that loads the TypeScript library (no build step) and hands over.
// `npx zx run.mjs --help` lists the commands; the same steps are exported by lib/index.ts for your own scripts.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const self = fileURLToPath(import.meta.url);
const at = process.argv.findIndex((a) => a === self || a.endsWith('/run.mjs') || a === 'run.mjs');
const { main } = await import('./lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(at + 1));
