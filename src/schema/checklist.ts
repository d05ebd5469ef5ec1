/**
 * checklist.json: the checklist every flow writes (src/checklist.ts builds it, with the types
 * inferred from here), and a run's file is parsed with it: the published shape is the shape written.
 */
import {z} from 'zod';

export const itemStatusSchema = z.enum(['verified', 'done', 'todo', 'failed', 'skipped', 'not-checked']);

export const checklistItemSchema = z.strictObject({
  id: z.string().optional().describe('Stable across runs and versions, e.g. "live-test".'),
  status: itemStatusSchema,
  title: z.string(),
  details: z.array(z.string()),
});

export const checklistSchema = z
  .strictObject({
    title: z.string(),
    headline: z.string().optional().describe("The line shown when everything passed; each flow words its own."),
    headlineFromOutcome: z.boolean().optional().describe('The headline was derived from the outcome and fits every ending.'),
    generatedAt: z.string(),
    outcome: z.enum(['complete', 'incomplete', 'failed', 'cancelled']),
    option: z.string(),
    target: z.union([z.string(), z.strictObject({api: z.string(), org: z.string(), space: z.string()})]).optional(),
    items: z.array(checklistItemSchema),
    created: z.array(z.strictObject({kind: z.string(), what: z.string(), name: z.string(), guid: z.string().optional(), note: z.string().optional()})),
    cleanup: z.array(z.string()),
    commands: z.array(z.string()),
    files: z.record(z.string(), z.string()),
    changes: z.array(z.string()).optional().describe('The cf commands that changed something; commands has every call.'),
    nextStep: z.string().optional().describe('One sentence: what to do next.'),
    error: z.strictObject({message: z.string(), fix: z.array(z.string())}).optional(),
    reasons: z.array(z.string()).optional().describe('Why the outcome is not complete: the error and every failed item, in order.'),
    notChecked: z.array(z.string()).optional().describe('Checks that could not be made; a complete outcome may have them, and says so.'),
  })
  .meta({title: 'cpi-mtls checklist.json', description: 'What a cpi-mtls run did, verified and left to do; no secrets.'});
