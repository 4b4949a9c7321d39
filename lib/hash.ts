// Content keys: a value's canonical JSON (object keys in code-point order, so equal values always serialize
// equally) and a short SHA-256 of it. Used for the run fingerprint, the profile key and SLO keys.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The first `hexChars` hex digits of the SHA-256 of the value's canonical JSON. */
export function hashKey(value: unknown, hexChars: number): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, hexChars);
}
