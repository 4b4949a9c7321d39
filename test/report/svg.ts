// Reading vega's SVG output in tests: the drawn items of each mark type, and their aria labels.

/** The items (path, line, text, rect) drawn by every mark of a type ('rect', 'line', 'symbol', 'rule', 'text'). */
export function markItems(svg: string, type: string): string[] {
  const items: string[] = [];
  const open = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>`, 'g');
  for (const m of svg.matchAll(open)) {
    const body = svg.slice(m.index! + m[0].length, svg.indexOf('</g>', m.index! + m[0].length));
    items.push(...(body.match(/<(path|line|text|rect)\b[^>]*>/g) ?? []));
  }
  return items;
}

export function ariaLabels(items: string[]): string[] {
  return items.map((i) => /aria-label="([^"]*)"/.exec(i)?.[1] ?? '');
}
