/**
 * The engine side of the Neo migration (flows/migrate-neo.ts): reading mappings and roles,
 * checking certificates, applying the plan through the cf adapter (a failure stops only what
 * depends on it), and the report. The Neo password is used for the call and never written.
 */
import path from 'node:path';
import {buildMigrationPlan, mappingOutcomes, operationLine, type MappingOutcome, type MigrateEffect, type MigrateEffectResults, type MigrateState, type MigrationPlan} from '../../flows/migrate-neo.js';
import {IFLOW_PLAN, IT_RT_OFFERING, externalCertificateKeyParameters} from '../../flows/parameters.js';
import type {ActionRecord} from '../../flows/types.js';
import type {Checklist, ChecklistItem} from '../checklist.js';
import {commandLine, removalCommand, renderChecklistMarkdown} from '../checklist.js';
import {createEffectHandlers, type EngineServices} from '../engine/effects.js';
import {executorOf, type EffectExecutor} from '../engine/runner.js';
import {CpiMtlsError} from '../errors.js';
import type {CfLogEntry, CfPort} from '../ports.js';
import {collectAudit} from './audit.js';
import {errorText, leafFromPem, oauthOf, writeFileAtomic} from './common.js';
import {fetchNeoMappings, readNeoMappingsFile, readRolesFile, validateMappings, type ValidateOptions} from './neo.js';

export interface MigrateServices extends EngineServices, ValidateOptions {
  /** CAs trusted for the Neo API's TLS in addition to the system store (the demo stand-in). */
  neoCaPems?: string[];
}

/** Runs the plan; returns one outcome per planned mapping. Never throws for one failed operation. */
export async function applyMigrationPlan(cf: CfPort, plan: MigrationPlan, signal?: AbortSignal): Promise<{outcomes: MappingOutcome[]; actions: ActionRecord[]}> {
  const outcomes: MappingOutcome[] = [];
  const actions: ActionRecord[] = [];
  for (const instance of plan.instances) {
    signal?.throwIfAborted();
    if (!instance.exists) {
      try {
        const created = await cf.createInstance({offering: IT_RT_OFFERING, plan: IFLOW_PLAN, name: instance.name, parameters: instance.parameters}, {signal});
        actions.push({kind: created.alreadyExisted ? 'reused' : 'created', what: 'service instance', name: instance.name, guid: created.instance.guid, note: `roles ${instance.roles.join(', ')}`});
      } catch (error) {
        signal?.throwIfAborted();
        for (const key of instance.keys) outcomes.push({mappingId: key.mappingId, user: key.user, status: 'failed', instanceName: instance.name, keyName: key.keyName, reason: `Instance not created: ${errorText(error)}`});
        continue;
      }
    }
    for (const key of instance.keys) {
      signal?.throwIfAborted();
      if (key.existingKey) {
        outcomes.push({mappingId: key.mappingId, user: key.user, status: 'existing', instanceName: instance.name, keyName: key.existingKey, reason: 'Already migrated (same certificate in this instance).'});
        continue;
      }
      try {
        if (key.replaceFailed) {
          await cf.deleteKey(instance.name, key.keyName, {signal});
          actions.push({kind: 'deleted', what: 'service key', name: `${instance.name}/${key.keyName}`, note: 'left in state "create failed" by an earlier run'});
        }
        const {key: binding, alreadyExisted} = await cf.createKey({instanceName: instance.name, keyName: key.keyName, parameters: externalCertificateKeyParameters(key.certificatePem)}, {signal});
        const held = leafFromPem(oauthOf(await cf.keyCredentials(binding.guid, {signal})).certificate);
        if (held?.fingerprint256 !== key.fingerprint256) {
          throw new CpiMtlsError('key-certificate-mismatch', alreadyExisted ? `A key named ${key.keyName} already exists with another certificate.` : `Key ${key.keyName} does not hold the certificate that was sent.`);
        }
        actions.push({kind: alreadyExisted ? 'reused' : 'created', what: 'service key', name: `${instance.name}/${key.keyName}`, guid: binding.guid, note: `${key.user} (Neo mapping ${key.mappingId})`});
        outcomes.push({mappingId: key.mappingId, user: key.user, status: alreadyExisted ? 'existing' : 'created', instanceName: instance.name, keyName: key.keyName});
      } catch (error) {
        signal?.throwIfAborted();
        outcomes.push({mappingId: key.mappingId, user: key.user, status: 'failed', instanceName: instance.name, keyName: key.keyName, reason: errorText(error)});
      }
    }
  }
  return {outcomes, actions};
}

