// `npx zx run.mjs report <workflow.yml> [--cache DIR] [--parquet DIR] [--csv DIR]`: the HTML report of a
// workflow from what the cache holds, running nothing; optionally the public views exported as files.
import path from 'node:path';
import { EXIT, UsageError } from './exit-codes.ts';
import { parseCommand } from './args.ts';
import { readWorkflow } from '../workflow/read.ts';
import { fingerprintJobs } from '../plan/plan.ts';

const USAGE = `Usage: npx zx run.mjs report <workflow.yml> [--cache DIR] [--parquet DIR] [--csv DIR]
  writes <cache>/reports/<workflow name>/index.html (and one .svg per chart) from the cache, running nothing
  --cache DIR     the cache to read (default ./cache)
  --parquet DIR   also write every public view (runs, requests, tokens, ...) as DIR/<view>.parquet
  --csv DIR       the same as CSV files
`;

export async function main(argv: string[], log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<number> {
  const { values, positionals } = parseCommand(argv, { parquet: { type: 'string' }, csv: { type: 'string' } }, 'report');
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`report: expected one workflow file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (usage: npx zx run.mjs report <workflow.yml> [--cache DIR] [--parquet DIR] [--csv DIR])`);
  }
  for (const opt of ['parquet', 'csv'] as const) {
    const v = values[opt];
    if (v !== undefined && String(v).trim() === '') throw new UsageError(`report: --${opt} expects a folder, got an empty string`);
  }
  const cacheDir = path.resolve(String(values.cache));
  const { workflow, jobs } = readWorkflow(positionals[0]);
  const planned = await fingerprintJobs(workflow, jobs, cacheDir);
  const { openStore } = await import('../store/index.ts');
  const { writeReport, exportViews } = await import('../report/index.ts');
  const store = await openStore(cacheDir);
  try {
    const file = await writeReport(workflow, planned, { cacheDir, store });
    log(`report: ${shortPath(file)}`);
    const files = await exportViews(store, { parquetDir: values.parquet as string | undefined, csvDir: values.csv as string | undefined });
    for (const f of files) log(`exported: ${shortPath(f)}`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

/** Relative to the working folder when inside it, else absolute. */
function shortPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
