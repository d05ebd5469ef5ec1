/**
 * Shared by every schema: problems named by field path (`instance.name`, `trustedRoots[0]`,
 * `instanceNames["ESBMessaging.send"]`), one per wrong or unknown field, in the words of the
 * schema's own messages.
 */
import {z} from 'zod';
import {UsageError} from '../errors.js';

export interface SchemaProblem {
  path: string;
  message: string;
}

type Shape = Record<string, z.ZodType>;

/** A field path as a reader writes it: dots for names, [n] for list items, ["…"] for map keys. */
export function fieldPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out || '(root)';
}

/** A mapping that names unknown fields; `expected` is the message when the value is no mapping at all. */
export function mapping<S extends Shape>(shape: S, expected: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {error: issue => (issue.code === 'unrecognized_keys' ? `unknown field; expected one of ${known}` : expected)});
}

export const got = (input: unknown) => JSON.stringify(input) ?? String(input);

/** A string field; `required` is the message when it is missing (only for required fields). */
export function text(required?: string) {
  return z.string({error: issue => (issue.input === undefined && required ? required : `expected a string, got ${got(issue.input)}`)});
}

export function flag() {
  return z.boolean({error: issue => `expected true or false, got ${got(issue.input)}`});
}

const DAYS = 'expected a whole number of days from 1 to 365';

/** Validity of an SAP-generated certificate, in days. */
export function validityDays() {
  return z.number({error: () => DAYS}).int({error: () => DAYS}).min(1, {error: () => DAYS}).max(365, {error: () => DAYS});
}

/** RSA key length of an SAP-generated key. */
export function keyLength() {
  return z.union([z.literal(2048), z.literal(4096)], {error: () => 'expected 2048 or 4096'});
}

/** Adds the problem a validator of flows/validate.ts returns (null: fine). */
export function checkedBy(check: (value: string) => string | null) {
  return (value: string, ctx: z.RefinementCtx<string>) => {
    const problem = check(value);
    if (problem) ctx.addIssue({code: 'custom', message: problem, input: value});
  };
}

export function problemsOf(error: z.ZodError): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) problems.push({path: fieldPath([...issue.path, key]), message: issue.message});
    else problems.push({path: fieldPath(issue.path), message: issue.message});
  }
  return problems;
}

/** Every problem of a parsed document (empty when it is valid). */
export function validate(schema: z.ZodType, raw: unknown): SchemaProblem[] {
  const result = schema.safeParse(raw);
  return result.success ? [] : problemsOf(result.error);
}

/**
 * Parses with the schema or throws a UsageError (exit 2) that lists every problem by field path;
 * `what` names the document, e.g. "plan.yaml is not a valid plan".
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, what: string, fix: string[]): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = problemsOf(result.error);
  throw new UsageError(`${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(p => `  ${p.path}: ${p.message}`).join('\n')}`, {fix, details: {problems}});
}
