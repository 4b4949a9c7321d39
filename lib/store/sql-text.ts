// SQL lives in .sql files beside the code that runs it; this reads them once and fills their {{placeholders}}.
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** Read a .sql file given relative to `base` (an import.meta.url). */
export function readSqlFile(base: string, name: string): string {
  const url = new URL(name, base);
  let text = cache.get(url.href);
  if (text === undefined) {
    text = readFileSync(url, 'utf8');
    cache.set(url.href, text);
  }
  return text;
}

/** Replace every {{key}} with vars[key]; an unknown placeholder is a bug in the caller, so it throws. */
export function fillSql(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`SQL placeholder {{${key}}} has no value (known: ${Object.keys(vars).join(', ')})`);
    return value;
  });
}

/** A SQL string literal. */
export function quoteSql(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
