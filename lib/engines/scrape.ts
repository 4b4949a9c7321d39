// Engine-side gauges during a run: GET the server's metrics endpoint about once a second and map the
// engine's names to ServerSample. A missing or failing endpoint gives samples with null values rather than an
// error: the run's client-side measurements do not depend on it.
import type { EngineName, ServerSample } from '../types.ts';
import { parsePrometheusText } from './prometheus.ts';
import { readEngineGauges, readTrtllmIterationStats } from './engine-metrics.ts';

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
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;

  const scrapeOnce = async () => {
    const tNs = Number(process.hrtime.bigint() - clockStartNs);
    // A generous timeout: a loaded server answers late rather than not at all, and scrapes never overlap.
    const gauges = await readGauges(metricsUrl, engine, Math.max(2000, intervalMs));
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

async function readGauges(url: string, engine: EngineName, timeoutMs: number): Promise<Omit<ServerSample, 'tNs'>> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) return { ...NULL_GAUGES };
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      return readTrtllmIterationStats(JSON.parse(trimmed)) ?? { ...NULL_GAUGES };
    }
    return readEngineGauges(engine, parsePrometheusText(text));
  } catch {
    return { ...NULL_GAUGES };
  }
}
