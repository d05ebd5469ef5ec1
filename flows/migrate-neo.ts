/**
 * Neo → Cloud Foundry migration of inbound certificate senders (sap-cloud-integration.md §10):
 * each Neo certificate-to-user mapping plus the user's roles becomes one External Certificate
 * key on an it-rt/integration-flow instance carrying those roles. One instance per distinct set
 * of roles (not one per user), one key per certificate.
 *
 * Pure: the plan is a function of the mappings, the roles, the certificate checks and what the
 * space already holds, so a re-run after a partial failure plans only what is missing.
 */
import {trail} from './common.js';
import {answerStep, selectStep, textStep} from './steps/question.js';
import {preflightStep, readFailedStep, reportSteps, stepFailedStep} from './steps/run.js';
import type {AuditData, AuditInstance} from '../src/lifecycle/audit.js';
import type {MappingValidation, NeoMapping} from '../src/lifecycle/neo.js';
import {goto, type FlowDefinition} from './machine.js';
import {IFLOW_PLAN, IT_RT_OFFERING, externalCertificateKeyParameters, instanceParameters} from './parameters.js';
import type {ActionRecord, Choice, Effect, EffectResults, Facts, FrameStepId, EffectStep, MachineState, Panel, QuestionStep, Step} from './types.js';
import {validateInstanceName, validateKeyName, validateRoleName} from './validate.js';

export interface MigrateAnswers {
  source?: 'api' | 'file';
  neoUrl?: string;
  neoUser?: string;
  /** Kept in memory only; never written to the report or printed. */
  neoPassword?: string;
  mappingsFile?: string;
  /** JSON file user → roles; '' = ask per user. */
  rolesFile?: string;
  /** Roles per user, from the file or typed in (a plan may carry them directly). */
  userRoles?: Record<string, string[]>;
  /** Edited instance names per role set (key: roles joined with "|"). */
  instanceNames?: Record<string, string>;
  /** Apply the plan (headless: --yes). */
  apply?: boolean;
  /** The role set whose instance name is being edited. */
  renaming?: string;
}

export interface MappingOutcome {
  mappingId: string;
  user: string;
  status: 'created' | 'existing' | 'skipped' | 'failed' | 'planned';
  instanceName?: string;
  keyName?: string;
  reason?: string;
}

export interface MigrateFacts extends Pick<Facts, 'cfVersion' | 'target' | 'planAvailable' | 'outputs' | 'actions'> {
  mappings?: NeoMapping[];
  /** Roles per user as loaded from the roles file. */
  rolesFromFile?: Record<string, string[]>;
  validation?: MappingValidation[];
  existing?: AuditData;
  outcomes?: MappingOutcome[];
  applied?: boolean;
}

export type MigrateStepId =
  | FrameStepId
  | 'source' | 'neo-url' | 'neo-user' | 'neo-password' | 'mappings-file' | 'load-mappings' | 'source-failed'
  | 'roles-file' | 'load-roles' | 'roles-failed' | 'user-roles' | 'validate' | 'review-plan' | 'choose-rename' | 'rename-instance' | 'apply';

export type MigrateState = MachineState<MigrateAnswers, MigrateFacts, MigrateStepId>;

export type MigrateEffect =
  | Extract<Effect, {type: 'preflight'}>
  | {type: 'load-neo-mappings'; source: 'api' | 'file'; url?: string; user?: string; password?: string; file?: string}
  | {type: 'load-roles'; file: string}
  | {type: 'validate-mappings'}
  | {type: 'apply-migration'; plan: MigrationPlan}
  | {type: 'write-migration-outputs'};

export interface MigrateEffectResults extends Pick<EffectResults, 'preflight'> {
  'load-neo-mappings': {mappings: NeoMapping[]};
  'load-roles': {roles: Record<string, string[]>};
  'validate-mappings': {validation: MappingValidation[]; existing: AuditData};
  'apply-migration': {outcomes: MappingOutcome[]; actions: ActionRecord[]};
  'write-migration-outputs': {files: Record<string, string>};
}

