// The prefill profile of one model x system: the profile's own chart (measured medians vs the fitted curve).
import type * as vl from 'vega-lite';
import type { PrefillProfileMeta } from '../../profile/cache.ts';
import { buildPrefillChartSpec } from '../../profile/chart.ts';
import { CHART_CONFIG } from '../render.ts';

export function buildPrefillSpec(meta: PrefillProfileMeta): vl.TopLevelSpec {
  const tp = meta.parallel.tp * meta.parallel.pp > 1 ? ` (tp ${meta.parallel.tp}, pp ${meta.parallel.pp})` : '';
  const spec = buildPrefillChartSpec(meta.points, meta.fit, { title: `Prefill time of ${meta.model} on ${meta.system}${tp}: measured vs fit`, widthPx: 420, heightPx: 240 });
  return { ...spec, config: CHART_CONFIG } as vl.TopLevelSpec;
}