export function migrateChecklist(state: MigrateState, cfLog: ReadonlyArray<CfLogEntry>, now = new Date()): Checklist {
  const {facts} = state;
  const outcomes = mappingOutcomes(state);
  const plan = buildMigrationPlan(state);
  const items: ChecklistItem[] = [];
  const t = facts.target;
  items.push({status: t ? 'verified' : 'failed', title: 'cf CLI, login and target', details: t ? [`org ${t.org.name}, space ${t.space.name}, user ${t.user}`] : []});
  items.push({status: facts.mappings ? 'verified' : 'failed', title: `Neo certificate-to-user mappings read: ${facts.mappings?.length ?? 0}`, details: []});
  const customRoles = [...new Set(plan.instances.flatMap(i => i.roles))].filter(r => r !== 'ESBMessaging.send');
  if (customRoles.length) items.push({status: 'todo', title: `Create the custom roles in the Cloud Foundry tenant: ${customRoles.join(', ')}`, details: ['Monitor → Manage Security → User Roles → Add; use the same names in the sender channels.']});
  for (const instance of plan.instances) {
    const keys = outcomes.filter(o => o.instanceName === instance.name);
    const failed = keys.some(o => o.status === 'failed');
    const pending = !facts.applied && !instance.exists;
    items.push({
      status: failed ? 'failed' : pending ? 'skipped' : 'verified',
      title: `Instance ${instance.name} (roles ${instance.roles.join(', ')})${pending ? ': planned, not applied' : ''}`,
      details: keys.map(o => `${o.status}: ${o.keyName ?? '?'} for ${o.user} (mapping ${o.mappingId})${o.reason ? ` (${o.reason})` : ''}`),
    });
  }
  for (const skipped of outcomes.filter(o => o.status === 'skipped')) items.push({status: 'skipped', title: `Mapping ${skipped.mappingId} (${skipped.user}) not migrated`, details: [skipped.reason ?? '']});
  if (plan.instances.length) items.push({status: 'todo', title: 'Point the senders at the Cloud Foundry runtime URL and test them (cpi-mtls probe)', details: []});
  const anyFailed = outcomes.some(o => o.status === 'failed');
  const outcome: Checklist['outcome'] = state.status === 'cancelled' ? 'cancelled' : state.error || anyFailed ? 'failed' : facts.applied || plan.operations.length === 0 ? 'complete' : 'incomplete';
  return {
    title: 'Neo → Cloud Foundry migration of certificate senders',
    headlineFromOutcome: true,
    headline:
      outcome === 'complete'
        ? 'Migration complete: every movable mapping has its instance and key.'
        : outcome === 'cancelled'
          ? 'Migration cancelled: the checklist lists what exists now.'
          : outcome === 'incomplete'
            ? 'Migration planned, not applied: nothing was changed.'
            : 'Migration not complete: the checklist says what failed and what exists now.',
    generatedAt: now.toISOString(),
    outcome,
    option: 'Option 1 (role-based)',
    target: t ? `org ${t.org.name} / space ${t.space.name}` : undefined,
    items,
    created: facts.actions.map(a => ({kind: a.kind, what: a.what, name: a.name, guid: a.guid, note: a.note})),
    cleanup: facts.actions.filter(a => a.kind === 'created').reverse().map(removalCommand),
    commands: cfLog.filter(e => e.write).map(commandLine),
    files: facts.outputs ?? {},
    error: state.error ? {message: state.error.message, fix: state.error.fix} : undefined,
  };
}

function operationsJson(plan: MigrationPlan) {
  return plan.operations.map(op => ({command: operationLine(op), args: op.args, parameters: op.parameters ?? null, mappingIds: op.mappingIds}));
}

