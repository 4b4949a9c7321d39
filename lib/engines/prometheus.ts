// Prometheus text exposition format (version 0.0.4), only as much as gauges and counters need:
//   line   := comment | sample
//   comment:= '#' anything
//   sample := name ['{' label '=' '"' value '"' {',' ...} '}'] ws number [ws timestamp]
// Histograms and summaries parse as their _bucket/_sum/_count samples. Label values may hold escaped quotes.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    let rest = line.slice(nameEnd);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const close = findLabelsEnd(rest);
      if (close < 0) continue;
      for (const m of rest.slice(1, close).matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]] = m[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
      }
      rest = rest.slice(close + 1);
    }
    const valueText = rest.trim().split(/\s+/)[0];
    const value = parsePromNumber(valueText);
    if (value === null) continue;
    samples.push({ name, labels, value });
  }
  return samples;
}

function findLabelsEnd(s: string): number {
  let inQuote = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (inQuote && c === '\\') i++;
    else if (c === '"') inQuote = !inQuote;
    else if (c === '}' && !inQuote) return i;
  }
  return -1;
}

function parsePromNumber(text: string | undefined): number | null {
  if (text === undefined || text === '') return null;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return Number.isNaN(n) ? null : n;
}
