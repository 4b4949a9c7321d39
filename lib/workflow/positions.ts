import { isMap, isSeq, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export type Segment = string | number;

/** Splits a JSON pointer (`/systems/0/engine`) into segments, numbers for list indices. */
export function pointerSegments(pointer: string): Segment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Where a field is in the YAML text. With `key`, the position of the key itself (for unknown keys);
 * a path that does not exist resolves to its deepest existing parent.
 */
export function locate(doc: Document, lines: LineCounter, segments: readonly Segment[], key = false): { line: number; col: number } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      const valueNode = pair.value as Node | null;
      if (last && key) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      offset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}
