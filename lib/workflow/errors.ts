import path from 'node:path';

/** One problem found in a workflow file, with where it is. */
export interface Problem {
  line: number;
  col: number;
  /** Field path such as `systems[1].engine`; '' for the whole file. */
  path: string;
  message: string;
}

/** A workflow that cannot be used; `message` lists every problem at once. */
export class WorkflowError extends Error {
  readonly file: string;
  readonly problems: Problem[];
  constructor(file: string, problems: Problem[]) {
    super(formatProblems(file, problems));
    this.name = 'WorkflowError';
    this.file = file;
    this.problems = problems;
  }
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** `systems[1].engine` from a JSON pointer's segments. */
export function formatFieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

export function formatProblems(file: string, problems: Problem[]): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
  const n = sorted.length;
  const lines = [`${displayPath(file)}: ${n} problem${n === 1 ? '' : 's'} in this workflow:`];
  for (const p of sorted) lines.push(`  - ${p.line}:${p.col} ${p.path ? p.path + ': ' : ''}${p.message}`);
  return lines.join('\n');
}

/** Renders a found value for an error message: strings quoted, others with their type. */
export function formatFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const json = JSON.stringify(value).replace(/,/g, ', ');
    return json.length <= 40 ? json : `a list of ${value.length}`;
  }
  if (typeof value === 'object') return 'a mapping';
  return `${String(value)} (${typeof value})`;
}