// ---------------------------------------------------------------------------------------------
// The plan (pure)

export interface PlannedKey {
  mappingId: string;
  user: string;
  keyName: string;
  fingerprint256: string;
  subject: string;
  notAfter?: string;
  certificatePem: string;
  /** The certificate is already in this instance under that name (a previous run). */
  existingKey?: string;
  /** A key of this name was left behind by a failed create (a previous run): delete, then create. */
  replaceFailed?: boolean;
}

export interface PlannedInstance {
  /** Roles joined with "|": the group's identity across runs and edits. */
  roleKey: string;
  roles: string[];
  name: string;
  /** The instance exists already (created by a previous run, or found by its certificates). */
  exists: boolean;
  parameters: Record<string, unknown>;
  keys: PlannedKey[];
}

export interface PlannedOperation {
  command: string;
  args: string[];
  parameters?: Record<string, unknown>;
  mappingIds: string[];
}

export interface MigrationPlan {
  instances: PlannedInstance[];
  skipped: MappingOutcome[];
  operations: PlannedOperation[];
}

export function roleKeyOf(roles: string[]): string {
  return [...roles].sort((a, b) => a.localeCompare(b)).join('|');
}

function slug(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, max)
    .replace(/[-.]+$/g, '');
}

function shortHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36).slice(0, 4);
}

/** A readable instance name for a role set, e.g. neo-esbmessaging-orders (at most 32 characters). */
export function deriveInstanceName(roles: string[]): string {
  const parts = [...roles].sort((a, b) => a.localeCompare(b)).map(role => slug(role.replace(/\.send$/i, ''), 24));
  const full = `neo-${parts.join('-')}`;
  if (full.length <= 32) return full;
  return `${full.slice(0, 27).replace(/[-.]+$/, '')}-${shortHash(full)}`;
}

export function deriveKeyName(user: string, notAfter: string | undefined): string {
  const base = slug(user, 48) || 'neo-user';
  return notAfter ? `${base}-${notAfter.slice(0, 7)}` : base;
}

export function rolesOfUser(state: MigrateState, user: string): string[] | undefined {
  return state.answers.userRoles?.[user] ?? state.facts.rolesFromFile?.[user];
}

/** Users with a movable certificate whose roles are not known yet. */
export function usersWithoutRoles(state: MigrateState): string[] {
  const users = [...new Set((state.facts.mappings ?? []).map(m => m.user).filter(Boolean))];
  return users.filter(user => rolesOfUser(state, user) === undefined);
}

function sameRoles(a: string[], b: string[]): boolean {
  return roleKeyOf(a) === roleKeyOf(b);
}

