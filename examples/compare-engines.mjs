#!/usr/bin/env zx
// Searches the capacity of two systems on the same model and trace and prints their ratio per SLO.
//   npx zx examples/compare-engines.mjs [workflow.yml] [trace] [--cache DIR]
import { register } from 'tsx/esm/api';

register();
const hr = await import('../lib/index.ts');

const file = argv._[0] ?? 'workflows/quickstart.yml';
const trace = argv._[1] ?? 'sharegpt';
const plan = await hr.planWorkflow(file, { cacheDir: argv.cache ?? 'cache', only: `/${trace}/` });
const [a, b] = plan.jobs;
if (!a || !b) throw new Error(`${file}: expected two systems on trace ${trace}, found ${plan.jobs.length} job(s)`);

const capsA = await hr.searchCapacity(plan, a);
const capsB = await hr.searchCapacity(plan, b);
const nameA = a.job.system.name;
const nameB = b.job.system.name;
for (const ca of capsA) {
  const cb = capsB.find((c) => c.slo === ca.slo);
  const ratio = cb && cb.capacityQps > 0 ? (ca.capacityQps / cb.capacityQps).toFixed(2) : 'n/a';
  echo(`${ca.slo}: ${nameA} ${ca.capacityQps} QPS, ${nameB} ${cb?.capacityQps ?? '?'} QPS, ratio ${ratio}`);
}
