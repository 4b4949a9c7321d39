import fs from 'node:fs';
import { SCHEMA_PATH } from './validate.ts';

type S = Record<string, any>;

// The workflow reference in the README is generated from the schema, so the two cannot drift.

function resolve(root: S, s: S): S {
  if (s?.$ref) {
    const target = s.$ref.replace('#/$defs/', '');
    const { $ref, ...rest } = s;
    return { ...root.$defs[target], ...rest };
  }
  return s;
}

function typeOf(root: S, s: S): string {
  if (s?.$ref === '#/$defs/duration') return 'duration';
  s = resolve(root, s);
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' \\| ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map((b: S) => typeOf(root, b)).join(' \\| ');
  if (s.oneOf) return 'one of the forms below';
  const t = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return t.map((x: string) => (x === 'array' ? `list of ${s.items ? typeOf(root, s.items) : 'any'}` : x === 'object' ? 'mapping' : x)).join(' \\| ');
}

function fmtDefault(s: S): string {
  if (!('default' in s)) return 'required';
  return '`' + JSON.stringify(s.default) + '`';
}

function rows(root: S, s: S, prefix: string, out: string[]): void {
  s = resolve(root, s);
  const required = new Set<string>(s.required ?? []);
  for (const [key, raw] of Object.entries<S>(s.properties ?? {})) {
    if (key === '$schema') continue;
    const p = resolve(root, raw);
    const name = `${prefix}${key}`;
    const def = required.has(key) ? 'required' : fmtDefault(raw.default !== undefined ? raw : p);
    out.push(`| \`${name}\` | ${typeOf(root, raw)} | ${def} | ${String(p.description ?? '').replace(/\|/g, '\\|')} |`);
    const item = p.items ? resolve(root, p.items) : null;
    if (p.properties) rows(root, p, `${name}.`, out);
    else if (item?.properties) rows(root, item, `${name}[].`, out);
    const variants = (p.oneOf ?? item?.oneOf) as S[] | undefined;
    if (variants) {
      for (const v of variants) {
        const tag = v.properties?.type?.const;
        out.push(`| \`${name}${item ? '[]' : ''}\` with \`type: ${tag}\` | | | ${v.properties?.type?.description ?? ''} |`);
        rows(root, { ...v, properties: Object.fromEntries(Object.entries(v.properties ?? {}).filter(([k]) => k !== 'type')) }, `${name}${item ? '[]' : ''}.`, out);
      }
    }
  }
}

export function formatWorkflowReference(): string {
  const root = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as S;
  const out = ['| field | type | default | meaning |', '| --- | --- | --- | --- |'];
  rows(root, root, '', out);
  return out.join('\n');
}

export const REFERENCE_BEGIN = '<!-- workflow-reference:begin (generated from schemas/workflow.schema.json by `npm run docs`) -->';
export const REFERENCE_END = '<!-- workflow-reference:end -->';

/** The README with its reference section replaced by the current one. */
export function updateReadmeReference(readme: string): string {
  const a = readme.indexOf(REFERENCE_BEGIN);
  const b = readme.indexOf(REFERENCE_END);
  if (a < 0 || b < a) throw new Error('README.md: the workflow reference markers are missing');
  return readme.slice(0, a) + REFERENCE_BEGIN + '\n' + formatWorkflowReference() + '\n' + readme.slice(b);
}
