// What an early-stopped run is evidence for, written into RunEvents.stopReason:
//   stop-reason := section ( ";" section )*      section := kind ":" item ( "," item )*
//   kind        := "settled" | "scouted"         item    := encodeURIComponent(slo name) "#" slo-key
// `settled` SLOs had their verdict decided before the stop (the run is evidence for them); `scouted` ones were
// open when a scout's budget ran out (steering only, never evidence). The key is a hash of what defines the SLO
// (type, bounds, percentiles; not its name or scope), so an SLO whose bounds changed is not taken as settled.
// A complete run needs none of this: it is evidence for every SLO.

import { hashKey } from '../hash.ts';
import type { Slo } from '../types.ts';

/**
 * A short hash of what defines an SLO's verdict (not its name or scope). A dynamic TTFT bound (minus predicted
 * prefill) is keyed with its flag; a fixed one without it, so fixed bounds keep the keys they always had.
 */
export function sloKey(slo: Slo): string {
  const { name: _name, appliesTo: _scope, ...definition } = slo;
  if (definition.type !== 'deadline' && definition.ttft.minusPredictedPrefill !== true) {
    const { minusPredictedPrefill: _fixed, ...ttft } = definition.ttft;
    return hashKey({ ...definition, ttft }, 12);
  }
  return hashKey(definition, 12);
}

export interface StopRecord {
  settled: Slo[];
  scouted: Slo[];
}

function formatItems(slos: Slo[]): string {
  return slos.map((s) => `${encodeURIComponent(s.name)}#${sloKey(s)}`).join(',');
}

export function formatStopReason(rec: StopRecord): string {
  const sections = [`settled:${formatItems(rec.settled)}`];
  if (rec.scouted.length > 0) sections.push(`scouted:${formatItems(rec.scouted)}`);
  return sections.join(';');
}

/** The SLO keys a stop reason lists as settled and as scouted (unknown text gives empty sets). */
export function parseStopReason(text: string | null): { settled: Set<string>; scouted: Set<string> } {
  const out = { settled: new Set<string>(), scouted: new Set<string>() };
  if (!text) return out;
  for (const section of text.split(';')) {
    const colon = section.indexOf(':');
    if (colon < 0) continue;
    const kind = section.slice(0, colon);
    if (kind !== 'settled' && kind !== 'scouted') continue;
    for (const item of section.slice(colon + 1).split(',')) {
      const hash = item.lastIndexOf('#');
      if (hash >= 0) out[kind].add(item.slice(hash + 1));
    }
  }
  return out;
}
