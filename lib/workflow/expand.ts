import type { Job, Slo, Workflow } from '../types.ts';

export interface Expansion {
  jobs: Job[];
  /** Grid problems: [field path segments, message]. */
  problems: { segments: (string | number)[]; message: string }[];
}

function allowed(list: string[] | null, name: string): boolean {
  return list === null || list.includes(name);
}

function sloApplies(slo: Slo, model: string, system: string, trace: string): boolean {
  const s = slo.appliesTo;
  return allowed(s.models, model) && allowed(s.systems, system) && allowed(s.traces, trace);
}

export function jobId(model: string, system: string, trace: string, tp: number, pp: number): string {
  return `${model}/${system}/${trace}/tp${tp}-pp${pp}`;
}

/**
 * The grid: models x systems x traces x parallel specs, filtered by each model's allowed lists (as Etalon's grid
 * is); each job carries every SLO that applies to it.
 */
export function expandWorkflow(wf: Workflow): Expansion {
  const jobs: Job[] = [];
  const problems: Expansion['problems'] = [];
  for (const model of wf.models) {
    for (const system of wf.systems) {
      if (!allowed(model.systems, system.name)) continue;
      const specs = system.parallel.filter(
        (p) => model.parallel === null || model.parallel.some((q) => q.tp === p.tp && q.pp === p.pp),
      );
      for (const trace of wf.traces) {
        if (!allowed(model.traces, trace.name)) continue;
        for (const parallel of specs) {
          const slos = wf.slos.filter((s) => sloApplies(s, model.name, system.name, trace.name));
          const id = jobId(model.name, system.name, trace.name, parallel.tp, parallel.pp);
          if (slos.length === 0) {
            problems.push({ segments: ['slos'], message: `no SLO applies to job ${id}; widen an SLO's appliesTo or drop the job from the grid` });
            continue;
          }
          const gpus = system.engine === 'sim' || system.engine === 'external' ? 0 : parallel.tp * parallel.pp;
          jobs.push({ id, model, system, parallel, trace, slos, client: wf.client, search: wf.search, profile: wf.profile, gpus });
        }
      }
    }
  }
  if (jobs.length === 0 && problems.length === 0) {
    problems.push({
      segments: ['models'],
      message: 'the grid is empty: no model x system x trace x parallel combination is allowed by the models\' systems, traces and parallel lists',
    });
  }
  return { jobs, problems };
}