export function buildMigrationPlan(state: MigrateState): MigrationPlan {
  const mappings = state.facts.mappings ?? [];
  const validation = new Map((state.facts.validation ?? []).map(v => [v.mappingId, v]));
  const existing: AuditInstance[] = (state.facts.existing?.instances ?? []).filter(i => i.planName === IFLOW_PLAN);
  const whereIs = new Map<string, {instance: AuditInstance; keyName: string}>();
  for (const instance of existing) for (const key of instance.keys) if (key.certificate?.fingerprint256) whereIs.set(key.certificate.fingerprint256, {instance, keyName: key.name});

  const skipped: MappingOutcome[] = [];
  const groups = new Map<string, {roles: string[]; entries: Array<{mapping: NeoMapping; check: MappingValidation}>}>();
  for (const mapping of mappings) {
    const check = validation.get(mapping.id);
    const skip = (reason: string) => skipped.push({mappingId: mapping.id, user: mapping.user, status: 'skipped', reason});
    if (!check) {
      skip('Not checked.');
      continue;
    }
    if (!check.movable) {
      skip(check.reasons.join(' '));
      continue;
    }
    const roles = rolesOfUser(state, mapping.user) ?? [];
    if (roles.length === 0) {
      skip(`No roles for user ${mapping.user}: without a role the certificate cannot call any integration flow.`);
      continue;
    }
    const key = roleKeyOf(roles);
    const group = groups.get(key) ?? {roles: [...roles].sort((a, b) => a.localeCompare(b)), entries: []};
    group.entries.push({mapping, check});
    groups.set(key, group);
  }

  const usedNames = new Set<string>();
  const instances: PlannedInstance[] = [];
  for (const [roleKey, group] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) {
    // A previous run: an instance with exactly these roles already holds one of the certificates.
    const holder = group.entries.map(e => whereIs.get(e.check.fingerprint256!)).find(w => w && sameRoles(w.instance.roles, group.roles));
    let name = holder?.instance.name ?? state.answers.instanceNames?.[roleKey] ?? deriveInstanceName(group.roles);
    let found = existing.find(i => i.name === name);
    if (!holder && found && !sameRoles(found.roles, group.roles) && !state.answers.instanceNames?.[roleKey]) {
      // The derived name is taken by an instance with other roles: pick the next free one.
      for (let i = 2; found && !sameRoles(found.roles, group.roles); i++) {
        name = `${deriveInstanceName(group.roles).slice(0, 29)}-${i}`;
        found = existing.find(inst => inst.name === name);
      }
    }
    for (let i = 2; usedNames.has(name); i++) name = `${name.slice(0, 29)}-${i}`;
    usedNames.add(name);
    const instance: PlannedInstance = {roleKey, roles: group.roles, name, exists: Boolean(found), parameters: instanceParameters(group.roles), keys: []};
    const keyNames = new Set((found?.keys ?? []).map(k => k.name));
    const failedCreates = new Set((found?.keys ?? []).filter(k => k.lastOperation?.type === 'create' && k.lastOperation.state === 'failed').map(k => k.name));
    for (const {mapping, check} of group.entries) {
      const where = whereIs.get(check.fingerprint256!);
      if (where && where.instance.name !== name) {
        skipped.push({
          mappingId: mapping.id,
          user: mapping.user,
          status: 'skipped',
          instanceName: where.instance.name,
          keyName: where.keyName,
          reason: `The certificate is already in ${where.instance.name}/${where.keyName} (roles ${where.instance.roles.join(', ') || 'none'}); a second key would break both. Add roles ${group.roles.join(', ')} to that instance instead.`,
        });
        continue;
      }
      let keyName = where?.keyName ?? deriveKeyName(mapping.user, check.notAfter);
      const replaceFailed = !where && failedCreates.has(keyName);
      if (!where && !replaceFailed) for (let i = 2; keyNames.has(keyName); i++) keyName = `${deriveKeyName(mapping.user, check.notAfter)}-${i}`;
      keyNames.add(keyName);
      instance.keys.push({
        mappingId: mapping.id,
        user: mapping.user,
        keyName,
        fingerprint256: check.fingerprint256!,
        subject: check.subject ?? '',
        notAfter: check.notAfter,
        certificatePem: mapping.certificatePem!,
        ...(where ? {existingKey: where.keyName} : {}),
        ...(replaceFailed ? {replaceFailed: true} : {}),
      });
    }
    if (instance.keys.length > 0) instances.push(instance);
  }

  const operations: PlannedOperation[] = [];
  for (const instance of instances) {
    if (!instance.exists) {
      operations.push({command: 'create-service', args: ['create-service', IT_RT_OFFERING, IFLOW_PLAN, instance.name, '-c', '<parameters.json>'], parameters: instance.parameters, mappingIds: instance.keys.map(k => k.mappingId)});
    }
    for (const key of instance.keys.filter(k => !k.existingKey)) {
      if (key.replaceFailed) operations.push({command: 'delete-service-key', args: ['delete-service-key', instance.name, key.keyName, '-f'], mappingIds: [key.mappingId]});
      operations.push({command: 'create-service-key', args: ['create-service-key', instance.name, key.keyName, '-c', '<parameters.json>'], parameters: externalCertificateKeyParameters(key.certificatePem), mappingIds: [key.mappingId]});
    }
  }
  return {instances, skipped, operations};
}

