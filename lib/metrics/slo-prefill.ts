// Which SLOs need the engine's prefill profile (predicted prefill time per prompt length): a deadline SLO (its
// first token is due at predicted prefill + slack) and any SLO whose TTFT bound subtracts the predicted prefill.
// Every place that decides whether to profile, look the table up or pass it to the SQL asks this one function.
import type { Slo } from '../types.ts';

export function needsPrefillTable(slo: Slo): boolean {
  if (slo.type === 'deadline') return true;
  return slo.ttft.minusPredictedPrefill === true;
}
