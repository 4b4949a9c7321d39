import fs from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { parseCommand } from './args.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { benchmark, planWorkflow } from '../index.ts';
import { openStore, type Store } from '../store/index.ts';
import type { SloVerdict } from '../types.ts';

const SUMMARY_SQL = fs.readFileSync(new URL('./sql/bench-summary.sql', import.meta.url), 'utf8');

/** `bench <workflow.yml> --qps 2,4,8`: one run per job and QPS (Etalon's black-box recipe), no search. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { qps: { type: 'string' }, only: { type: 'string' } }, 'bench');
  if (positionals.length !== 1) throw new UsageError('bench: expected one workflow file (usage: npx zx run.mjs bench <workflow.yml> --qps 2,4,8)');
  const qpsList = String(values.qps ?? '').split(',').filter(Boolean).map(Number);
  if (qpsList.length === 0 || qpsList.some((q) => !(q > 0))) throw new UsageError(`bench: --qps expects positive numbers separated by commas, like 2,4,8; got "${values.qps ?? ''}"`);
  const plan = await planWorkflow(positionals[0], { cacheDir: String(values.cache), only: (values.only as string | undefined) ?? null });
  const store = await openStore(plan.cacheDir);
  try {
    for (const planned of plan.jobs) {
      process.stdout.write(chalk.bold(`${planned.job.id}`) + '\n');
      for (const qps of qpsList) {
        const r = await benchmark(plan, planned, qps, { store });
        process.stdout.write(await formatRunSummary(store, r.runId, qps, r.evaluation.verdicts, r.evaluation.invalidReason) + '\n');
      }
    }
    await store.refreshCatalog();
  } finally {
    await store.close();
  }
  process.stdout.write(chalk.dim(`runs stored in ${path.relative(process.cwd(), plan.cacheDir) || '.'}; query them with npx zx run.mjs sql\n`));
  return EXIT.ok;
}

const ms = (s: unknown) => (typeof s === 'number' && Number.isFinite(s) ? `${(s * 1e3).toFixed(1)}` : '-');
const trio = (v: unknown) => (Array.isArray(v) ? v.map(ms).join('/') : '-');

/** The figures of one stored run, as lines for a terminal. */
export async function formatRunSummary(store: Store, runId: string, qps: number, verdicts: SloVerdict[], invalid: string | null): Promise<string> {
  const [row] = await store.query(SUMMARY_SQL.replaceAll('$run_id', `'${runId.replaceAll("'", "''")}'`));
  const fluid = await store.fluidTokenRate(runId);
  const dur = Number(row.duration_s);
  const lines = [
    `  ${qps} QPS  ${row.requests} requests, ${row.failed} failed, ${(Number(row.output_tokens) / dur).toFixed(0)} output tokens/s over ${dur.toFixed(1)} s${invalid ? chalk.red(`  INVALID: ${invalid}`) : ''}`,
    `    TTFT ${trio(row.ttft)} ms  TBT ${trio(row.tbt)} ms  TPOT ${trio(row.tpot)} ms  E2E ${trio(row.e2e)} ms  (p50/p90/p99)`,
    `    fluid token generation rate ${Number.isFinite(fluid) ? fluid.toFixed(1) : '-'} tokens/s`,
  ];
  for (const v of verdicts) {
    const vals = Object.entries(v.values).map(([k, x]) => `${k} ${k.startsWith('miss_rate') ? x.toFixed(4) : `${(x * 1e3).toFixed(1)} ms`}`).join(', ');
    lines.push(`    ${v.pass ? chalk.green('pass') : chalk.red('fail')} ${v.slo}: ${vals}`);
  }
  return lines.join('\n');
}