/** A name the plan would send to cf that breaks the naming rules, with the plan field it comes from. */
export interface PlanNameProblem {
  field: string;
  value: string;
  problem: string;
}

/**
 * Every instance and key name the plan's cf operations carry, checked with the same rules as
 * typed names: names from a plan file, a Neo export or a roles file must not reach cf as options.
 */
export function migrationNameProblems(plan: MigrationPlan): PlanNameProblem[] {
  const problems: PlanNameProblem[] = [];
  for (const instance of plan.instances) {
    const writes = !instance.exists || instance.keys.some(key => !key.existingKey);
    const instanceProblem = writes ? validateInstanceName(instance.name) : null;
    if (instanceProblem) problems.push({field: `instanceNames["${instance.roleKey}"]`, value: instance.name, problem: instanceProblem});
    for (const key of instance.keys.filter(k => !k.existingKey)) {
      const keyProblem = validateKeyName(key.keyName);
      if (keyProblem) problems.push({field: `key of user ${key.user} (mapping ${key.mappingId})`, value: key.keyName, problem: keyProblem});
    }
  }
  return problems;
}

function nameProblemError(problems: PlanNameProblem[]): {code: string; message: string; fix: string[]} {
  return {
    code: 'usage',
    message: `The plan would send ${problems.length === 1 ? 'a name' : `${problems.length} names`} to cf that cf cannot take; nothing was changed. ${problems.map(p => `${p.field} "${p.value}": ${p.problem}`).join(' ')}`,
    fix: ['Give each instance a name of letters, digits, ".", "_" and "-" that starts with a letter or digit (plan field instanceNames, or "Change an instance name").'],
  };
}

/** An operation as one line, with the certificate shortened (the JSON report carries it whole). */
export function operationLine(op: PlannedOperation): string {
  const params = op.parameters ? JSON.stringify(op.parameters, (k, v) => (k === 'X.509' && typeof v === 'string' ? `${v.slice(0, 27)}… (${v.length} characters)` : v)) : '';
  return `cf ${op.args.map(a => (a === '<parameters.json>' ? `'${params}'` : a)).join(' ')}`;
}

// ---------------------------------------------------------------------------------------------
// Steps

type Q = QuestionStep<MigrateState>;
type E<T extends MigrateEffect['type']> = EffectStep<MigrateState, Extract<MigrateEffect, {type: T}>, MigrateEffectResults[T]>;

const preflight = preflightStep<MigrateState>({
  summary: ({target: t}) => ({text: `Target: org ${t.org.name} / space ${t.space.name} as ${t.user}`}),
  blocked: 'write-outputs',
  next: state => (state.answers.source === 'file' && state.answers.mappingsFile ? 'load-mappings' : 'source'),
});

const source = selectStep<MigrateState, 'source', 'file' | 'api'>({
  id: 'source', field: 'source', phase: 'Neo mappings', title: 'Neo mappings',
  panels: () => [{tone: 'info', lines: ['The certificate-to-user mappings of the Neo tenant (Monitor → Certificate-to-User Mappings), read through its API or from an export.']}],
  prompt: 'Where do the mappings come from?',
  initial: state => state.answers.source,
  values: ['file', 'api'],
  choices: () => [
    {value: 'api', label: 'The Neo tenant API', hint: 'GET /api/v1/CertificateUserMappings with your Neo user'},
    {value: 'file', label: 'An exported JSON file', hint: 'the answer of that call, saved'},
  ],
  next: source => (source === 'api' ? 'neo-url' : 'mappings-file'),
  summary: source => (source === 'api' ? 'Source: Neo API' : 'Source: export file'),
});

const neoUrl = textStep<MigrateState, 'neoUrl'>({
  id: 'neo-url', field: 'neoUrl', phase: 'Neo mappings', title: 'Neo tenant', prompt: 'Neo tenant management URL',
  initial: state => state.answers.neoUrl,
  placeholder: 'https://<account>-tmn.hci.eu1.hana.ondemand.com',
  validate: value => (/^https:\/\/[^\s/]+/i.test(value) ? null : 'Enter the https:// URL of the Neo tenant management node (…-tmn…).'),
  next: state => (state.answers.neoUser ? (state.answers.neoPassword ? 'load-mappings' : 'neo-password') : 'neo-user'),
  summary: value => `Neo tenant: ${value}`,
});

