/**
 * Plan files: every choice of the setup wizard as YAML or JSON, for repeatable and
 * non-interactive runs (DEV, QA, PROD; pipelines). A plan is validated completely before
 * anything runs, and every problem is reported with its field path and what is expected.
 */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import type {Answers} from '../flows/types.js';
import {DEFAULT_ROLE} from '../flows/parameters.js';
import {UsageError} from './errors.js';
import {readTextFile} from './lifecycle/common.js';
import {expandHome} from './paths/complete.js';
import {planSchema, type Plan} from './schema/plan.js';
import {parseOrThrow} from './schema/problems.js';
import type {z} from 'zod';

export type {Plan} from './schema/plan.js';
/** A plan built from answers; names may still be missing when a run stopped early. */
export type PlanDraft = Omit<Plan, 'instance' | 'key'> & {instance: Partial<Plan['instance']>; key?: {name?: string}};

/**
 * The first line of a saved plan: editors with the YAML language server validate and complete
 * the plan with schema/plan.schema.json of this installation (an absolute path: a path relative
 * to the output folder breaks as soon as the plan is moved).
 */
export function planSchemaModeline(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'schema', 'plan.schema.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return `# yaml-language-server: $schema=${path.join(dir, 'schema', 'plan.schema.json').split(path.sep).join('/')}`;
}

/**
 * Reads a plan file: YAML or JSON (JSON is YAML), validated with `schema`; every problem
 * is named by its field path (exit 2). Paths in it are relative to its folder (baseDir).
 */
