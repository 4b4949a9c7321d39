// Names of the measured values in SloVerdict.values: <figure>_p<percentile>, percentile in percent with up to
// six decimals and no trailing zeros (0.99 -> tbt_p99, 0.999 -> tbt_p99.9, 0.5 -> ttft_p50). Figures:
//   ttft, tpot, tbt   seconds (TTFT and TPOT over requests, TBT over the pooled gaps)
//   miss_rate         deadline miss rate (0..1) of requests at that percentile
export function formatValueName(figure: 'ttft' | 'tpot' | 'tbt' | 'miss_rate', percentile: number): string {
  const pct = Number((percentile * 100).toFixed(6));
  return `${figure}_p${pct}`;
}
