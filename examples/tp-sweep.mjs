#!/usr/bin/env zx
// A tensor-parallel sweep built in code, not YAML: Llama-3-70B on the simulated engine at TP 2, 4 and 8,
// and the capacity per GPU of each (the number that decides how to split a fleet).
//   npx zx examples/tp-sweep.mjs [--cache DIR] [--requests N]
import { register } from 'tsx/esm/api';

register();
const hr = await import('../lib/index.ts');

const tps = [2, 4, 8];
const plan = await hr.planWorkflowObject(
  {
    name: 'tp-sweep',
    models: [{ name: 'llama-3-70b', hfId: 'meta-llama/Meta-Llama-3-70B-Instruct', simModel: 'llama-3-70b' }],
    systems: [{ name: 'vllm', engine: 'sim', parallel: tps.map((tp) => ({ tp })), sim: { scheduler: 'sarathi', maxNumBatchedTokens: 512 } }],
    traces: [{ name: 'sharegpt', lengths: { type: 'synthetic', name: 'sharegpt' }, requests: Number(argv.requests ?? 300) }],
    slos: [{ name: 'ttft_tpot', type: 'ttft_tpot', ttft: { max: '2s', percentile: 0.9 }, tpot: { max: '50ms', percentile: 0.9 } }],
  },
  { cacheDir: argv.cache ?? 'cache' },
);

for (const planned of plan.jobs) {
  const [cap] = await hr.searchCapacity(plan, planned);
  const tp = planned.job.parallel.tp;
  echo(`TP ${tp}: ${cap.capacityQps} QPS, ${(cap.capacityQps / tp).toFixed(3)} QPS per GPU`);
}
