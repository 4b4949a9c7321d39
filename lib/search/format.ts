// The capacities table printed at the end of a run: one row per job and SLO, the capacity with the bracket it
// was closed to, how many probes it took and how many seconds of serving they cost.

import chalk from 'chalk';
import type { Capacity } from '../types.ts';

function formatQps(qps: number): string {
  return qps >= 100 ? qps.toFixed(0) : qps >= 10 ? qps.toFixed(1) : qps.toFixed(2);
}

function formatBracket(c: Capacity): string {
  const lo = c.capacityQps > 0 ? formatQps(c.capacityQps) : '0';
  const hi = c.failQps === null ? '∞' : formatQps(c.failQps);
  return `[${lo}, ${hi})`;
}

function formatSeconds(s: number): string {
  return s >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`;
}

// visible width, so padding is right with colours on
function widthOf(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(width - widthOf(text), 0));
  return right ? fill + text : text + fill;
}

/** A fixed-width table of capacities (chalk colours; plain text when colours are off). */
export function formatCapacityTable(caps: readonly Capacity[]): string {
  const header = ['job', 'SLO', 'capacity (QPS)', 'bracket', 'probes', 'benchmarked'];
  const rows = caps.map((c) => {
    const ran = c.probes.filter((p) => !p.cached).length;
    const capacity = c.capacityQps > 0 ? chalk.green(formatQps(c.capacityQps)) : chalk.red('none');
    const probes = ran === c.probes.length ? `${ran}` : `${c.probes.length} (${c.probes.length - ran} cached)`;
    return [c.jobId, c.slo, capacity, formatBracket(c), probes, formatSeconds(c.benchmarkSeconds)];
  });
  const rightAligned = [false, false, true, true, true, true];
  const widths = header.map((h, i) => Math.max(widthOf(h), ...rows.map((r) => widthOf(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], rightAligned[i])).join('  ');
  const out = [chalk.bold(line(header)), chalk.dim(widths.map((w) => '─'.repeat(w)).join('  ')), ...rows.map(line)];
  return out.join('\n');
}