export async function readPlanFile<T extends z.ZodType>(file: string, schema: T, kind = 'plan', fix = 'the README documents every field with an example per option'): Promise<{plan: z.output<T>; baseDir: string}> {
  const text = await readTextFile(file, error => new UsageError(`Cannot read the plan file ${file}: ${error.code ?? error.message}`, {fix: ['Check the path given with --plan.']}));
  const {parse} = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML or JSON: ${(error as Error).message}`, {fix: [`Check the indentation and quoting at the place named; ${fix}.`]});
  }
  const plan = parseOrThrow(schema, raw, `${file} is not a valid ${kind}`, [`Fix the fields above; ${fix}.`]);
  return {plan, baseDir: path.dirname(path.resolve(file))};
}

/** A path in a plan: `~` is the home folder (as typed in the wizard), anything else relative to the plan's folder. */
export function planPath(baseDir: string, file: string): string {
  return path.resolve(baseDir, expandHome(file));
}

export async function loadPlan(file: string): Promise<{plan: Plan; answers: Answers; baseDir: string}> {
  const {plan, baseDir} = await readPlanFile(file, planSchema);
  return {plan, answers: await planToAnswers(plan, baseDir), baseDir};
}

/** Paths in a plan are relative to the plan file, so a plan works from any working directory. */
export async function planToAnswers(plan: Plan, baseDir: string): Promise<Answers> {
  const resolve = (p: string | undefined) => (p === undefined ? undefined : planPath(baseDir, p));
  const option = plan.option ?? 'role-based';
  const role = plan.role ?? DEFAULT_ROLE;
  const passwordFile = plan.certificate?.passwordFile;
  let certificatePassword: string | undefined;
  if (passwordFile) {
    const unreadable = () => new UsageError(`Cannot read certificate.passwordFile ${passwordFile}.`, {fix: ['The path is relative to the plan file.']});
    certificatePassword = (await readTextFile(resolve(passwordFile)!, unreadable)).replace(/\r?\n$/, '');
  }
  return {
    targetConfirmed: plan.target?.confirm ?? true,
    expectedTarget: plan.target?.org || plan.target?.space ? {org: plan.target.org, space: plan.target.space} : undefined,
    option,
    ...(option === 'role-based' ? (role === DEFAULT_ROLE ? {roleChoice: 'ESBMessaging.send' as const} : {roleChoice: 'custom' as const, customRole: role}) : {}),
    instanceName: plan.instance?.name,
    instanceAction: plan.instance?.update ? 'update' : undefined,
    certificateSource: plan.certificate?.source,
    certificatePath: resolve(plan.certificate?.file),
    certificatePassword,
    acceptCertificateWarnings: plan.certificate?.acceptWarnings ?? false,
    acceptIncompleteChain: plan.certificate?.acceptIncompleteChain ?? false,
    sapKey: plan.certificate?.source === 'sap-generated' ? {validityDays: plan.certificate.validityDays ?? 365, keyLength: plan.certificate.keyLength ?? 2048} : undefined,
    keyName: plan.key?.name,
    onFailure: plan.onFailure,
    exportPkcs12: plan.exportPkcs12,
    csr: plan.certificate?.source === 'new-csr' ? {commonName: plan.certificate.commonName ?? 'sender', keyType: plan.certificate.keyType ?? 'rsa-2048'} : undefined,
    tenantChecks: plan.tenantChecks ? {mode: plan.tenantChecks.mode ?? 'skip', apiKeyPath: resolve(plan.tenantChecks.apiKeyFile), keepApiInstance: plan.tenantChecks.keepApiInstance} : undefined,
    trustedRoots: plan.trustedRoots?.map(root => resolve(root)!),
    liveTest: plan.liveTest
      ? {run: plan.liveTest.run ?? false, path: plan.liveTest.path, method: plan.liveTest.method, privateKeyPath: resolve(plan.liveTest.privateKeyFile), compareBasic: plan.liveTest.compareBasic}
      : {run: false},
  };
}

/**
 * The plan that reproduces an interactive run's answers (no secrets: passwords are not saved).
 * Paths are written relative to the folder the plan is saved in (`planDir`), and the live test's
 * endpoint as its path: the host differs per tenant, the integration flow's path does not.
 */
export function answersToPlan(answers: Answers, planDir: string, output?: string): PlanDraft {
  const option = answers.option ?? 'role-based';
  const relative = (p: string | undefined) => (p === undefined ? undefined : toPlanPath(path.relative(planDir, path.resolve(p))));
  return {
    version: 1,
    option,
    target: {confirm: true, ...(answers.expectedTarget ?? {})},
    ...(option === 'role-based' ? {role: answers.roleChoice === 'custom' ? answers.customRole : DEFAULT_ROLE} : {}),
    instance: {name: answers.instanceName, ...(answers.instanceAction === 'update' ? {update: true} : {})},
    certificate:
      answers.certificateSource === 'sap-generated'
        ? {source: 'sap-generated', validityDays: answers.sapKey?.validityDays ?? 365, keyLength: (answers.sapKey?.keyLength ?? 2048) as 2048 | 4096}
        : answers.certificateSource === 'new-csr'
          ? {source: 'new-csr', commonName: answers.csr?.commonName, keyType: answers.csr?.keyType}
          : {
              source: 'external',
              file: relative(answers.certificatePath),
              ...(answers.acceptCertificateWarnings ? {acceptWarnings: true} : {}),
              ...(answers.acceptIncompleteChain ? {acceptIncompleteChain: true} : {}),
            },
    ...(answers.exportPkcs12 && answers.exportPkcs12 !== 'skip' ? {exportPkcs12: answers.exportPkcs12} : {}),
    ...(answers.certificateSource === 'new-csr' ? {} : {key: {name: answers.keyName}}),
    liveTest: answers.liveTest?.run
      ? {
          run: true,
          path: endpointPath(answers.liveTest.path),
          method: answers.liveTest.method ?? 'POST',
          ...(answers.liveTest.privateKeyPath ? {privateKeyFile: relative(answers.liveTest.privateKeyPath)} : {}),
          ...(answers.liveTest.compareBasic ? {compareBasic: true} : {}),
        }
      : {run: false},
    tenantChecks: {
      mode: answers.tenantChecks?.mode ?? 'skip',
      ...(answers.tenantChecks?.apiKeyPath ? {apiKeyFile: relative(answers.tenantChecks.apiKeyPath)} : {}),
      ...(answers.tenantChecks?.keepApiInstance ? {keepApiInstance: true} : {}),
    },
    ...(answers.trustedRoots?.length ? {trustedRoots: answers.trustedRoots.map(root => relative(root)!)} : {}),
    ...(answers.onFailure ? {onFailure: answers.onFailure} : {}),
    ...(output ? {output} : {}),
  };
}

/** Forward slashes, so a plan saved on Windows runs on macOS and Linux too (Node accepts both on Windows). */
function toPlanPath(relativePath: string): string {
  return relativePath.split(path.sep).join('/') || '.';
}

/** The path of an endpoint URL; a path stays as it is. */
function endpointPath(pathOrUrl: string | undefined): string | undefined {
  if (!pathOrUrl || !/^https?:\/\//i.test(pathOrUrl) || !URL.canParse(pathOrUrl)) return pathOrUrl;
  const url = new URL(pathOrUrl);
  return url.pathname + url.search;
}
