// vega-lite spec -> SVG text, rendered headless in Node (vega's 'none' renderer needs no canvas or DOM).
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** The chart as standalone SVG. */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Prefix every id an SVG defines (clip paths, gradients) and every reference to one, so several charts inlined
 * in one page cannot point at each other's definitions (vega numbers them from 1 in every chart).
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const p = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${p}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${p}-${id})`)
    .replace(/(xlink:)?href="#([^"]+)"/g, (_, x: string | undefined, id: string) => `${x ?? ''}href="#${p}-${id}"`);
}

/** The style every chart shares: a readable font size and no outer border. */
export const CHART_CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, titleLimit: 320 },
  title: { fontSize: 14, anchor: 'start' as const },
} as const;
