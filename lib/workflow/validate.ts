import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatFieldPath, formatFound, type Problem } from './errors.ts';
import { didYouMean } from './hints.ts';
import { pointerSegments, type Segment } from './positions.ts';

const require = createRequire(import.meta.url);
export const SCHEMA_PATH = new URL('../../schemas/workflow.schema.json', import.meta.url);

let compiled: ValidateFunction | null = null;

/** The workflow schema, compiled once. Defaults come from the schema's `default` keywords (their one home). */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const Ajv = require('ajv').default as typeof import('ajv').default;
  const ajv = new Ajv({
    allErrors: true,
    discriminator: true,
    useDefaults: true,
    verbose: true,
    allowUnionTypes: true,
    strictRequired: false,
  });
  // `x-expected`: how an error names what a field takes, where the description alone reads badly.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  compiled = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')));
  return compiled;
}

export interface SchemaProblem {
  segments: Segment[];
  /** Point at the key itself (unknown keys) rather than its value. */
  atKey: boolean;
  message: string;
}

/** Validates (and fills defaults into) a parsed workflow; returns problems in the user's words. */
export function validateAgainstSchema(data: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(data)) return [];
  return translateErrors(validate.errors ?? [], data);
}

// Keys that are valid in one place of the document and likely written in another: say where they belong.
function misplacedKeyHint(key: string, owner: unknown): string | null {
  if (key !== 'minusPredictedPrefill') return null;
  if ((owner as Record<string, unknown> | null)?.type === 'deadline') {
    return '; a deadline SLO already counts from the predicted prefill (its first token is due at predicted prefill + ttftSlack)';
  }
  return '; only a ttft bound subtracts the predicted prefill (ttft: { max: 300ms, minusPredictedPrefill: true })';
}

const DURATION = '#/$defs/duration';
const NAME = '#/$defs/name';

function translateErrors(errors: ErrorObject[], data: unknown): SchemaProblem[] {
  // An anyOf (e.g. a duration or null) reports each branch's failure, then itself: keep only its own line.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  // A misspelt required key shows up twice (unknown + missing): keep the one that names the fix.
  const suggested = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const k = String((e.params as { additionalProperty: string }).additionalProperty);
    const hint = didYouMean(k, Object.keys(((e.parentSchema as Record<string, unknown>)?.properties as object) ?? {}));
    if (hint) suggested.add(`${e.instancePath}|${hint.match(/"(.*)"/)![1]}`);
  }
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'if') continue;
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) continue;
    if (e.keyword === 'required' && suggested.has(`${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`)) continue;
    const p = translate(e, data);
    const key = `${p.segments.join('/')}|${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

function translate(e: ErrorObject, data: unknown): SchemaProblem {
  const segments = pointerSegments(e.instancePath);
  const found = formatFound(e.data);
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const p = (message: string, extra: Segment[] = [], atKey = false): SchemaProblem => ({
    segments: [...segments, ...extra],
    atKey,
    message,
  });
  if (e.schemaPath.startsWith(DURATION)) {
    return p(`expected a duration with a unit (ns, us, ms, s, m, h), like 30ms or 1.5s; found ${found}`);
  }
  if (e.schemaPath.startsWith(NAME) && e.keyword !== 'type') {
    return p(`expected a name of letters, digits, '.', '_' and '-'; found ${found}`);
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const k = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((schema.properties as object) ?? {});
      const hint = misplacedKeyHint(k, e.data) ?? (didYouMean(k, known) || `; expected one of ${known.join(', ')}`);
      return p(`unknown key "${k}"${hint}`, [k], true);
    }
    case 'required': {
      const k = String((e.params as { missingProperty: string }).missingProperty);
      return p(`missing required key "${k}"`);
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return p(`expected one of ${allowed.join(', ')}; found ${found}${hint}`);
    }
    case 'discriminator': {
      const params = e.params as { error: string; tag: string };
      const branches = ((schema.oneOf as Record<string, any>[]) ?? []).map((b) => String(b.properties?.[params.tag]?.const));
      const value = (e.data as Record<string, unknown> | null)?.[params.tag];
      if (params.error === 'tag' && value === undefined) return p(`missing required key "${params.tag}" (one of ${branches.join(', ')})`);
      const hint = typeof value === 'string' ? didYouMean(value, branches) : '';
      return p(`expected one of ${branches.join(', ')}; found ${formatFound(value)}${hint}`, [params.tag]);
    }
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const want = (Array.isArray(t) ? t : String(t).split(',')).map(article).join(' or ');
      return p(`expected ${want}; found ${found}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const last = segments[segments.length - 1];
      if (last === 'percentile') return p(`expected a percentile in (0, 1] (0.99 is p99); found ${found}`);
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return p(`expected a number ${comparison} ${limit}; found ${found}`);
    }
    case 'minItems': {
      const n = (e.params as { limit: number }).limit;
      return p(`expected at least ${n} item${n === 1 ? '' : 's'}; found ${Array.isArray(e.data) ? e.data.length : found}`);
    }
    case 'maxItems': {
      const n = (e.params as { limit: number }).limit;
      return p(`expected at most ${n} items; found ${Array.isArray(e.data) ? e.data.length : found}`);
    }
    case 'minLength':
      return p(`expected a non-empty string; found ${found}`);
    case 'uniqueItems':
      return p(`expected no repeated items; found ${found}`);
    case 'pattern':
      return p(`expected ${String(schema.description ?? `a value matching ${(e.params as { pattern: string }).pattern}`).replace(/\.$/, '')}; found ${found}`);
    case 'anyOf':
    case 'const':
      return p(`expected ${String(schema['x-expected'] ?? schema.description ?? 'another value').replace(/\.$/, '')}; found ${found}`);
    default:
      return p(`${e.message ?? 'is invalid'}; found ${found}`);
  }
}

function article(t: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'null',
  };
  return words[t] ?? t;
}

export { formatFieldPath };
export type { Problem };
