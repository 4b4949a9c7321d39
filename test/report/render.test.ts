import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSvg, scopeSvgIds } from '../../lib/report/render.ts';
import { markItems } from './svg.ts';

const render = suite('renderSvg');

render('renders a vega-lite spec to standalone SVG with one drawn item per datum', async () => {
  const svg = await renderSvg({ data: { values: [{ a: 'x', b: 1 }, { a: 'y', b: 3 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } } });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.is(markItems(svg, 'rect').length, 2);
});

render.run();

const scope = suite('scopeSvgIds');

scope('prefixes every id and every reference to one, leaving other attributes alone', () => {
  const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><use xlink:href="#clip1"/></g><g class="id-ish"/></svg>';
  assert.is(scopeSvgIds(svg, 'cdf a'),
    '<svg><defs><clipPath id="cdf_a-clip1"><rect/></clipPath></defs><g clip-path="url(#cdf_a-clip1)"><use href="#cdf_a-clip1"/><use xlink:href="#cdf_a-clip1"/></g><g class="id-ish"/></svg>');
});

scope('two charts with the same ids no longer share any once scoped', () => {
  const svg = '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>';
  const ids = (s: string) => [...s.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
  const a = ids(scopeSvgIds(svg, 'a'));
  const b = ids(scopeSvgIds(svg, 'b'));
  assert.equal(a.filter((x) => b.includes(x)), []);
});

scope.run();