const neoUser = textStep<MigrateState, 'neoUser'>({
  id: 'neo-user', field: 'neoUser', phase: 'Neo mappings', title: 'Neo user', prompt: 'Neo user (S-user or P-user)',
  initial: state => state.answers.neoUser,
  validate: value => (value ? null : 'Enter the user (or set CPI_MTLS_NEO_USER).'),
  next: state => (state.answers.neoPassword ? 'load-mappings' : 'neo-password'),
  summary: value => `Neo user: ${value}`,
});

const neoPassword = textStep<MigrateState, 'neoPassword'>({
  id: 'neo-password', field: 'neoPassword', phase: 'Neo mappings', title: 'Neo password',
  panels: () => [{tone: 'info', lines: ['Used for this call only; never stored or printed. CPI_MTLS_NEO_PASSWORD avoids the prompt.']}],
  prompt: 'Password', mask: true, read: String,
  validate: value => (value !== '' ? null : 'Enter the password.'),
  next: 'load-mappings',
  summary: () => 'Password given',
});

const mappingsFile = textStep<MigrateState, 'mappingsFile'>({
  id: 'mappings-file', field: 'mappingsFile', phase: 'Neo mappings', title: 'Export file', prompt: 'Path to the exported mappings (JSON)', completion: 'path',
  initial: state => state.answers.mappingsFile,
  validate: value => (value ? null : 'Enter the path of the JSON export.'),
  next: 'load-mappings',
  summary: value => `Mappings file: ${value}`,
});

const loadMappings: E<'load-neo-mappings'> = {
  kind: 'effect',
  id: 'load-mappings',
  phase: 'Neo mappings',
  title: 'Reading the certificate-to-user mappings',
  effect: state =>
    state.answers.source === 'api'
      ? {type: 'load-neo-mappings', source: 'api', url: state.answers.neoUrl, user: state.answers.neoUser, password: state.answers.neoPassword}
      : {type: 'load-neo-mappings', source: 'file', file: state.answers.mappingsFile},
  onResult(state, result) {
    const users = new Set(result.mappings.map(m => m.user));
    const next = trail({...state, facts: {...state.facts, mappings: result.mappings}}, `${result.mappings.length} mapping(s) of ${users.size} user(s)`);
    if (result.mappings.length === 0) return goto(next, 'write-outputs', {error: {code: 'no-mappings', message: 'The Neo tenant has no certificate-to-user mappings: nothing to migrate.', fix: []}});
    if (state.answers.rolesFile !== undefined && state.answers.rolesFile !== '') return goto(next, 'load-roles');
    return goto(next, state.answers.userRoles && usersWithoutRoles(next).length === 0 ? 'validate' : 'roles-file');
  },
  onError: (state, error) => goto(state, 'source-failed', {error}),
};

const sourceFailed = stepFailedStep<MigrateState>({
  id: 'source-failed', phase: 'Neo mappings', title: 'Mappings not read',
  retry: state => goto(state, 'load-mappings'),
  more: {choices: [{value: 'source', label: 'Change the source or credentials'}], apply: state => goto({...state, answers: {...state.answers, neoPassword: undefined}}, 'source')},
  stopLabel: 'Quit (nothing was changed)',
  stop: state => goto(state, 'write-outputs', {error: state.error}),
  summary: value => (value === 'retry' ? 'Retrying' : value === 'source' ? 'Changing the source' : 'Stopped: mappings not read'),
});

