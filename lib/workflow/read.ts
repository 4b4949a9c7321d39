import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Job, Workflow } from '../types.ts';
import { WorkflowError, formatFieldPath, type Problem } from './errors.ts';
import { expandWorkflow } from './expand.ts';
import { normalizeWorkflow } from './normalize.ts';
import { locate } from './positions.ts';
import { checkSemantics } from './semantics.ts';
import { validateAgainstSchema } from './validate.ts';

export interface Plan {
  workflow: Workflow;
  jobs: Job[];
}

/** Reads, validates, normalizes and expands a workflow file; throws WorkflowError listing every problem. */
export function readWorkflow(file: string): Plan {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new WorkflowError(abs, [{ line: 1, col: 1, path: '', message: `cannot read the workflow: ${why}` }]);
  }
  return parseWorkflow(text, abs);
}

/** As readWorkflow, from text; `file` names it in errors and anchors relative paths. */
export function parseWorkflow(text: string, file: string): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { line: pos.line, col: pos.col, path: '', message: `YAML syntax: ${first}` };
    });
    throw new WorkflowError(file, problems);
  }
  const data = doc.toJS() as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new WorkflowError(file, [{ line: 1, col: 1, path: '', message: `expected a mapping with name, models, systems, traces and slos; found ${data === null ? 'an empty document' : Array.isArray(data) ? 'a list' : typeof data}` }]);
  }
  const toProblem = (p: { segments: (string | number)[]; atKey?: boolean; message: string }): Problem => ({
    ...locate(doc, lines, p.segments, p.atKey ?? false),
    path: formatFieldPath(p.segments),
    message: p.message,
  });
  const schemaProblems = validateAgainstSchema(data);
  if (schemaProblems.length > 0) throw new WorkflowError(file, schemaProblems.map(toProblem));
  const semantic = checkSemantics(data as Record<string, any>, file);
  if (semantic.length > 0) throw new WorkflowError(file, semantic.map(toProblem));
  const workflow = normalizeWorkflow(data as Record<string, any>, file);
  const { jobs, problems } = expandWorkflow(workflow);
  if (problems.length > 0) throw new WorkflowError(file, problems.map(toProblem));
  return { workflow, jobs };
}
