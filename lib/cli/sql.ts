// `sql "<query>" [--json|--csv] [--cache DIR]`: ad-hoc SQL over the cache's public views (lib/store/VIEWS.md).
import { parseArgs } from 'node:util';
import { openStore } from '../store/index.ts';
import { UsageError } from './exit-codes.ts';

const USAGE = 'usage: sql "<query>" [--json|--csv] [--cache DIR]   (views: runs, requests, tokens, request_metrics, capacities, server_samples)';

export async function main(argv: string[], opts?: { cacheDir: string }, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {
      json: { type: 'boolean', default: false }, csv: { type: 'boolean', default: false },
      cache: { type: 'string' }, help: { type: 'boolean', default: false } } });
  } catch (e) {
    throw new UsageError(`sql: ${(e as Error).message.replace(/\. To specify.*$/s, '')}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`sql: expected one query argument, got ${positionals.length}\n${USAGE}`);
  if (values.json && values.csv) throw new UsageError('sql: expected at most one of --json and --csv, got both');
  const store = await openStore(values.cache ?? opts?.cacheDir ?? 'cache');
  try {
    const rows = await store.query(positionals[0]);
    out(values.json ? formatJson(rows) : values.csv ? formatCsv(rows) : formatTable(rows));
  } finally {
    await store.close();
  }
  return 0;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
}

/** Plain aligned text: numbers right-aligned, everything else left; one header line and a rule. */
export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = cols.map((c) => rows.every((r) => r[c] === null || typeof r[c] === 'number'));
  const line = (vals: string[]) => vals.map((v, i) => (numeric[i] ? v.padStart(width[i]) : v.padEnd(width[i]))).join('  ').trimEnd();
  return [line(cols), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') +
    `\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

export function formatCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const raw = (v: unknown) => (typeof v === 'number' ? String(v) : cell(v));
  return [cols.map(quote).join(','), ...rows.map((r) => cols.map((c) => quote(raw(r[c]))).join(','))].join('\n') + '\n';
}

/** JSON lines would lose nothing either; an array is what `jq` users expect. Infinity becomes "Infinity". */
export function formatJson(rows: Record<string, unknown>[]): string {
  return JSON.stringify(rows, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x), 2) + '\n';
}