const rolesFile = textStep<MigrateState, 'rolesFile'>({
  id: 'roles-file', field: 'rolesFile', phase: 'Roles', title: 'Roles',
  panels: state => [
    {
      tone: 'info',
      lines: [
        `On Neo the roles belong to the user; on Cloud Foundry they go on the service instance. Users: ${[...new Set((state.facts.mappings ?? []).map(m => m.user))].join(', ')}.`,
        'Give a JSON file {"<user>": ["<role>", …]}, or leave empty to type the roles per user.',
        'Create custom roles in the CF tenant first: Monitor → Manage Security → User Roles.',
      ],
    },
  ],
  prompt: 'Roles file (empty: ask per user)', completion: 'path',
  initial: state => state.answers.rolesFile ?? '',
  fromPlan: answers => answers.rolesFile ?? '',
  next: (state, file) => (file ? 'load-roles' : usersWithoutRoles(state).length ? 'user-roles' : 'validate'),
  summary: file => (file ? `Roles file: ${file}` : 'Roles: asked per user'),
});

const loadRoles: E<'load-roles'> = {
  kind: 'effect',
  id: 'load-roles',
  phase: 'Roles',
  title: 'Reading the roles file',
  effect: state => ({type: 'load-roles', file: state.answers.rolesFile ?? ''}),
  onResult(state, result) {
    const next = trail({...state, facts: {...state.facts, rolesFromFile: result.roles}}, `Roles of ${Object.keys(result.roles).length} user(s) read`);
    return goto(next, usersWithoutRoles(next).length ? 'user-roles' : 'validate');
  },
  onError: (state, error) => goto(state, 'roles-failed', {error}),
};

const rolesFailed = readFailedStep<MigrateState>({
  id: 'roles-failed', phase: 'Roles', title: 'Roles file not read', otherLabel: 'Give another file, or type the roles', other: 'roles-file', otherSummary: 'Another roles file',
  quitSummary: 'Stopped: roles not read',
});

function parseRoleList(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map(r => r.trim()).filter(Boolean))];
}

const userRoles = answerStep<MigrateState>({
  id: 'user-roles', phase: 'Roles', title: 'Roles of a user', prompt: state => `Roles of ${usersWithoutRoles(state)[0]}`,
  panels(state) {
    const user = usersWithoutRoles(state)[0];
    const count = (state.facts.mappings ?? []).filter(m => m.user === user).length;
    const known = [...new Set(Object.values({...state.facts.rolesFromFile, ...state.answers.userRoles}).flat())];
    return [{tone: 'info', lines: [`User ${user}: ${count} certificate mapping(s).`, ...(known.length ? [`Roles given so far: ${known.join(', ')}`] : []), 'Comma-separated role names, e.g. ESBMessaging.send, Orders.send. Empty: do not migrate this user.']}];
  },
  initial: () => 'ESBMessaging.send',
  validate: value => parseRoleList(value).map(validateRoleName).find(problem => problem !== null) ?? null,
  fromPlan: (answers, state) => {
    const roles = answers.userRoles?.[usersWithoutRoles(state)[0] ?? ''];
    return roles ? roles.join(', ') : undefined;
  },
  write: (answers, value, state) => ({...answers, userRoles: {...answers.userRoles, [usersWithoutRoles(state)[0]!]: parseRoleList(value)}}),
  next: state => (usersWithoutRoles(state).length ? 'user-roles' : 'validate'),
  summary: (value, state) => `Roles of ${usersWithoutRoles(state)[0]}: ${parseRoleList(value).join(', ') || 'none (not migrated)'}`,
});

const validate: E<'validate-mappings'> = {
  kind: 'effect',
  id: 'validate',
  phase: 'Checks',
  title: 'Checking every certificate and what the space already holds',
  effect: () => ({type: 'validate-mappings'}),
  onResult(state, result) {
    const movable = result.validation.filter(v => v.movable).length;
    const next = trail({...state, facts: {...state.facts, validation: result.validation, existing: result.existing}}, `${movable} of ${result.validation.length} certificate(s) can move`);
    return goto(next, 'review-plan');
  },
};

