import fs from 'node:fs';
import path from 'node:path';
import type { Segment } from './positions.ts';
import type { SchemaProblem } from './validate.ts';
import { didYouMean } from './hints.ts';
import { displayPath } from './errors.ts';
import { listProfiles } from '../sim/profiles.ts';

type Raw = Record<string, any>;

// Checks the schema cannot express: names that must be unique or must exist, files that must be there,
// ranges whose ends must be ordered. Runs on the validated, default-filled document.
export function checkSemantics(doc: Raw, file: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const add = (segments: Segment[], message: string, atKey = false) => out.push({ segments, atKey, message });
  const baseDir = path.dirname(file);

  const names: Record<string, string[]> = {};
  for (const list of ['models', 'systems', 'traces', 'slos'] as const) {
    names[list] = [];
    const firstAt = new Map<string, number>();
    (doc[list] as Raw[]).forEach((item, i) => {
      if (typeof item?.name !== 'string') return;
      const prev = firstAt.get(item.name);
      if (prev !== undefined) add([list, i, 'name'], `duplicate name "${item.name}" (first used by ${list}[${prev}])`);
      else firstAt.set(item.name, i);
      names[list].push(item.name);
    });
  }
  const refs = (segments: Segment[], list: unknown, kind: 'models' | 'systems' | 'traces') => {
    if (!Array.isArray(list)) return;
    list.forEach((n, j) => {
      if (!names[kind].includes(n)) {
        const hint = didYouMean(String(n), names[kind]) || `; ${kind} are: ${names[kind].join(', ')}`;
        add([...segments, j], `no ${kind.slice(0, -1)} named "${n}"${hint}`);
      }
    });
  };

  (doc.models as Raw[]).forEach((m, i) => {
    refs(['models', i, 'systems'], m.systems, 'systems');
    refs(['models', i, 'traces'], m.traces, 'traces');
  });
  (doc.slos as Raw[]).forEach((s, i) => {
    for (const kind of ['models', 'systems', 'traces'] as const) refs(['slos', i, 'appliesTo', kind], s.appliesTo?.[kind], kind);
  });

  (doc.systems as Raw[]).forEach((s, i) => {
    if (s.engine === 'external' && !s.url) add(['systems', i], 'engine external needs "url", the base URL of the server');
    if (s.engine !== 'external' && s.url) add(['systems', i, 'url'], `"url" is only for engine external (this system's engine is ${s.engine})`);
  });

  // The simulated engine's profiles are data files; a name that is not one of them is a typo or a missing file.
  const usesSim = (doc.systems as Raw[]).some((s) => s.engine === 'sim');
  const checkProfile = (segments: Segment[], kind: 'models' | 'hardware' | 'cpu', name: unknown) => {
    const known = listProfiles(kind);
    if (typeof name === 'string' && !known.includes(name)) {
      add(segments, `no simulated-engine ${kind === 'models' ? 'model' : kind} profile "${name}"${didYouMean(name, known) || `; profiles are: ${known.join(', ')}`}`);
    }
  };
  if (usesSim) (doc.models as Raw[]).forEach((m, i) => checkProfile(['models', i, 'simModel'], 'models', m.simModel));
  (doc.systems as Raw[]).forEach((s, i) => {
    if (s.engine !== 'sim') return;
    checkProfile(['systems', i, 'sim', 'hardware'], 'hardware', s.sim?.hardware);
    checkProfile(['systems', i, 'sim', 'cpuProfile'], 'cpu', s.sim?.cpuProfile);
  });

  (doc.traces as Raw[]).forEach((t, i) => {
    const l = t.lengths ?? {};
    const at: Segment[] = ['traces', i, 'lengths'];
    if (l.type === 'csv') {
      if (!l.path && !l.url) add(at, 'csv lengths need "path" (a local CSV) or "url" with "sha256"');
      if (l.url && !l.sha256) add([...at, 'url'], 'a downloaded trace needs its "sha256", so the cache key names its content');
      if (l.path && !l.url) {
        const p = path.resolve(baseDir, l.path);
        if (!fs.existsSync(p)) add([...at, 'path'], `trace file not found: ${displayPath(p)}`);
      }
    }
    if (l.type === 'uniform' || l.type === 'zipf') {
      for (const k of ['prompt', 'output']) {
        const r = l[k];
        if (Array.isArray(r) && r.length === 2 && r[0] > r[1]) add([...at, k], `expected [min, max] with min <= max; found [${r[0]}, ${r[1]}]`);
      }
    }
    if (l.type === 'fixed' && l.prompt + l.output > t.maxTotalTokens) {
      add([...at], `prompt + output (${l.prompt + l.output}) is above maxTotalTokens (${t.maxTotalTokens}); raise maxTotalTokens or shorten the lengths`);
    }
    const a = t.arrivals ?? {};
    if (a.type === 'timestamps') {
      const p = path.resolve(baseDir, a.path);
      if (!fs.existsSync(p)) add(['traces', i, 'arrivals', 'path'], `arrival timestamps file not found: ${displayPath(p)}`);
    }
  });

  const s = doc.search ?? {};
  if (s.minQps > s.maxQps) add(['search', 'minQps'], `minQps (${s.minQps}) is above maxQps (${s.maxQps})`);
  if (s.startQps < s.minQps || s.startQps > s.maxQps) add(['search', 'startQps'], `startQps (${s.startQps}) is outside [minQps, maxQps] = [${s.minQps}, ${s.maxQps}]`);
  return out;
}
