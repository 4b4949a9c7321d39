// A run's schedule, all precomputed from the trace and its seed before the clock starts: the same seed gives
// the same requests (same lengths, same order, same gaps in units of 1/QPS) at every QPS.
import type { ArrivalSpec, LengthSpec, ScheduledRequest, Trace } from '../types.ts';
import { buildUnitArrivals, parseTimestampsCsv, scaleArrivalsNs } from './arrivals.ts';
import { buildLengths, parseLengthCsv } from './lengths.ts';
import { readSyntheticModels } from './synthetic.ts';
import { readTraceFile, sha256Hex, type TraceFileContext } from './trace-file.ts';

export type ScheduleContext = TraceFileContext;

const decoder = new TextDecoder();

async function readLengthBytes(spec: LengthSpec, ctx: ScheduleContext): Promise<Uint8Array | null> {
  return spec.type === 'csv' ? readTraceFile(spec, ctx) : null;
}

async function readArrivalBytes(spec: ArrivalSpec, ctx: ScheduleContext): Promise<Uint8Array | null> {
  return spec.type === 'timestamps' ? readTraceFile({ path: spec.path, url: null, sha256: null }, ctx) : null;
}

export async function buildSchedule(trace: Trace, qps: number, opts: ScheduleContext): Promise<ScheduledRequest[]> {
  if (!Number.isInteger(trace.requests) || trace.requests < 1) {
    throw new Error(`Trace ${trace.name}: expected requests to be a positive integer, got ${trace.requests}`);
  }
  if (!(trace.maxTotalTokens >= 2)) {
    throw new Error(`Trace ${trace.name}: expected maxTotalTokens >= 2, got ${trace.maxTotalTokens}`);
  }
  const lengthBytes = await readLengthBytes(trace.lengths, opts);
  const csvRows = lengthBytes && trace.lengths.type === 'csv'
    ? parseLengthCsv(decoder.decode(lengthBytes), trace.lengths.url ?? trace.lengths.path)
    : undefined;
  const arrivalBytes = await readArrivalBytes(trace.arrivals, opts);
  const timestamps = arrivalBytes && trace.arrivals.type === 'timestamps'
    ? parseTimestampsCsv(decoder.decode(arrivalBytes), trace.arrivals.path)
    : undefined;
  const lengths = buildLengths(trace.lengths, trace.requests, trace.seed, trace.maxTotalTokens, csvRows);
  const arrivalsNs = scaleArrivalsNs(buildUnitArrivals(trace.arrivals, trace.requests, trace.seed, timestamps), qps);
  return lengths.map(([promptTokens, outputTokens], idx) => ({ idx, scheduledNs: arrivalsNs[idx]!, promptTokens, outputTokens }));
}

/**
 * sha256 over what determines the trace's requests: the bytes of its CSV files (not their paths, so moving a
 * file keeps the cache) or the spec itself for built-in distributions (plus the fitted model for synthetic).
 */
export async function traceContentHash(trace: Trace, opts: ScheduleContext): Promise<string> {
  // A declared sha256 already names the content (a download is checked against it), so a plan need not fetch it.
  const declared = trace.lengths.type === 'csv' ? trace.lengths.sha256?.toLowerCase() ?? null : null;
  const lengthBytes = declared ? null : await readLengthBytes(trace.lengths, opts);
  const arrivalBytes = await readArrivalBytes(trace.arrivals, opts);
  const lengths = declared
    ? { type: 'csv', sha256: declared }
    : lengthBytes
    ? { type: 'csv', sha256: sha256Hex(lengthBytes) }
    : trace.lengths.type === 'synthetic'
      ? { ...trace.lengths, model: readSyntheticModels()[trace.lengths.name] }
      : trace.lengths;
  const arrivals = arrivalBytes ? { type: 'timestamps', sha256: sha256Hex(arrivalBytes) } : trace.arrivals;
  return sha256Hex(JSON.stringify({ lengths, arrivals }));
}
