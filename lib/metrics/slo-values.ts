import type { PercentileBound } from '../types.ts';

// Names of the measured values in SloVerdict.values: <figure>_p<percentile>, percentile in percent with up to
// six decimals and no trailing zeros (0.99 -> tbt_p99, 0.999 -> tbt_p99.9, 0.5 -> ttft_p50). Figures:
//   ttft, tpot, tbt   seconds (TTFT and TPOT over requests, TBT over the pooled gaps)
//   ttft_dyn          seconds: TTFT minus the request's predicted prefill time (a dynamic TTFT bound), over
//                     requests; its own name so a report never shows it as plain TTFT
//   miss_rate         deadline miss rate (0..1) of requests at that percentile
export type ValueFigure = 'ttft' | 'ttft_dyn' | 'tpot' | 'tbt' | 'miss_rate';

export function formatValueName(figure: ValueFigure, percentile: number): string {
  const pct = Number((percentile * 100).toFixed(6));
  return `${figure}_p${pct}`;
}

/** The figure a TTFT bound is judged on: plain TTFT, or TTFT minus predicted prefill when the bound is dynamic. */
export function ttftFigure(bound: PercentileBound): 'ttft' | 'ttft_dyn' {
  return bound.minusPredictedPrefill === true ? 'ttft_dyn' : 'ttft';
}

/** What a TTFT bound judges, for people: plan lines, chart titles. */
export function formatTtftLabel(bound: PercentileBound): string {
  return ttftFigure(bound) === 'ttft_dyn' ? 'TTFT - predicted prefill' : 'TTFT';
}