function validationPanel(state: MigrateState): Panel {
  const lines = (state.facts.validation ?? []).map(v => {
    const mark = !v.movable ? '✖' : v.verdict === 'warn' ? '⚠' : '✔';
    const what = v.subject ? `${v.subject}${v.notAfter ? `, until ${v.notAfter.slice(0, 10)}` : ''}` : 'certificate not readable';
    return `${mark} ${v.mappingId} ${v.user}: ${what}${v.movable ? '' : ` → ${v.reasons.join(' ')}`}`;
  });
  return {tone: 'info', title: 'Certificates', lines};
}

function planPanels(state: MigrateState): Panel[] {
  const plan = buildMigrationPlan(state);
  const panels: Panel[] = [validationPanel(state)];
  panels.push({
    tone: 'info',
    title: `Plan: ${plan.instances.length} instance(s), ${plan.instances.reduce((n, i) => n + i.keys.length, 0)} key(s)`,
    lines: plan.instances.flatMap(instance => [
      `${instance.exists ? '=' : '+'} ${instance.name}  roles ${instance.roles.join(', ')}${instance.exists ? ' (exists)' : ''}`,
      ...instance.keys.map(key => `    ${key.existingKey ? '=' : key.replaceFailed ? '~' : '+'} ${key.keyName}  ${key.user} · ${key.subject}${key.existingKey ? ' (already migrated)' : key.replaceFailed ? ' (left failed by an earlier run: delete and create again)' : ''}`),
    ]),
  });
  if (plan.skipped.length) panels.push({tone: 'warning', title: 'Not migrated', lines: plan.skipped.map(s => `• ${s.mappingId} ${s.user}: ${s.reason}`)});
  panels.push({tone: 'info', title: 'cf operations', lines: plan.operations.length ? plan.operations.map(operationLine) : ['none: everything movable is already in place']});
  return panels;
}

const reviewPlan: Q = {
  kind: 'question',
  id: 'review-plan',
  phase: 'Plan',
  title: 'Migration plan',
  panels: planPanels,
  question(state) {
    const plan = buildMigrationPlan(state);
    const choices: Choice[] = [];
    if (plan.operations.length) choices.push({value: 'apply', label: `Apply: run ${plan.operations.length} cf operation(s)`});
    if (plan.instances.some(i => !i.exists)) choices.push({value: 'rename', label: 'Change an instance name'});
    choices.push({value: 'quit', label: plan.operations.length ? 'Stop here and write the plan (nothing is changed)' : 'Write the report'});
    return {type: 'select', prompt: 'Next', choices};
  },
  fromPlan: (answers, state) => (answers.apply && buildMigrationPlan(state).operations.length ? 'apply' : 'quit'),
  apply(state, value) {
    if (value === 'apply') {
      // The last look before the first write: no name from a plan, export or roles file reaches cf unchecked.
      const problems = migrationNameProblems(buildMigrationPlan(state));
      if (problems.length) return goto(state, 'write-outputs', {error: nameProblemError(problems)});
      return goto(state, 'apply');
    }
    if (value === 'rename') return goto(state, 'choose-rename');
    return goto(state, 'write-outputs');
  },
  summary: (state, value) => (value === 'apply' ? `Applying ${buildMigrationPlan(state).operations.length} operation(s)` : value === 'rename' ? 'Renaming an instance' : 'Plan written, not applied'),
};

const chooseRename = textStep<MigrateState, 'renaming'>({
  id: 'choose-rename', field: 'renaming', phase: 'Plan', title: 'Instance to rename', prompt: 'Which instance?',
  choices: state => buildMigrationPlan(state).instances.filter(i => !i.exists).map(i => ({value: i.roleKey, label: i.name, hint: `roles ${i.roles.join(', ')}`})),
  // Renaming is interactive only: a plan's `renaming` is never taken as an answer here.
  fromPlan: () => undefined,
  next: 'rename-instance',
  summary: value => `Renaming the instance for ${value.split('|').join(', ')}`,
});

