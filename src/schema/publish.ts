/**
 * The JSON Schema files in the package's schema/ folder, generated from the zod schemas
 * (npm run schema; a test regenerates them and compares, so they cannot go stale). Draft-07,
 * the draft every editor's YAML and JSON support understands. Rules between fields (a file
 * for source external, …) cannot be expressed there; the descriptions state them and
 * cpi-mtls checks them at run time.
 */
import {z} from 'zod';
import {auditSchema} from './audit.js';
import {checklistSchema} from './checklist.js';
import {liveTestSchema} from './live-test.js';
import {migrateNeoPlanSchema} from './migrate-neo-plan.js';
import {planSchema} from './plan.js';
import {renewPlanSchema} from './renew-plan.js';

/** Plans are read (input: what may be written); documents are written (output: what is there). */
const PUBLISHED: Record<string, {schema: z.ZodType; io: 'input' | 'output'}> = {
  'plan.schema.json': {schema: planSchema, io: 'input'},
  'renew-plan.schema.json': {schema: renewPlanSchema, io: 'input'},
  'migrate-neo-plan.schema.json': {schema: migrateNeoPlanSchema, io: 'input'},
  'checklist.schema.json': {schema: checklistSchema, io: 'output'},
  'audit.schema.json': {schema: auditSchema, io: 'output'},
  'live-test.schema.json': {schema: liveTestSchema, io: 'output'},
};

/** File name → file text, as committed in schema/. */
export function publishedSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, {schema, io}] of Object.entries(PUBLISHED)) {
    files[name] = JSON.stringify(z.toJSONSchema(schema, {target: 'draft-07', io, unrepresentable: 'any'}), null, 2) + '\n';
  }
  return files;
}
