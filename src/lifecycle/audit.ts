/**
 * The landscape audit: every `it-rt` instance in the space (or org), its plan, roles and grant
 * types, and for each service key its type and certificate; then the findings that break or
 * will break inbound calls (sap-cloud-integration.md §3-5, §12).
 *
 * Cost: one paginated list of instances, one paginated list of keys per batch of instance GUIDs
 * (the adapter batches), then one parameters read per instance and one `/details` read per key,
 * at most `parallel` at a time. Nothing is listed per instance.
 */
import type {z} from 'zod';
import type {auditCertificateSchema, auditFindingSchema, auditInstanceSchema, auditKeySchema} from '../schema/audit.js';
import type {CfPort, CfTarget, LastOperation} from '../ports.js';
import {UsageError} from '../errors.js';
import {certificateKey, duplicateGroups, subjectIssuerKey} from '../../flows/duplicates.js';
import {stringArray} from '../../flows/parameters.js';
import {DAY_MS, daysUntil, errorText, leafFromPem, mapLimited, markdownTable, oauthOf, parseValidUntil, textTable} from './common.js';

export const IT_RT = 'it-rt';
export const AUDITED_PLANS = ['integration-flow', 'api'] as const;
export const DEFAULT_EXPIRY_DAYS = 30;
export const DEFAULT_PARALLEL_READS = 8;

// The documents of an audit are defined once, by the audit.json schema (src/schema/audit.ts).
export type AuditCertificate = z.infer<typeof auditCertificateSchema>;
export type AuditKey = z.infer<typeof auditKeySchema>;
export type AuditKeyType = AuditKey['type'];
export type AuditInstance = z.infer<typeof auditInstanceSchema>;
export type AuditFinding = z.infer<typeof auditFindingSchema>;
export type FindingId = AuditFinding['id'];
export type Severity = AuditFinding['severity'];
export type FindingRef = AuditFinding['refs'][number];

export interface AuditData {
  scope: 'space' | 'org';
  target: {apiEndpoint: string; user: string; org: string; space: string};
  collectedAt: string;
  instances: AuditInstance[];
  stats: {instances: number; keys: number; cfCalls: number; durationMs: number; parallelReads: number};
}