const renameInstance = answerStep<MigrateState>({
  id: 'rename-instance', phase: 'Plan', title: 'New instance name', prompt: 'Instance name',
  initial: state => buildMigrationPlan(state).instances.find(i => i.roleKey === state.answers.renaming)?.name,
  validate(value, state) {
    const problem = validateInstanceName(value);
    if (problem) return problem;
    const taken = (state.facts.existing?.instances ?? []).find(i => i.name === value);
    const roles = state.answers.renaming?.split('|') ?? [];
    if (taken && roleKeyOf(taken.roles) !== roleKeyOf(roles)) return `An instance named ${value} exists with other roles (${taken.roles.join(', ') || 'none'}).`;
    const other = buildMigrationPlan(state).instances.find(i => i.name === value && i.roleKey !== state.answers.renaming);
    if (other) return `The plan already uses ${value} for roles ${other.roles.join(', ')}.`;
    return null;
  },
  write: (answers, name) => ({...answers, renaming: undefined, instanceNames: {...answers.instanceNames, [answers.renaming ?? '']: name}}),
  next: 'review-plan',
  summary: value => `Instance name: ${value}`,
});

const applyStep: E<'apply-migration'> = {
  kind: 'effect',
  id: 'apply',
  phase: 'Apply',
  title: 'Creating the instances and keys',
  effect: state => ({type: 'apply-migration', plan: buildMigrationPlan(state)}),
  onResult(state, result) {
    const created = result.outcomes.filter(o => o.status === 'created').length;
    const failed = result.outcomes.filter(o => o.status === 'failed').length;
    const next = trail(
      {...state, facts: {...state.facts, outcomes: result.outcomes, applied: true, actions: [...state.facts.actions, ...result.actions]}},
      `${created} key(s) created${failed ? `, ${failed} failed` : ''}`,
    );
    return goto(next, 'write-outputs');
  },
};

const report = reportSteps<MigrateState, 'write-migration-outputs'>({
  type: 'write-migration-outputs', title: 'Writing the migration report', failedPhase: 'Checks', stopHint: 'it lists what was created and what was not',
  status: state => (Boolean(state.error) || (state.facts.outcomes ?? []).some(o => o.status === 'failed') ? 'failed' : 'done'),
});

const steps: Step<MigrateState>[] = [
  preflight,
  source,
  neoUrl,
  neoUser,
  neoPassword,
  mappingsFile,
  loadMappings,
  sourceFailed,
  rolesFile,
  loadRoles,
  rolesFailed,
  userRoles,
  validate,
  reviewPlan,
  chooseRename,
  renameInstance,
  applyStep,
  ...report,
];

export const migrateNeoFlow: FlowDefinition<MigrateState> = {
  name: 'migrate-neo',
  start: 'preflight',
  failureStep: 'step-failed',
  phases: ['Preflight', 'Neo mappings', 'Roles', 'Checks', 'Plan', 'Apply', 'Report'],
  initialFacts: () => ({actions: []}),
  label: () => 'Neo → Cloud Foundry',
  steps: Object.fromEntries(steps.map(step => [step.id, step])),
};

/** What happened (or is planned) per mapping, in the order of the export. */
export function mappingOutcomes(state: MigrateState): MappingOutcome[] {
  const plan = buildMigrationPlan(state);
  const applied = new Map((state.facts.outcomes ?? []).map(o => [o.mappingId, o]));
  const planned = new Map<string, MappingOutcome>();
  for (const instance of plan.instances) {
    for (const key of instance.keys) {
      planned.set(key.mappingId, key.existingKey
        ? {mappingId: key.mappingId, user: key.user, status: 'existing', instanceName: instance.name, keyName: key.existingKey, reason: 'Already migrated (same certificate in this instance).'}
        : {mappingId: key.mappingId, user: key.user, status: 'planned', instanceName: instance.name, keyName: key.keyName});
    }
  }
  const skipped = new Map(plan.skipped.map(s => [s.mappingId, s]));
  return (state.facts.mappings ?? []).map(m => applied.get(m.id) ?? planned.get(m.id) ?? skipped.get(m.id) ?? {mappingId: m.id, user: m.user, status: 'skipped', reason: 'Not checked.'});
}
