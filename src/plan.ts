/**
 * Plan files: every choice of the setup wizard as YAML or JSON, for repeatable and
 * non-interactive runs (DEV, QA, PROD; pipelines). A plan is validated completely before
 * anything runs, and every problem is reported with its field path and what is expected.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {Answers} from '../flows/types.js';
import {validateEndpointPath, validateInstanceName, validateKeyName, validateRoleName, validateValidityDays} from '../flows/validate.js';
import {DEFAULT_ROLE} from '../flows/parameters.js';
import {UsageError} from './errors.js';

export interface Plan {
  version?: 1;
  option?: 'role-based' | 'certificate-in-iflow';
  target?: {confirm?: boolean; org?: string; space?: string};
  role?: string;
  instance?: {name?: string; update?: boolean};
  certificate?: {
    source?: 'external' | 'sap-generated' | 'new-csr';
    commonName?: string;
    keyType?: 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256';
    file?: string;
    passwordFile?: string;
    acceptWarnings?: boolean;
    /** Go on with a leaf whose chain is incomplete; the live test then shows the load balancer's answer. */
    acceptIncompleteChain?: boolean;
    validityDays?: number;
    keyLength?: number;
  };
  key?: {name?: string};
  liveTest?: {run?: boolean; path?: string; method?: 'GET' | 'POST'; privateKeyFile?: string; compareBasic?: boolean};
  output?: string;
  /** After a failure: keep what this run created (default) or remove it. */
  onFailure?: 'keep' | 'remove';
  /** PKCS#12 for the sender system at the end. */
  exportPkcs12?: 'modern' | 'legacy' | 'skip';
  tenantChecks?: {mode?: 'skip' | 'file' | 'create'; apiKeyFile?: string; keepApiInstance?: boolean};
  /** Client root CA files to trust although they are not (yet) on SAP's load balancer list. */
  trustedRoots?: string[];
}

export interface PlanProblem {
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed plan; returns every problem (empty when valid). */
export function validatePlan(raw: unknown): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const add = (p: string, message: string) => problems.push({path: p, message});
  if (!isObj(raw)) return [{path: '(root)', message: 'expected a mapping (YAML) or object (JSON) with fields such as option, role, instance, certificate'}];

  const known = ['version', 'option', 'target', 'role', 'instance', 'certificate', 'key', 'liveTest', 'output', 'onFailure', 'tenantChecks', 'exportPkcs12', 'trustedRoots'];
  for (const field of Object.keys(raw)) if (!known.includes(field)) add(field, `unknown field; expected one of ${known.join(', ')}`);
  const checkKeys = (p: string, value: Obj, allowed: string[]) => {
    for (const field of Object.keys(value)) if (!allowed.includes(field)) add(`${p}.${field}`, `unknown field; expected one of ${allowed.join(', ')}`);
  };
  const str = (p: string, value: unknown, check?: (v: string) => string | null) => {
    if (value === undefined) return;
    if (typeof value !== 'string') return add(p, `expected a string, got ${JSON.stringify(value)}`);
    const problem = check?.(value);
    if (problem) add(p, problem);
  };
  const bool = (p: string, value: unknown) => {
    if (value !== undefined && typeof value !== 'boolean') add(p, `expected true or false, got ${JSON.stringify(value)}`);
  };

  if (raw.version !== undefined && raw.version !== 1) add('version', 'expected 1');
  if (raw.option !== undefined && raw.option !== 'role-based' && raw.option !== 'certificate-in-iflow') add('option', 'expected "role-based" (Option 1) or "certificate-in-iflow" (Option 2)');
  const option2 = raw.option === 'certificate-in-iflow';

  if (raw.target !== undefined) {
    if (!isObj(raw.target)) add('target', 'expected a mapping with confirm, org, space');
    else {
      checkKeys('target', raw.target, ['confirm', 'org', 'space']);
      bool('target.confirm', raw.target.confirm);
      str('target.org', raw.target.org);
      str('target.space', raw.target.space);
    }
  }
  if (option2 && raw.role !== undefined) add('role', 'Option 2 uses no role: remove this field');
  str('role', raw.role, validateRoleName);

  if (!isObj(raw.instance)) add('instance', 'expected a mapping with name (the service instance name)');
  else {
    checkKeys('instance', raw.instance, ['name', 'update']);
    if (raw.instance.name === undefined) add('instance.name', 'required: the service instance name (at most 32 of A-Z a-z 0-9 . _ -)');
    str('instance.name', raw.instance.name, validateInstanceName);
    bool('instance.update', raw.instance.update);
  }

  if (!isObj(raw.certificate)) add('certificate', 'expected a mapping with source and file (external) or validityDays (sap-generated)');
  else {
    const c = raw.certificate;
    checkKeys('certificate', c, ['source', 'file', 'passwordFile', 'acceptWarnings', 'acceptIncompleteChain', 'validityDays', 'keyLength', 'commonName', 'keyType']);
    bool('certificate.acceptIncompleteChain', c.acceptIncompleteChain);
    if (c.source !== 'external' && c.source !== 'sap-generated' && c.source !== 'new-csr') add('certificate.source', 'expected "external", "sap-generated" or "new-csr"');
    if (c.source === 'new-csr' && c.commonName === undefined) add('certificate.commonName', 'required for source new-csr: the CN of the sender system');
    str('certificate.commonName', c.commonName);
    if (c.keyType !== undefined && !['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256'].includes(c.keyType as string)) add('certificate.keyType', 'expected rsa-2048, rsa-3072, rsa-4096 or ec-p256');
    if (option2 && c.source === 'sap-generated') add('certificate.source', 'Option 2 needs the certificate file to upload in the sender channel: use "external"');
    if (c.source === 'external' && c.file === undefined) add('certificate.file', 'required for source external: path of the client certificate (PEM, DER or PKCS#12)');
    str('certificate.file', c.file);
    str('certificate.passwordFile', c.passwordFile);
    bool('certificate.acceptWarnings', c.acceptWarnings);
    if (c.validityDays !== undefined && (typeof c.validityDays !== 'number' || validateValidityDays(String(c.validityDays)))) add('certificate.validityDays', 'expected a whole number of days from 1 to 365');
    if (c.keyLength !== undefined && c.keyLength !== 2048 && c.keyLength !== 4096) add('certificate.keyLength', 'expected 2048 or 4096');
  }

