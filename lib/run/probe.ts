import type { Job, RequestEvents, RunEvents } from '../types.ts';
import { buildSchedule, type ScheduleContext } from '../load/schedule.ts';
import { simulateRun } from '../sim/virtual.ts';
import { formatClientBusyWarning, runLoad } from '../load/driver.ts';
import type { PromptMaker } from '../load/prompts.ts';
import { startScraper } from '../engines/scrape.ts';
import { createProgressPrinter } from '../load/progress.ts';
import { openAiRoot } from '../profile/measure-http.ts';
import type { RunningServer } from '../engines/server.ts';

export type ShouldStop = (requests: readonly RequestEvents[], nowNs: number) => boolean;
export type ProbeRunner = (qps: number, opts: { shouldStop?: ShouldStop }) => Promise<RunEvents>;

function labels(job: Job, fingerprint: string, qps: number) {
  return { fingerprint, qps, jobId: job.id, model: job.model.name, system: job.system.name, trace: job.trace.name, seed: job.trace.seed };
}

/** A probe on the simulated engine in virtual time: the whole run simulated in-process, no sleeping. */
export function virtualProbeRunner(job: Job, fingerprint: string, ctx: ScheduleContext): ProbeRunner {
  return async (qps, { shouldStop }) => {
    const schedule = await buildSchedule(job.trace, qps, ctx);
    const startedAt = new Date().toISOString();
    const r = simulateRun({
      settings: job.system.sim,
      simModel: job.model.simModel,
      parallel: job.parallel,
      schedule,
      maxModelLen: job.model.maxModelLen,
      shouldStop,
    });
    return {
      ...labels(job, fingerprint, qps),
      startedAt,
      durationNs: r.durationNs,
      clock: 'virtual',
      complete: !r.stoppedEarly,
      stopReason: r.stoppedEarly ? 'settled' : null,
      lagP99Ns: 0,
      requests: r.requests,
      serverSamples: r.serverSamples,
    };
  };
}

export interface RealProbeOptions {
  ctx: ScheduleContext;
  /** The job's server, started on first use (so a fully cached search starts none). */
  server: () => Promise<RunningServer>;
  /** Called before a probe when the system restarts its server per probe. */
  restart: (() => Promise<void>) | null;
  prompts: () => Promise<PromptMaker>;
  apiKey: string | null;
  signal?: AbortSignal;
  /** Label of the progress line printed to stderr while a run goes on; null for none. */
  progressLabel: string | null;
}

/** A probe against a real server (any engine, or the sim in real time): open-loop load over HTTP. */
export function realProbeRunner(job: Job, fingerprint: string, opts: RealProbeOptions): ProbeRunner {
  return async (qps, { shouldStop }) => {
    if (opts.restart) await opts.restart();
    const server = await opts.server();
    const schedule = await buildSchedule(job.trace, qps, opts.ctx);
    const prompts = await opts.prompts();
    let stoppedEarly = false;
    const stopWhen: ShouldStop | undefined = shouldStop && ((reqs, nowNs) => (stoppedEarly = stoppedEarly || shouldStop(reqs, nowNs)));
    const scraper = server.metricsUrl ? startScraper(server.metricsUrl, job.system.engine) : null;
    const progress = opts.progressLabel === null ? null : createProgressPrinter(process.stderr, { label: `${opts.progressLabel} @ ${qps} QPS` });
    let r: Awaited<ReturnType<typeof runLoad>>;
    let samples: RunEvents['serverSamples'] = [];
    try {
      r = await runLoad({
        baseUrl: openAiRoot(server.baseUrl), // engines report their root; the API lives under /v1
        model: job.model.hfId,
        apiKey: opts.apiKey,
        client: job.client,
        schedule,
        prompts,
        signal: opts.signal,
        shouldStop: stopWhen,
        onProgress: progress?.onProgress,
      });
    } finally {
      progress?.end();
      // On the run's clock when the run finished (samples during warm-up left out), else as scraped.
      if (scraper) samples = await scraper.stop(r! ? BigInt(r.clockOriginNs) : undefined);
    }
    const busy = formatClientBusyWarning(r.senders, r.durationNs);
    if (busy !== null && opts.progressLabel !== null) process.stderr.write(`${opts.progressLabel} @ ${qps} QPS: ${busy}\n`);
    const exited = server.exited();
    if (exited) {
      const how = exited.signal ? `signal ${exited.signal}` : `exit code ${exited.exitCode}`;
      const err = new Error(`the server of ${job.id} died during the run at ${qps} QPS (${how}); see ${server.logPath}`);
      (err as Error & { isServerFailure: boolean }).isServerFailure = true;
      throw err;
    }
    return {
      ...labels(job, fingerprint, qps),
      startedAt: r.startedAt,
      durationNs: r.durationNs,
      clock: 'real',
      complete: !stoppedEarly,
      stopReason: stoppedEarly ? 'settled' : null,
      lagP99Ns: r.lagP99Ns,
      requests: r.requests,
      serverSamples: samples,
    };
  };
}
