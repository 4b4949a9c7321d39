// The report page in headless Chromium (skipped where /usr/bin/chromium is absent): it loads without console
// errors, every chart is drawn with marks of real size, and a full-page screenshot is taken.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { devtoolsJson, hasChromium, openSession, startBrowser, type CdpEvent } from './cdp.ts';
import { sharedReport } from '../fixtures/report/make-cache.ts';

const page = suite('report page in Chromium');
const it = hasChromium() ? page : page.skip;
if (!hasChromium()) process.stderr.write('report page test skipped: /usr/bin/chromium is not installed\n');

interface FigureCheck {
  id: string;
  items: number;
  drawn: number;
  widthPx: number;
  heightPx: number;
}

const MEASURE = `JSON.stringify({
  figures: [...document.querySelectorAll('figure')].map((f) => {
    const svg = f.querySelector('svg');
    const items = svg ? [...svg.querySelectorAll('g.role-mark > path, g.role-mark > line, g.role-mark > rect')] : [];
    const drawn = items.filter((e) => { const b = e.getBBox(); return b.width > 0 || b.height > 0; });
    const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    return { id: f.id, items: items.length, drawn: drawn.length, widthPx: r.width, heightPx: r.height };
  }),
  rows: document.querySelectorAll('table.capacities tbody tr').length,
  heightPx: document.documentElement.scrollHeight,
  scripts: document.scripts.length,
})`;

function problems(events: CdpEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.method === 'Runtime.exceptionThrown') out.push(`exception: ${e.params.exceptionDetails?.text}`);
    if (e.method === 'Runtime.consoleAPICalled' && (e.params.type === 'error' || e.params.type === 'warning')) out.push(`console.${e.params.type}: ${JSON.stringify(e.params.args)}`);
    if (e.method === 'Log.entryAdded' && (e.params.entry.level === 'error' || e.params.entry.level === 'warning')) out.push(`log ${e.params.entry.level}: ${e.params.entry.text} ${e.params.entry.url ?? ''}`);
  }
  return out;
}

it('loads with no console errors, draws every chart with marks and leaves a readable screenshot', async () => {
  const file = await sharedReport();
  const dir = mkdtempSync(join(tmpdir(), 'headroom-report-page-'));
  const browser = await startBrowser();
  try {
    const target = await devtoolsJson(browser.port, '/json/new?about:blank', 'PUT');
    const cdp = await openSession(target.webSocketDebuggerUrl);
    try {
      await cdp.send('Runtime.enable');
      await cdp.send('Log.enable');
      await cdp.send('Page.enable');
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
      await cdp.send('Page.navigate', { url: pathToFileURL(file).href });
      await cdp.waitFor('Page.loadEventFired', 20_000);
      const { result } = await cdp.send('Runtime.evaluate', { expression: MEASURE, returnByValue: true });
      const m = JSON.parse(result.value) as { figures: FigureCheck[]; rows: number; heightPx: number; scripts: number };
      assert.is(m.scripts, 0);
      assert.is(m.rows, 4);
      assert.equal(m.figures.map((f) => f.id), [
        'fig-capacity', 'fig-slo-tbt_ttft', 'fig-slo-deadline', 'fig-cdf-tbt_ttft', 'fig-cdf-deadline', 'fig-timeline', 'fig-gauges',
        'fig-prefill-llama-3-8b-vllm',
      ]);
      for (const f of m.figures) {
        assert.ok(f.drawn > 0 && f.drawn === f.items, `${f.id}: ${f.drawn} of ${f.items} marks drawn with a size`);
        assert.ok(f.widthPx > 200 && f.heightPx > 100, `${f.id} is ${f.widthPx} x ${f.heightPx} px`);
      }
      const shot = await cdp.send('Page.captureScreenshot', {
        format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: 1280, height: m.heightPx, scale: 1 },
      });
      const png = Buffer.from(shot.data, 'base64');
      const pngFile = join(dir, 'report.png');
      writeFileSync(pngFile, png);
      assert.equal([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
      assert.is(png.readUInt32BE(16), 1280, 'screenshot width');
      assert.is(png.readUInt32BE(20), m.heightPx, 'screenshot height');
      if (process.env.HEADROOM_REPORT_SCREENSHOT) copyFileSync(pngFile, process.env.HEADROOM_REPORT_SCREENSHOT);
      assert.equal(problems(cdp.events), []);
    } finally {
      cdp.close();
    }
  } finally {
    await browser.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

page.run();
