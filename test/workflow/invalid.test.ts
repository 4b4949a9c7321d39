import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readWorkflow } from '../../lib/workflow/read.ts';
import { WorkflowError } from '../../lib/workflow/errors.ts';

// Each invalid workflow sits beside the exact message it must produce (NAME.yml -> NAME.txt).
const dir = 'test/fixtures/workflow/invalid';
const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();

test('there are at least 25 invalid workflow fixtures, each with its expected message', () => {
  assert.ok(fixtures.length >= 25, `only ${fixtures.length}`);
  for (const f of fixtures) assert.ok(fs.existsSync(path.join(dir, f.replace(/\.yml$/, '.txt'))), f);
});

for (const f of fixtures) {
  test(`${f} is rejected with its exact message`, () => {
    const expected = fs.readFileSync(path.join(dir, f.replace(/\.yml$/, '.txt')), 'utf8').trimEnd();
    try {
      readWorkflow(path.join(dir, f));
    } catch (err) {
      assert.instance(err, WorkflowError);
      assert.fixture((err as Error).message, expected);
      return;
    }
    assert.unreachable(`${f} was accepted`);
  });
}

test('a missing workflow file is named with the reason', () => {
  try {
    readWorkflow('test/fixtures/workflow/nope.yml');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, 'test/fixtures/workflow/nope.yml: 1 problem');
    assert.match((err as Error).message, 'cannot read the workflow: no such file');
  }
});

test.run();
