// Durations are strings with units, as zx and k6 take them.
//   duration := part+        part := number unit        number := digits ( "." digits )?
//   unit     := "ns" | "us" | "µs" | "ms" | "s" | "m" | "h"
// e.g. "30ms", "1.5s", "2m30s". A bare number is refused: its unit would be a guess.

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/** Parses a duration string into integer nanoseconds; returns null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return null;
    total += Number(m[1]) * UNIT_NS[m[2]];
  }
  return Math.round(total);
}

/** Formats nanoseconds as the shortest exact-looking duration string (for plans and reports). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns % 1e9 === 0 && ns >= 60e9 && ns % 60e9 === 0) return `${ns / 60e9}m`;
  if (ns >= 1e9) return `${+(ns / 1e9).toFixed(3)}s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toFixed(3)}ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toFixed(3)}us`;
  return `${ns}ns`;
}