  const csrOnly = isObj(raw.certificate) && raw.certificate.source === 'new-csr';
  if (raw.key === undefined && csrOnly) {
    // A new CSR creates no key yet.
  } else if (!isObj(raw.key)) add('key', 'expected a mapping with name (the service key name)');
  else {
    checkKeys('key', raw.key, ['name']);
    if (raw.key.name === undefined) add('key.name', 'required: the service key name');
    str('key.name', raw.key.name, validateKeyName);
  }

  if (raw.liveTest !== undefined) {
    if (!isObj(raw.liveTest)) add('liveTest', 'expected a mapping with run, path, method, privateKeyFile');
    else {
      const l = raw.liveTest;
      checkKeys('liveTest', l, ['run', 'path', 'method', 'privateKeyFile', 'compareBasic']);
      bool('liveTest.run', l.run);
      bool('liveTest.compareBasic', l.compareBasic);
      if (l.run === true && l.path === undefined) add('liveTest.path', 'required when run is true: the endpoint path, e.g. /http/orders');
      str('liveTest.path', l.path, validateEndpointPath);
      if (l.method !== undefined && l.method !== 'GET' && l.method !== 'POST') add('liveTest.method', 'expected GET or POST');
      str('liveTest.privateKeyFile', l.privateKeyFile);
    }
  }
  str('output', raw.output);
  if (raw.trustedRoots !== undefined) {
    if (!Array.isArray(raw.trustedRoots)) add('trustedRoots', 'expected a list of PEM files of client root CAs');
    else raw.trustedRoots.forEach((root, index) => str(`trustedRoots[${index}]`, root));
  }
  if (raw.exportPkcs12 !== undefined && !['modern', 'legacy', 'skip'].includes(raw.exportPkcs12 as string)) add('exportPkcs12', 'expected "modern", "legacy" or "skip"');
  if (raw.onFailure !== undefined && raw.onFailure !== 'keep' && raw.onFailure !== 'remove') add('onFailure', 'expected "keep" or "remove"');
  if (raw.tenantChecks !== undefined) {
    if (!isObj(raw.tenantChecks)) add('tenantChecks', 'expected a mapping with mode (skip, file or create)');
    else {
      const t = raw.tenantChecks;
      checkKeys('tenantChecks', t, ['mode', 'apiKeyFile', 'keepApiInstance']);
      if (t.mode !== undefined && t.mode !== 'skip' && t.mode !== 'file' && t.mode !== 'create') add('tenantChecks.mode', 'expected "skip", "file" (an api service key JSON) or "create" (a temporary api instance)');
      if (t.mode === 'file' && t.apiKeyFile === undefined) add('tenantChecks.apiKeyFile', 'required for mode file: path of an api-plan service key JSON');
      str('tenantChecks.apiKeyFile', t.apiKeyFile);
      bool('tenantChecks.keepApiInstance', t.keepApiInstance);
    }
  }
  return problems;
}

/** Parses YAML or JSON text (JSON is YAML), then validates it. */
export async function parsePlanText(text: string, where: string): Promise<Plan> {
  const {parse} = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new UsageError(`${where} is not valid YAML or JSON: ${(error as Error).message}`, {fix: ['Check the indentation and quoting; the README has a full example per option.']});
  }
  const problems = validatePlan(raw);
  if (problems.length > 0) {
    throw new UsageError(`${where} is not a valid plan (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(p => `  ${p.path}: ${p.message}`).join('\n')}`, {
      fix: ['Fix the fields above; the README documents every field with an example per option.'],
      details: {problems},
    });
  }
  return raw as Plan;
}

export async function loadPlan(file: string): Promise<{plan: Plan; answers: Answers; baseDir: string}> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the plan file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {fix: ['Check the path given with --plan.']});
  }
  const plan = await parsePlanText(text, file);
  const baseDir = path.dirname(path.resolve(file));
  return {plan, answers: await planToAnswers(plan, baseDir), baseDir};
}

/** Paths in a plan are relative to the plan file, so a plan works from any working directory. */
export async function planToAnswers(plan: Plan, baseDir: string): Promise<Answers> {
  const resolve = (p: string | undefined) => (p === undefined ? undefined : path.resolve(baseDir, p));
  const option = plan.option ?? 'role-based';
  const role = plan.role ?? DEFAULT_ROLE;
  let certificatePassword: string | undefined;
  if (plan.certificate?.passwordFile) {
    try {
      certificatePassword = (await readFile(resolve(plan.certificate.passwordFile)!, 'utf8')).replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`Cannot read certificate.passwordFile ${plan.certificate.passwordFile}.`, {fix: ['The path is relative to the plan file.']});
    }
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
export function answersToPlan(answers: Answers, planDir: string, output?: string): Plan {
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
        ? {source: 'sap-generated', validityDays: answers.sapKey?.validityDays ?? 365, keyLength: answers.sapKey?.keyLength ?? 2048}
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
  if (!pathOrUrl || !/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  try {
    const url = new URL(pathOrUrl);
    return url.pathname + url.search;
  } catch {
    return pathOrUrl;
  }
}