export interface AuditOptions {
  scope?: 'space' | 'org';
  planNames?: readonly string[];
  parallel?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

function keyTypeOf(oauth: Record<string, unknown>, hasCertificate: boolean): AuditKeyType {
  if (hasCertificate) return typeof oauth.key === 'string' && oauth.key.length > 0 ? 'sap-generated-certificate' : 'external-certificate';
  if (typeof oauth.clientsecret === 'string' || typeof oauth.client_secret === 'string') return 'client-secret';
  return 'unknown';
}

/** The certificate facts of a key's credentials; reads named fields only, never secrets. */
export function certificateOfCredentials(credentials: Record<string, unknown>): {type: AuditKeyType; certificate?: AuditCertificate; clientId?: string; url?: string} {
  const oauth = oauthOf(credentials);
  const leaf = leafFromPem(oauth.certificate);
  const details = oauth.certificatedetails && typeof oauth.certificatedetails === 'object' ? (oauth.certificatedetails as Record<string, unknown>) : undefined;
  const hasCertificate = Boolean(leaf || details || (typeof oauth.certificate === 'string' && oauth.certificate.includes('BEGIN')));
  const type = keyTypeOf(oauth, hasCertificate);
  const base = {type, clientId: typeof oauth.clientid === 'string' ? oauth.clientid : undefined, url: typeof oauth.url === 'string' ? oauth.url : undefined};
  if (!hasCertificate) return base;
  const fromDetails = parseValidUntil(details?.validuntil);
  const certificate: AuditCertificate = {
    subject: leaf?.subject ?? (typeof details?.subjectdn === 'string' ? details.subjectdn : '?'),
    issuer: leaf?.issuer ?? (typeof details?.issuerdn === 'string' ? details.issuerdn : '?'),
    serialNumber: leaf?.serialNumber ?? (typeof details?.serialnumber === 'string' ? details.serialnumber.toUpperCase() : undefined),
    fingerprint256: leaf?.fingerprint256,
    validUntil: fromDetails ?? leaf?.notAfter,
    validUntilSource: fromDetails ? 'certificatedetails' : leaf ? 'certificate' : undefined,
  };
  return {...base, certificate};
}

/** Reads the landscape. Throws only for what stops the whole audit (login, target, listing). */
export async function collectAudit(cf: CfPort, options: AuditOptions = {}): Promise<AuditData> {
  const started = Date.now();
  const callsBefore = cf.log.length;
  const scope = options.scope ?? 'space';
  const parallel = Math.max(1, options.parallel ?? DEFAULT_PARALLEL_READS);
  const signal = options.signal;
  const progress = options.onProgress ?? (() => undefined);
  const planNames = [...(options.planNames ?? AUDITED_PLANS)];

  const target: CfTarget = await cf.target({signal});
  progress(`Listing ${IT_RT} instances (${planNames.join(', ')}) in ${scope === 'org' ? `org ${target.org.name}` : `space ${target.org.name} / ${target.space.name}`}`);
  const listed = await cf.listInstances({planNames, scope}, {signal});
  // Another offering may use the same plan names: keep it-rt only (unknown offering: keep).
  const instances = listed.filter(instance => !instance.offeringName || instance.offeringName === IT_RT);

  progress(`Reading the parameters of ${instances.length} instance(s)`);
  const parameters = await mapLimited(
    instances,
    parallel,
    async instance => {
      try {
        return {value: await cf.instanceParameters(instance.guid, {signal})};
      } catch (error) {
        signal?.throwIfAborted();
        return {error: errorText(error)};
      }
    },
    signal,
  );

  progress(`Listing the service keys of ${instances.length} instance(s)`);
  const bindings = instances.length === 0 ? [] : await cf.listKeys(instances.map(instance => instance.guid), {signal});
  const byGuid = new Map(instances.map(instance => [instance.guid, instance]));

  progress(`Reading ${bindings.length} service key(s), ${parallel} at a time`);
  const keys = await mapLimited(
    bindings,
    parallel,
    async (binding): Promise<AuditKey> => {
      const base = {
        guid: binding.guid,
        name: binding.name,
        instanceGuid: binding.instanceGuid,
        instanceName: byGuid.get(binding.instanceGuid)?.name ?? binding.instanceGuid,
        createdAt: binding.createdAt,
        lastOperation: binding.lastOperation,
      };
      const op = binding.lastOperation;
      if (op && op.state !== 'succeeded') {
        return {...base, type: 'unreadable', error: `${op.type} ${op.state}${op.description ? `: ${op.description}` : ''}`};
      }
      try {
        const credentials = await cf.keyCredentials(binding.guid, {signal});
        return {...base, ...certificateOfCredentials(credentials)};
      } catch (error) {
        signal?.throwIfAborted();
        return {...base, type: 'unreadable', error: errorText(error)};
      }
    },
    signal,
  );

  const keysOf = new Map<string, AuditKey[]>();
  for (const key of keys) keysOf.set(key.instanceGuid, [...(keysOf.get(key.instanceGuid) ?? []), key]);
  const auditInstances: AuditInstance[] = instances.map((instance, index) => {
    const params = parameters[index]!;
    const value = 'value' in params ? params.value : undefined;
    return {
      guid: instance.guid,
      name: instance.name,
      planName: instance.planName ?? '?',
      offeringName: instance.offeringName ?? IT_RT,
      spaceGuid: instance.spaceGuid,
      spaceName: instance.spaceGuid === target.space.guid ? target.space.name : undefined,
      roles: stringArray(value?.roles),
      grantTypes: stringArray(value?.['grant-types']),
      parametersReadable: value !== undefined,
      ...('error' in params ? {parametersError: params.error} : {}),
      lastOperation: instance.lastOperation,
      keys: (keysOf.get(instance.guid) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
  auditInstances.sort((a, b) => a.name.localeCompare(b.name) || a.spaceGuid.localeCompare(b.spaceGuid));

  return {
    scope,
    target: {apiEndpoint: target.apiEndpoint, user: target.user, org: target.org.name, space: target.space.name},
    collectedAt: new Date().toISOString(),
    instances: auditInstances,
    stats: {instances: auditInstances.length, keys: keys.length, cfCalls: cf.log.length - callsBefore, durationMs: Date.now() - started, parallelReads: parallel},
  };
}

// ---------------------------------------------------------------------------------------------
// Findings (pure)

export interface AuditReport {
  data: AuditData;
  days: number;
  evaluatedAt: string;
  findings: AuditFinding[];
  summary: {fail: number; warn: number; info: number; instances: number; keys: number; certificates: number};
  /** fail findings (and warn findings with strict) exist. */
  failed: boolean;
}

export interface AnalyseOptions {
  days?: number;
  now?: Date;
  /** Warnings count as failures for the exit code. */
  strict?: boolean;
}

function ref(key: AuditKey): FindingRef {
  return {instanceName: key.instanceName, instanceGuid: key.instanceGuid, keyName: key.name};
}

function place(r: FindingRef): string {
  return r.keyName ? `${r.instanceName}/${r.keyName}` : r.instanceName;
}

export function analyseAudit(data: AuditData, options: AnalyseOptions = {}): AuditReport {
  const now = options.now ?? new Date();
  const days = options.days ?? DEFAULT_EXPIRY_DAYS;
  const findings: AuditFinding[] = [];
  const allKeys = data.instances.flatMap(instance => instance.keys);
  const certificateKeys = allKeys.filter(key => key.certificate);

  for (const instance of data.instances) {
    if (instance.grantTypes.includes('client_x509')) {
      findings.push({
        id: 'client-x509',
        severity: 'fail',
        message: `Instance ${instance.name} still carries the grant type client_x509 (end of life January 2026): updates fail and no new service keys can be created.`,
        refs: [{instanceName: instance.name, instanceGuid: instance.guid}],
        fix: [
          `Replace client_x509 with client_credentials and send the full parameter set: cf update-service ${instance.name} -c '${JSON.stringify({...(instance.roles.length ? {roles: instance.roles} : {}), 'grant-types': [...instance.grantTypes.filter(g => g !== 'client_x509'), ...(instance.grantTypes.includes('client_credentials') ? [] : ['client_credentials'])], 'redirect-uris': []})}'`,
        ],
      });
    }
    if (!instance.parametersReadable) {
      findings.push({
        id: 'parameters-unreadable',
        severity: 'info',
        message: `The parameters (roles, grant types) of ${instance.name} could not be read: ${instance.parametersError ?? 'unknown reason'}.`,
        refs: [{instanceName: instance.name, instanceGuid: instance.guid}],
        fix: ['Check them in the BTP cockpit (instance → View Parameters), or run the audit as Space Developer.'],
      });
    }
    const hasCertificates = instance.keys.some(key => key.certificate);
    if (instance.planName === 'integration-flow' && hasCertificates) {
      for (const key of instance.keys.filter(k => k.type === 'client-secret')) {
        findings.push({
          id: 'secret-key',
          severity: 'info',
          message: `${instance.name}/${key.name} is a ClientId/Secret key on an instance used for client certificates.`,
          refs: [ref(key)],
          fix: ['Fine for a Basic-auth comparison test; SAP does not recommend Basic auth for productive senders. Delete the key when nobody uses it.'],
        });
      }
    }
  }

  for (const key of allKeys) {
    if (key.type === 'unreadable') {
      findings.push({
        id: 'unreadable-key',
        severity: 'info',
        message: `The credentials of ${key.instanceName}/${key.name} could not be read: ${key.error ?? 'unknown reason'}.`,
        refs: [ref(key)],
        fix: [`Look at it with: cf service-key ${key.instanceName} ${key.name}`],
      });
    }
    const cert = key.certificate;
    if (!cert) continue;
    if (!cert.validUntil) {
      findings.push({id: 'expiry-unknown', severity: 'warn', message: `The expiry of the certificate in ${key.instanceName}/${key.name} could not be read.`, refs: [ref(key)], fix: [`Inspect it: cf service-key ${key.instanceName} ${key.name}`]});
      continue;
    }
    const left = (Date.parse(cert.validUntil) - now.getTime()) / DAY_MS;
    if (left < 0) {
      findings.push({
        id: 'expired',
        severity: 'fail',
        message: `The certificate in ${key.instanceName}/${key.name} (${cert.subject}) expired on ${cert.validUntil.slice(0, 10)}.`,
        refs: [ref(key)],
        fix: [`Renew it without downtime: cpi-mtls renew --instance ${key.instanceName} --key ${key.name}`, 'Then delete the expired key.'],
      });
    } else if (left < days) {
      findings.push({
        id: 'expiring',
        severity: 'fail',
        message: `The certificate in ${key.instanceName}/${key.name} (${cert.subject}) expires on ${cert.validUntil.slice(0, 10)}, in ${Math.floor(left)} day(s).`,
        refs: [ref(key)],
        fix: [`Renew it now: cpi-mtls renew --instance ${key.instanceName} --key ${key.name}`],
      });
    }
  }

  for (const keys of duplicateGroups(certificateKeys, key => certificateKey(key.certificate!))) {
    const fingerprint = keys[0]!.certificate!.fingerprint256!;
    const instances = new Set(keys.map(k => k.instanceGuid));
    findings.push({
      id: 'duplicate-certificate',
      severity: 'fail',
      message: `The same certificate (${keys[0]!.certificate!.subject}, SHA-256 ${fingerprint.slice(0, 23)}…) is in ${keys.length} keys${instances.size > 1 ? ` of ${instances.size} instances` : ''}: ${keys.map(k => `${k.instanceName}/${k.name}`).join(', ')}. Every call with it fails with 401 invalid_client.`,
      refs: keys.map(ref),
      fix: ['Keep the certificate in exactly one key; to give it several roles, put the roles on that one instance. Delete the other keys: ' + keys.slice(1).map(k => `cf delete-service-key ${k.instanceName} ${k.name} -f`).join('; ')],
    });
  }

  for (const keys of duplicateGroups(certificateKeys, key => subjectIssuerKey(key.certificate!))) {
    const distinct = new Set(keys.map(k => k.certificate!.fingerprint256 ?? `${k.instanceGuid}/${k.name}`));
    if (distinct.size < 2) continue;
    findings.push({
      id: 'shared-dn',
      severity: 'warn',
      message: `${distinct.size} different certificates share subject "${keys[0]!.certificate!.subject}" and issuer "${keys[0]!.certificate!.issuer}": ${keys.map(k => `${k.instanceName}/${k.name}`).join(', ')}. With certificate pinning off, calls with them are rejected (401, "Multiple clones found").`,
      refs: keys.map(ref),
      fix: ['Keep pinning on (the default) for these keys, or delete the older key once the sender uses the newer certificate (normal at the end of a renewal).'],
    });
  }

  const order: Record<Severity, number> = {fail: 0, warn: 1, info: 2};
  findings.sort((a, b) => order[a.severity] - order[b.severity] || a.id.localeCompare(b.id) || place(a.refs[0]!).localeCompare(place(b.refs[0]!)));
  const count = (severity: Severity) => findings.filter(f => f.severity === severity).length;
  const summary = {fail: count('fail'), warn: count('warn'), info: count('info'), instances: data.instances.length, keys: allKeys.length, certificates: certificateKeys.length};
  return {data, days, evaluatedAt: now.toISOString(), findings, summary, failed: summary.fail > 0 || (options.strict === true && summary.warn > 0)};
}

// ---------------------------------------------------------------------------------------------
// Rendering

const TYPE_LABEL: Record<AuditKeyType, string> = {
  'sap-generated-certificate': 'certificate (SAP)',
  'external-certificate': 'certificate (external)',
  'client-secret': 'clientid/secret',
  unknown: 'unknown',
  unreadable: 'unreadable',
};
const MARK: Record<Severity, string> = {fail: '✖', warn: '⚠', info: 'ℹ'};

/** One row per key (or per instance without keys), in the order of HEADERS. */
function rowsOf(report: AuditReport): string[][] {
  const now = new Date(report.evaluatedAt);
  const statusOf = (instanceGuid: string, keyName?: string) => {
    const hits = report.findings.filter(f => f.refs.some(r => r.instanceGuid === instanceGuid && (keyName === undefined ? r.keyName === undefined : r.keyName === keyName)));
    return hits.map(f => `${MARK[f.severity]} ${f.id}`).join(', ');
  };
  const rows: string[][] = [];
  for (const instance of report.data.instances) {
    const common = [
      report.data.scope === 'org' && !instance.spaceName ? `${instance.name} (space ${instance.spaceGuid.slice(0, 8)})` : instance.name,
      instance.planName,
      instance.parametersReadable ? instance.roles.join(', ') || '–' : '?',
      instance.parametersReadable ? instance.grantTypes.join(', ') || '–' : '?',
    ];
    const instanceStatus = statusOf(instance.guid);
    if (instance.keys.length === 0) rows.push([...common, '(no keys)', '', '', '', instanceStatus]);
    for (const key of instance.keys) {
      const until = key.certificate?.validUntil;
      rows.push([
        ...common,
        key.name,
        TYPE_LABEL[key.type],
        until ? until.slice(0, 10) : key.certificate ? '?' : '',
        until ? String(daysUntil(until, now)) : '',
        [instanceStatus, statusOf(instance.guid, key.name)].filter(Boolean).join(', ') || (key.certificate ? '✔' : ''),
      ]);
    }
  }
  return rows;
}

const HEADERS = ['Instance', 'Plan', 'Roles', 'Grant types', 'Key', 'Type', 'Valid until', 'Days', 'Status'];

function headline(report: AuditReport): string {
  const {summary, data} = report;
  const where = data.scope === 'org' ? `org ${data.target.org}` : `org ${data.target.org} / space ${data.target.space}`;
  return `Audit of ${where}: ${summary.instances} instance(s), ${summary.keys} key(s), ${summary.certificates} certificate(s); ${summary.fail} failure(s), ${summary.warn} warning(s), ${summary.info} note(s). Expiry window ${report.days} days.`;
}

export function renderAuditText(report: AuditReport): string {
  const lines = [headline(report), ''];
  if (report.data.instances.length === 0) lines.push(`No ${IT_RT} instances found.`);
  else lines.push(textTable(HEADERS, rowsOf(report), [32, 16, 28, 24, 32, 22, 10, 6, 48]));
  if (report.findings.length) {
    lines.push('', 'Findings');
    for (const finding of report.findings) {
      lines.push(`${MARK[finding.severity]} [${finding.id}] ${finding.message}`);
      for (const fix of finding.fix) lines.push(`    → ${fix}`);
    }
  } else {
    lines.push('', '✔ No findings.');
  }
  lines.push('', `${report.data.stats.cfCalls} cf call(s) in ${(report.data.stats.durationMs / 1000).toFixed(1)} s (${report.data.stats.parallelReads} reads in parallel).`);
  return lines.join('\n');
}

export function renderAuditMarkdown(report: AuditReport): string {
  const lines = [`# cpi-mtls audit`, '', headline(report), '', `API ${report.data.target.apiEndpoint}, user ${report.data.target.user}, collected ${report.data.collectedAt}.`, ''];
  lines.push('## Instances and keys', '');
  if (report.data.instances.length === 0) lines.push(`No ${IT_RT} instances found.`);
  else lines.push(markdownTable(HEADERS, rowsOf(report)));
  lines.push('', '## Findings', '');
  if (report.findings.length === 0) lines.push('No findings.');
  for (const finding of report.findings) {
    lines.push(`- ${MARK[finding.severity]} **${finding.id}** (${finding.severity}): ${finding.message}`);
    for (const fix of finding.fix) lines.push(`  - ${fix}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The JSON document of `audit --json` and audit.json: data, findings, summary; no secrets. */
export function auditJson(report: AuditReport, files: Record<string, string> = {}): Record<string, unknown> {
  return {outcome: report.failed ? 'findings' : 'clean', summary: report.summary, days: report.days, evaluatedAt: report.evaluatedAt, findings: report.findings, scope: report.data.scope, target: report.data.target, stats: report.data.stats, instances: report.data.instances, files};
}

export function assertDays(value: string | undefined): number {
  if (value === undefined) return DEFAULT_EXPIRY_DAYS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3650) {
    throw new UsageError(`--days ${value}: give a whole number of days between 0 and 3650.`, {fix: ['For example: cpi-mtls audit --days 45']});
  }
  return n;
}
