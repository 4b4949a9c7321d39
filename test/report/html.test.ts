import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatReportHtml } from '../../lib/report/html.ts';
import type { Figure } from '../../lib/report/figures.ts';
import { sharedReportData } from '../fixtures/report/make-cache.ts';

const fig = (section: Figure['section'], file: string): Figure => ({
  section, file, caption: `caption of ${file}`, spec: {} as Figure['spec'],
  svg: '<svg xmlns="http://www.w3.org/2000/svg"><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><path d="M0,0h1"/></g></svg>',
});

const page = suite('formatReportHtml');

page('is one self-contained page: inline SVG and CSS, no scripts, nothing fetched', async () => {
  const { data } = await sharedReportData();
  const html = formatReportHtml(data, [fig('capacity', 'capacity.svg'), fig('slo', 'slo-a.svg')], { generatedAt: new Date(0) });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.not.match(html, /<script|<link|<img|<iframe|@import|\bsrc=/i);
  assert.not.match(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, ''), /https?:\/\//);
  assert.is((html.match(/<svg /g) ?? []).length, 2);
});

page('puts sections in reading order and gives inlined charts ids of their own', async () => {
  const { data } = await sharedReportData();
  const html = formatReportHtml(data, [fig('prefill', 'prefill-x.svg'), fig('cdf', 'cdf-a.svg'), fig('capacity', 'capacity.svg'), fig('slo', 'slo-a.svg')], { generatedAt: new Date(0) });
  const order = [...html.matchAll(/<h2 id="([a-z]+)">/g)].map((m) => m[1]);
  assert.equal(order, ['capacity', 'slo', 'cdf', 'prefill', 'jobs']);
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(ids.length, new Set(ids).size, `duplicate ids in ${ids.join(' ')}`);
  assert.match(html, /clip-path="url\(#cdf-a-clip1\)"/);
  assert.ok(html.indexOf('<table class="capacities">') < html.indexOf('capacity.svg'), 'the table leads');
});

page('escapes the workflow text it shows', async () => {
  const { data } = await sharedReportData();
  const html = formatReportHtml(data, [], { generatedAt: new Date(0) });
  assert.match(html, /Report test &lt;fixture&gt; with &quot;quotes&quot; &amp; ampersands\./);
  assert.not.match(html, /<fixture>/);
  assert.match(html, /tbt_ttft: TBT p90 &lt;= 30ms and TTFT p90 &lt;= 300ms/);
});

page.run();
