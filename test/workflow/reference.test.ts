import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { updateReadmeReference } from '../../lib/workflow/reference.ts';

test('the README workflow reference is the one generated from the schema (run `npm run docs` after a schema change)', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  assert.fixture(readme, updateReadmeReference(readme));
});

test('every schema field has a description, and every optional field a default', () => {
  const schema = JSON.parse(fs.readFileSync('schemas/workflow.schema.json', 'utf8'));
  const missing: string[] = [];
  const walk = (s: any, where: string) => {
    if (!s || typeof s !== 'object') return;
    const req = new Set<string>(s.required ?? []);
    for (const [k, p] of Object.entries<any>(s.properties ?? {})) {
      if (k === 'type' && p.const !== undefined) continue;
      const target = p.$ref ? schema.$defs[p.$ref.split('/').pop()] : p;
      if (!p.description && !target.description) missing.push(`${where}.${k}: description`);
      if (!req.has(k) && !('default' in p) && !('default' in target) && k !== '$schema') missing.push(`${where}.${k}: default`);
      walk(target, `${where}.${k}`);
      if (target.items) walk(target.items.$ref ? schema.$defs[target.items.$ref.split('/').pop()] : target.items, `${where}.${k}[]`);
    }
    for (const v of s.oneOf ?? []) walk(v, `${where}(${v.properties?.type?.const})`);
  };
  walk(schema, '');
  assert.equal(missing, []);
});

test.run();