export function migrateJson(state: MigrateState, cfLog: ReadonlyArray<CfLogEntry>): Record<string, unknown> {
  const plan = buildMigrationPlan(state);
  const outcomes = mappingOutcomes(state);
  const count = (status: MappingOutcome['status']) => outcomes.filter(o => o.status === status).length;
  return {
    outcome: migrateChecklist(state, cfLog).outcome,
    status: state.status,
    applied: Boolean(state.facts.applied),
    summary: {mappings: outcomes.length, created: count('created'), existing: count('existing'), skipped: count('skipped'), failed: count('failed'), planned: count('planned')},
    mappings: outcomes,
    validation: state.facts.validation ?? [],
    plan: {
      instances: plan.instances.map(i => ({name: i.name, roles: i.roles, exists: i.exists, parameters: i.parameters, keys: i.keys.map(k => ({mappingId: k.mappingId, user: k.user, keyName: k.keyName, fingerprint256: k.fingerprint256, subject: k.subject, notAfter: k.notAfter ?? null, existingKey: k.existingKey ?? null}))})),
      operations: operationsJson(plan),
    },
    files: state.facts.outputs ?? {},
    error: state.error ?? null,
  };
}

export function migrateText(state: MigrateState): string {
  const lines = ['', 'Per mapping'];
  for (const o of mappingOutcomes(state)) lines.push(`  ${o.status.padEnd(8)} ${o.mappingId} ${o.user}${o.instanceName ? ` → ${o.instanceName}/${o.keyName}` : ''}${o.reason ? `: ${o.reason}` : ''}`);
  const ops = buildMigrationPlan(state).operations;
  if (!state.facts.applied && ops.length) lines.push('', 'Planned cf operations (not applied; run with --yes to apply)', ...ops.map(op => `  ${operationLine(op)}`));
  return lines.join('\n');
}

async function writeMigrationOutputs(state: MigrateState, cfLog: ReadonlyArray<CfLogEntry>): Promise<Record<string, string>> {
  const dir = state.context.outputDir;
  const plan = buildMigrationPlan(state);
  const files: Record<string, string> = {
    plan: path.join(dir, 'migration-plan.json'),
    report: path.join(dir, 'migration-report.md'),
    reportJson: path.join(dir, 'migration-report.json'),
  };
  // The plan with the full certificates: what a later run (or a colleague) would send.
  await writeFileAtomic(files.plan, JSON.stringify({instances: plan.instances, skipped: plan.skipped, operations: operationsJson(plan)}, null, 2) + '\n');
  const withFiles: MigrateState = {...state, facts: {...state.facts, outputs: files}};
  await writeFileAtomic(files.report, renderChecklistMarkdown(migrateChecklist(withFiles, cfLog)) + migrateText(withFiles).replace(/^\nPer mapping/, '\n## Per mapping\n') + '\n');
  await writeFileAtomic(files.reportJson, JSON.stringify(migrateJson(withFiles, cfLog), null, 2) + '\n');
  return files;
}

export function createMigrateExecutor(services: MigrateServices): EffectExecutor<MigrateState> {
  const setup = createEffectHandlers(services);
  const {cf} = services;
  const handlers: {[K in MigrateEffect['type']]: (effect: Extract<MigrateEffect, {type: K}>, state: MigrateState, signal: AbortSignal) => Promise<MigrateEffectResults[K]>} = {
    preflight: setup.preflight,
    async 'load-neo-mappings'(effect, _state, signal) {
      if (effect.source === 'file') return {mappings: await readNeoMappingsFile(effect.file ?? '')};
      return {mappings: await fetchNeoMappings({url: effect.url ?? '', user: effect.user ?? '', password: effect.password ?? '', caPems: services.neoCaPems, signal})};
    },
    async 'load-roles'(effect) {
      return {roles: await readRolesFile(effect.file)};
    },
    async 'validate-mappings'(_effect, state, signal) {
      const validation = await validateMappings(state.facts.mappings ?? [], services);
      const existing = await collectAudit(cf, {scope: 'space', planNames: [IFLOW_PLAN], signal});
      return {validation, existing};
    },
    'apply-migration': (effect, _state, signal) => applyMigrationPlan(cf, effect.plan, signal),
    'write-migration-outputs': async (_effect, state) => ({files: await writeMigrationOutputs(state, cf.log)}),
  };
  return executorOf<MigrateState, MigrateEffect>('migrate-neo', handlers);
}
