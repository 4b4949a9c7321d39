// Engine-side gauges during a run: GET the server's metrics endpoint about once a second and map the
// engine's names to ServerSample. A missing or failing endpoint gives samples with null values rather than an
// error: the run's client-side measurements do not depend on it.
// Where an engine's releases serve the gauges at different paths (trtllm-serve: Prometheus text at
// /prometheus/metrics when enabled, JSON at /metrics always), the preset lists the other paths; a path that
// answers non-2xx is skipped for the next one, and the one that answered is tried first from then on.
import type { EngineName, ServerSample } from '../types.ts';
import { parsePrometheusText } from './prometheus.ts';
import { readEngineGauges, readTrtllmIterationStats } from './engine-metrics.ts';
import { readPreset } from './preset.ts';

export interface ScraperOptions {
  intervalMs?: number;
  /** Run-clock origin (process.hrtime.bigint() at the run's start); sample times are relative to it. */
  clockStartNs?: bigint;
}

const NULL_GAUGES = { running: null, waiting: null, kvUsage: null, preemptions: null } as const;

export interface Scraper {
  /**
   * Stop and return the samples. `runOriginNs` (the load run's clock zero, known only once it has run) re-bases
   * their times onto the run clock, leaving out those taken before it (warm-up); without it they stay relative
   * to clockStartNs.
   */
  stop(runOriginNs?: bigint): Promise<ServerSample[]>;
}

export function startScraper(metricsUrl: string, engine: EngineName, opts: ScraperOptions = {}): Scraper {
  const intervalMs = opts.intervalMs ?? 1000;
  const clockStartNs = opts.clockStartNs ?? process.hrtime.bigint();
  const samples: ServerSample[] = [];
  const urls = readMetricsUrls(metricsUrl, engine);
  let answeredIdx = 0;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;

  const scrapeOnce = async () => {
    const tNs = Number(process.hrtime.bigint() - clockStartNs);
    // A generous timeout: a loaded server answers late rather than not at all, and scrapes never overlap.
    const timeoutMs = Math.max(2000, intervalMs);
    let gauges: Omit<ServerSample, 'tNs'> = { ...NULL_GAUGES };
    for (const idx of [answeredIdx, ...urls.keys()].filter((x, i, all) => all.indexOf(x) === i)) {
      const read = await readGauges(urls[idx], engine, timeoutMs);
      if (read === 'not-served') continue;
      if (read !== 'failed') {
        answeredIdx = idx;
        gauges = read;
      }
      break;
    }
    samples.push({ tNs, ...gauges });
  };
  // Self-scheduling rather than setInterval, so a slow endpoint never has two scrapes in flight.
  const tick = () => {
    if (stopped) return;
    const started = Date.now();
    inFlight = scrapeOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
    });
  };
  tick();

  return {
    async stop(runOriginNs?: bigint) {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      if (runOriginNs === undefined) return samples;
      const shiftNs = Number(runOriginNs - clockStartNs);
      return samples.filter((x) => x.tNs >= shiftNs).map((x) => ({ ...x, tNs: x.tNs - shiftNs }));
    },
  };
}

/** The metrics URL, then the preset's other paths for the same gauges on the same server. */
export function readMetricsUrls(metricsUrl: string, engine: EngineName): string[] {
  const others = readPreset(engine)?.otherMetricsPaths ?? [];
  const urls = [metricsUrl, ...others.map((p) => new URL(p, metricsUrl).href)];
  return urls.filter((u, i) => urls.indexOf(u) === i);
}

// 'not-served': the server answered, but not with metrics at this path (try the next one); 'failed': no usable
// answer at all (refused, timed out, unparseable), which another path of the same server would not change.
async function readGauges(url: string, engine: EngineName, timeoutMs: number): Promise<Omit<ServerSample, 'tNs'> | 'not-served' | 'failed'> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) return 'not-served';
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      return readTrtllmIterationStats(JSON.parse(trimmed)) ?? { ...NULL_GAUGES };
    }
    return readEngineGauges(engine, parsePrometheusText(text));
  } catch {
    return 'failed';
  }
}
