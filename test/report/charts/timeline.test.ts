import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTimelineSpec } from '../../../lib/report/charts/timeline.ts';
import { renderSvg } from '../../../lib/report/render.ts';
import type { TimelineRow } from '../../../lib/report/model.ts';
import { markItems } from '../svg.ts';

const spec = suite('buildTimelineSpec');

spec('draws a wait bar per request and a decode bar per request that got tokens, failures in their own colour', async () => {
  const rows: TimelineRow[] = [
    { idx: 0, arrivalS: 0, firstTokenS: 0.1, lastTokenS: 0.5, status: 'ok' },
    { idx: 1, arrivalS: 0.2, firstTokenS: 0.4, lastTokenS: 0.9, status: 'ok' },
    { idx: 2, arrivalS: 0.4, firstTokenS: null, lastTokenS: 2.4, status: 'timeout' },
  ];
  const svg = await renderSvg(buildTimelineSpec('t', rows));
  const rules = markItems(svg, 'rule');
  assert.is(rules.length, 3 + 2);
  assert.match(svg, />failed \(timeout\)</);
  assert.ok(rules.some((r) => /stroke="#d62728"/.test(r)), 'the failed request is drawn red');
});

spec('refuses to draw no requests', () => {
  assert.throws(() => buildTimelineSpec('run x', []), /expected requests for "run x"/);
});

spec.run();
