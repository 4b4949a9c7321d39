// Regenerates the README's workflow reference from schemas/workflow.schema.json.
import fs from 'node:fs';
import { updateReadmeReference } from '../lib/workflow/reference.ts';

fs.writeFileSync('README.md', updateReadmeReference(fs.readFileSync('README.md', 'utf8')));
