/**
 * The checklist a consultant hands to the customer: every step as done / verified / to do by
 * hand / failed, what was created, the commands that ran, the files written, and the manual
 * steps left. Built as data from the flow state (pure), rendered as Markdown and JSON.
 */
import path from 'node:path';
import type {FlowState} from '../flows/types.js';
import {chosenRole, createdByThisRun, isOption2, wantedInstanceParameters} from '../flows/setup.js';
import {IFLOW_PLAN, IT_RT_OFFERING, roleJson} from '../flows/parameters.js';
import {STATUS_MARK} from '../flows/common.js';
import type {CfLogEntry} from './ports.js';
import type {z} from 'zod';
import type {checklistItemSchema, checklistSchema, itemStatusSchema} from './schema/checklist.js';

/**
 * verified: the tool read it back or called it; done: the tool did it without re-reading it;
 * todo: the customer's part; failed; skipped; not-checked: a check the tool could not make.
 * Only verified and done carry a ✔.
 */
export type ItemStatus = z.infer<typeof itemStatusSchema>;
// The checklist is defined once, by the checklist.json schema (src/schema/checklist.ts).
export type ChecklistItem = z.infer<typeof checklistItemSchema>;
export type Checklist = z.infer<typeof checklistSchema>;
export type Outcome = Checklist['outcome'];

/** One mapping for every command: complete 0, cancelled 130, anything else 1. */
export function exitCodeOfOutcome(outcome: Outcome): number {
  return outcome === 'complete' ? 0 : outcome === 'cancelled' ? 130 : 1;
}

/** The outcome of a run from its state and checklist items: the one source of headline, files and exit code. */
function outcomeOf(status: string, error: unknown, items: ChecklistItem[]): Outcome {
  if (status === 'cancelled') return 'cancelled';
  if (status === 'failed' || error) return 'failed';
  return items.some(i => i.status === 'failed') ? 'incomplete' : 'complete';
}

/** The headline of the final screen, the text output and the files: from the outcome, never a constant. */
export function headlineOf(checklist: Pick<Checklist, 'outcome' | 'headline' | 'headlineFromOutcome' | 'reasons' | 'notChecked' | 'items'>): {tone: 'success' | 'warning' | 'error'; text: string} {
  // A flow whose headline is derived from its outcome (renewal, migration) words every ending itself.
  if (checklist.headline && checklist.headlineFromOutcome) {
    const tone = checklist.outcome === 'complete' ? 'success' : checklist.outcome === 'cancelled' ? 'warning' : 'error';
    return {tone, text: `${tone === 'success' ? '✔' : tone === 'warning' ? '⚠' : '✖'} ${checklist.headline}`};
  }
  if (checklist.outcome === 'complete') {
    const unchecked = checklist.notChecked?.length ? ` Not checked: ${checklist.notChecked.join('; ')}.` : '';
    const todos = checklist.items.filter(i => i.status === 'todo').length;
    const left = todos > 0 ? ` ${todos} to-do${todos === 1 ? '' : 's'} left for the customer.` : '';
    return {tone: 'success', text: `✔ ${checklist.headline ?? 'Setup complete and verified where possible.'}${left}${unchecked}`};
  }
  if (checklist.outcome === 'cancelled') return {tone: 'warning', text: '⚠ Cancelled. The checklist lists what exists now.'};
  const reasons = checklist.reasons ?? [];
  const why = reasons.length ? ` ${reasons[0]}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ''}` : '';
  return {tone: 'error', text: `✖ Not complete.${why} The checklist says what failed and what exists now.`};
}

const STATUS_WORD: Record<ItemStatus, string> = {done: 'done', verified: 'verified', todo: 'to do', failed: 'failed', skipped: 'skipped', 'not-checked': 'not checked'};
/** A checklist item's label: the trail's mark and the status in words. */
const statusLabel = (status: ItemStatus) => `${STATUS_MARK[status]} ${STATUS_WORD[status]}`;

/** A cf call as the user would type it. */
export function commandLine(entry: CfLogEntry): string {
  return ['cf', ...entry.args.map(arg => (/[\s"']/.test(arg) ? JSON.stringify(arg) : arg))].join(' ');
}

/** The command that removes a service key (`<instance>/<key>`) or instance a run created. */
export function removalCommand(resource: {what: string; name: string}): string {
  const [instance, key] = resource.name.split('/');
  return resource.what === 'service key' ? `cf delete-service-key ${instance} ${key} -f` : `cf delete-service ${resource.name} -f`;
}

/** A checklist item from a tenant check's judgement. */
function judged(judgement: {verdict: string; message: string; fix?: string}, title: string): Omit<ChecklistItem, 'id'> {
  const status = judgement.verdict === 'fail' ? 'failed' : judgement.verdict === 'not-checked' ? 'not-checked' : 'verified';
  return {status, title, details: [judgement.message, ...(judgement.fix ? [`Fix: ${judgement.fix}`] : [])]};
}

export function buildChecklist(state: FlowState, cfLog: ReadonlyArray<CfLogEntry>, files: Record<string, string>, now: Date, leftovers: readonly string[] = []): Checklist {
  const {answers, facts} = state;
  const option2 = isOption2(state);
  const role = chosenRole(answers);
  const items: ChecklistItem[] = [];
  /** Each item gets a stable id, so tools that read checklist.json can follow an item across runs. */
  const add = (id: string, item: Omit<ChecklistItem, 'id'>) => items.push({id, ...item});
  const t = facts.target;

  add('cf-target', {
    status: t ? 'verified' : 'failed',
    title: 'cf CLI, login and target',
    details: t ? [`${facts.cfVersion?.raw ?? 'cf'}`, `API ${t.apiEndpoint}, org ${t.org.name}, space ${t.space.name}, user ${t.user}`] : ['Preflight did not complete.'],
  });
  if (facts.planAvailable !== undefined) {
    add('entitlement', {status: facts.planAvailable ? 'verified' : 'failed', title: `Entitlement ${IT_RT_OFFERING} / ${IFLOW_PLAN} in the marketplace`, details: []});
  }

  if (!option2 && role) {
    // The pre-delivered role needs nothing from the customer: the claim is that the instance grants
    // it, which only the stored parameters can show.
    const storedRoles = facts.instance?.parametersSource === 'stored' && Array.isArray(facts.instance.parameters?.roles) ? (facts.instance.parameters.roles as unknown[]) : null;
    add('role', {
      status: role === 'ESBMessaging.send' ? (storedRoles === null ? 'not-checked' : storedRoles.includes(role) ? 'verified' : 'failed') : 'todo',
      title: role === 'ESBMessaging.send' ? 'The instance grants the role ESBMessaging.send (pre-delivered by SAP, nothing to create)' : `Create the custom role ${role} in Cloud Integration`,
      details:
        role === 'ESBMessaging.send'
          ? [`Role JSON: ${JSON.stringify(roleJson(role))}`]
          : [`Monitor → Manage Security → User Roles → Add: ${role}`, `Role JSON: ${JSON.stringify(roleJson(role))}`],
    });
  }

  const instance = facts.instance;
  // Removed when the newest record of that resource is a delete: a failed leftover removed before
  // its name was created anew does not make the new resource "removed".
  const isRemoved = (what: string, name: string) => facts.actions.filter(a => a.what === what && a.name === name).at(-1)?.kind === 'deleted';
  const instanceAction = facts.actions.filter(a => a.what === 'service instance' && a.name === (instance?.name ?? answers.instanceName) && !a.note?.startsWith('temporary')).at(-1);
  const failedInstance = facts.actions.find(a => a.failed && a.what === 'service instance' && !isRemoved(a.what, a.name));
  const parametersRead = instance?.parametersSource === 'stored' && instance.parameters !== null;
  const parameterDetails = instance
    ? parametersRead
      ? [`parameters as stored by the broker: ${JSON.stringify(instance.parameters)}`]
      : [`parameters sent (not read back: ${instance.parametersUnreadable ?? 'the broker does not return them'}): ${JSON.stringify(instance.parameters ?? wantedInstanceParameters(answers))}`]
    : [];
  if (failedInstance) {
    add('service-instance-failed', {status: 'failed', title: `Service instance ${failedInstance.name}: creation failed; Cloud Foundry still holds it`, details: [failedInstance.note ?? '', `Remove it: cf delete-service ${failedInstance.name} -f`]});
  } else if (instance && isRemoved('service instance', instance.name)) {
    add('service-instance', {status: 'done', title: `Service instance ${instance.name}: removed again after the failure`, details: [`guid ${instance.guid}`]});
  } else if (instance) {
    add('service-instance', {
      status: parametersRead ? 'verified' : 'not-checked',
      title: `Service instance ${instance.name} (${instanceAction?.kind ?? 'reused'})`,
      details: [`guid ${instance.guid}`, ...parameterDetails],
    });
  } else {
    add('service-instance', {status: state.error ? 'failed' : 'skipped', title: `Service instance ${answers.instanceName ?? ''}`.trim(), details: [answers.certificateSource === 'new-csr' ? 'Created by the next run, with the signed certificate.' : 'Not created.']});
  }
  if (option2 && instance && !isRemoved('service instance', instance.name)) {
    const roles = Array.isArray(instance.parameters?.roles) ? (instance.parameters?.roles as unknown[]) : null;
    add('instance-grants-no-role', 
      parametersRead && roles !== null && roles.length === 0
        ? {status: 'verified', title: 'The instance grants no role (Option 2, least privilege)', details: ['Stored parameters hold "roles": [], so the certificate cannot call flows that check a role.']}
        : {status: parametersRead ? 'failed' : 'not-checked', title: 'The instance grants no role (Option 2, least privilege)', details: [parametersRead ? `It grants ${JSON.stringify(instance.parameters?.roles ?? 'the broker default')}.` : 'The roles could not be read back.']},
    );
  }

  if (answers.certificateSource === 'external') {
    const cert = facts.certificate;
    const userTrusted = cert?.rootSource === 'user-trusted' && (answers.trustedRoots?.length ?? 0) > 0;
    add('client-certificate', {
      // A leaf accepted without its chain is still a failed check: the customer must fix the chain.
      status: !cert || cert.verdict === 'fail' ? 'failed' : 'verified',
      title: 'Client certificate checked',
      details: cert?.leaf
        ? [
            `Subject ${cert.leaf.subject}`,
            `Issuer ${cert.leaf.issuer}`,
            `Valid until ${cert.leaf.notAfter.slice(0, 10)}`,
            `SHA-256 ${cert.leaf.fingerprint256}`,
            ...cert.checks.filter(c => c.verdict !== 'pass').map(c => `${c.verdict}: ${c.title}: ${c.message}`),
            ...(answers.acceptIncompleteChain && cert.verdict === 'fail' ? ['The leaf was accepted without its chain by your choice: the sender must send the intermediates.'] : []),
            ...(userTrusted ? ["The root is trusted by your choice, not on SAP's list: the load balancer accepts it only if SAP has added it."] : []),
          ]
        : ['No certificate was read.'],
    });
    if (facts.duplicates) {
      const dups = facts.duplicates.filter(d => d.match === 'certificate' && !(d.instanceName === facts.key?.instanceName && d.keyName === facts.key?.name));
      const dnDups = facts.duplicates.filter(d => d.match === 'subject-and-issuer');
      const unreadable = facts.unreadableKeys ?? [];
      add('duplicate-scan', {
        status: dups.length ? 'failed' : unreadable.length ? 'not-checked' : 'verified',
        title: 'Certificate used in exactly one service key (all integration-flow keys of the org)',
        details: [
          ...dups.map(d => `Already in ${d.instanceName}/${d.keyName}: calls would fail with 401 invalid_client.`),
          ...dnDups.map(d => `Same subject and issuer DN as ${d.instanceName}/${d.keyName}: breaks calls if certificate pinning is off for either key.`),
          ...unreadable.map(u => `Could not read ${u.instanceName}/${u.keyName} (${u.reason}): check it by hand with cf service-key ${u.instanceName} ${u.keyName}.`),
        ],
      });
    }
  } else if (answers.certificateSource === 'new-csr') {
    add('csr', {
      status: facts.csr ? 'todo' : 'failed',
      title: 'Get the CSR signed by a CA the SAP load balancer trusts (with EKU clientAuth)',
      details: facts.csr
        ? [`CSR: ${facts.csr.csr}`, `Private key (0600, stays with the sender): ${facts.csr.privateKey}`, 'When the certificate is back: cpi-mtls cert inspect <certificate> --key <private key>, then run the wizard again with the certificate file.']
        : ['The key and CSR were not created.'],
    });
  } else if (answers.certificateSource === 'sap-generated') {
    add('sap-generated-certificate', {
      status: facts.key?.files ? 'done' : 'failed',
      title: 'SAP-generated client certificate',
      details: facts.key?.files ? Object.entries(facts.key.files).map(([what, path]) => `${what}: ${path}`) : ['Not generated.'],
    });
  }

  const key = facts.key;
  const keyRemoved = key ? isRemoved('service key', `${key.instanceName}/${key.name}`) : false;
  const failedKey = facts.actions.find(a => a.failed && a.what === 'service key' && !isRemoved(a.what, a.name));
  if (failedKey) add('service-key-failed', {status: 'failed', title: `Service key ${failedKey.name}: creation failed; Cloud Foundry still holds it`, details: [failedKey.note ?? '', `Remove it: ${removalCommand(failedKey)}`]});
  add('service-key', 
    !key && answers.certificateSource === 'new-csr'
      ? {status: 'todo', title: 'Service key with the signed certificate', details: ['Created by the next run of the wizard, with the certificate from the CA.']}
      : key && keyRemoved
      ? {status: 'done', title: `Service key ${key.name}: removed again after the failure`, details: [`guid ${key.guid}`]}
      : key
      ? {
          status: key.certificateVerified === false ? 'failed' : key.certificateVerified || key.files ? 'verified' : 'done',
          title: `Service key ${key.name} (${key.alreadyExisted ? 'already in place' : 'created'})`,
          details: [`guid ${key.guid}`, `clientid ${key.clientId ?? '?'}`, ...(key.url ? [`url ${key.url}`] : []), ...(key.certificateVerified ? ['The key holds exactly the given leaf certificate.'] : [])],
        }
      : {status: state.error ? 'failed' : 'skipped', title: `Service key ${answers.keyName ?? ''}`.trim(), details: ['Not created.']},
  );

  const probe = facts.probe;
  add('live-test', 
    probe
      ? {
          status: probe.outcome === 'skipped' ? 'skipped' : probe.success ? 'verified' : 'failed',
          title: `Live test ${probe.url}`,
          details: [
            probe.summary,
            ...(probe.comparison ? [`Compared with Basic authentication: ${probe.comparison}`] : []),
            ...probe.causes,
            ...probe.fix.map(f => `Fix: ${f}`),
            ...probe.docs.map(d => `Read: ${d}`),
          ],
        }
      : {status: 'todo', title: 'Live test of the endpoint with the client certificate', details: ['Run: cpi-mtls probe <endpoint URL> --cert <leaf+chain.pem> --key <key.pem>']},
  );

  // Manual steps on the sender and tenant side.
  add('sender-trust-store', {
    status: 'todo',
    title: 'Sender trust store: import the load balancer root certificate',
    details: probe?.trustStoreFile
      ? [`Import ${probe.trustStoreFile}${probe.serverRootSubject ? ` (${probe.serverRootSubject})` : ''}.`]
      : ['Get it with: cpi-mtls probe <runtime URL> (saves the chain and names the root), or the Connectivity Test (TLS) in Cloud Integration.'],
  });
  add('sender-keystore', {
    status: 'todo',
    title: 'Sender keystore: client key pair with the full chain',
    details: facts.pkcs12
      ? [
          `Import ${facts.pkcs12.file} (key, leaf and intermediates) into the sender's keystore.`,
          facts.pkcs12.passwordFile
            ? `Its password is in ${facts.pkcs12.passwordFile}: send it by another channel than the PKCS#12 (phone, password manager), never in the same e-mail.`
            : 'Its password is the one you chose: send it by another channel than the PKCS#12.',
        ]
      : ['The sender sends the leaf plus its intermediates (the load balancer holds roots only). Export a PKCS#12 with: cpi-mtls cert p12'],
  });
  if (files.senderTestSh) {
    add('sender-test', {
      status: 'todo',
      title: 'Sender test: call the endpoint from the sender host',
      details: [
        `Copy ${path.basename(files.pkcs12 ?? 'the PKCS#12')}, its password file, the load balancer root and the test script to the sender host, keeping their places in the output folder (the password by another channel).`,
        'Linux/macOS: bash sender-test.sh [URL]; Windows: .\\sender-test.ps1 [-Url URL]. It prints HTTP 200 when the host, its network and the certificate work.',
      ],
    });
  }
  const tenant = facts.tenant;
  const testedUrl = (answers.liveTest?.path ?? '').toLowerCase();
  const endpoint = tenant?.endpoints.find(e => testedUrl !== '' && (e.url.toLowerCase() === testedUrl || e.url.toLowerCase().endsWith(testedUrl)));
  if (option2) {
    const leaf = facts.certificate?.leaf;
    add('sender-channel', {
      status: 'todo',
      title: 'Integration flow sender channel: Authorization = Client Certificate',
      details: [
        files.channelCertificate ? `Upload ${files.channelCertificate} in the Client Certificate table (Connection tab).` : 'Upload the client certificate in the Client Certificate table (Connection tab).',
        ...(leaf ? [`The channel checks subject DN "${leaf.subject}" and issuer DN "${leaf.issuer}" only.`] : []),
        'Redeploy the integration flow: a short downtime.',
        'Every renewal repeats upload and redeploy (and a new service key).',
      ],
    });
  } else if (!endpoint?.channel || endpoint.channel.verdict === 'not-checked') {
    add('sender-channel', {
      status: 'todo',
      title: `Integration flow sender channel: Authorization = User Role, role ${role ?? ''}`,
      details: ['Connection tab of the HTTPS/SOAP/IDoc/AS2 sender channel; the role must equal one of the instance roles exactly.'],
    });
  }
  if (endpoint?.channel) {
    const read = endpoint.channel.verdict === 'not-checked' ? ': could not be read from the tenant' : ' read from the tenant';
    add('sender-channel-read', judged(endpoint.channel, `Sender channel of ${endpoint.iflowId}${read}`));
  }
  const verifiedLive = probe?.success === true && probe.outcome !== 'skipped';
  add('iflow-deployed', {
    status:
      verifiedLive || endpoint?.runtimeStatus === 'STARTED'
        ? 'verified'
        : endpoint?.runtimeStatus?.startsWith('not checked')
          ? 'not-checked'
          : endpoint?.runtimeStatus
            ? 'failed'
            : 'todo',
    title: 'Integration flow deployed',
    details: [endpoint ? `Runtime status: ${endpoint.runtimeStatus}` : 'Monitor → Manage Integration Content shows it Started.'],
  });
  const keystoreTitle = 'Tenant keystore holds the key pair sap_cloudintegrationcertificate (not expired)';
  add('tenant-keystore', 
    tenant?.keystore
      ? judged(tenant.keystore, keystoreTitle)
      : {
          status: verifiedLive ? 'verified' : 'todo',
          title: keystoreTitle,
          details: [
            'Monitor → Manage Security → Keystore. Trial tenants lack it: client certificates cannot work there, only Basic authentication.',
            ...(tenant && !tenant.reachable ? [`The tenant API could not be used: ${tenant.error?.message ?? ''}`] : []),
          ],
        },
  );
  if (tenant?.trial) {
    add('trial-tenant', {status: 'failed', title: 'Trial tenant', details: ['Inbound client-certificate authentication is not supported on trial tenants; use Basic authentication with clientid/clientsecret there.']});
  }
  if (tenant?.temporary && !tenant.temporary.removed) {
    const kept = Boolean(answers.tenantChecks?.keepApiInstance);
    add('temporary-api-instance', {
      status: kept ? 'todo' : 'failed',
      title: kept ? `Remove the api instance ${tenant.temporary.instanceName} when you no longer need it (kept by your choice)` : `Temporary api instance ${tenant.temporary.instanceName} could not be removed: remove it`,
      details: [`cf delete-service-key ${tenant.temporary.instanceName} ${tenant.temporary.keyName} -f`, `cf delete-service ${tenant.temporary.instanceName} -f`],
    });
  }
  const basicLeft = facts.actions.filter(a => a.kind === 'created' && a.note?.startsWith('temporary ClientId/Secret') && !isRemoved(a.what, a.name));
  for (const left of basicLeft) {
    add('temporary-basic-key', {status: 'failed', title: `Temporary ClientId/Secret key ${left.name} could not be removed: remove it`, details: [removalCommand(left)]});
  }
  if (leftovers.length > 0) {
    add('temporary-leftovers', {status: 'failed', title: 'Temporary credentials of an interrupted step could not be removed: remove them', details: [...leftovers]});
  }
  if (facts.actions.some(a => a.kind === 'updated' && a.what === 'service instance')) {
    add('role-cache', {status: 'todo', title: 'Role cache', details: ['The instance roles changed: it can take up to an hour until the runtime uses them. A 403 before then is expected.']});
  }

  const created = facts.actions.map(a => ({kind: a.failed ? 'create failed' : a.kind, what: a.what, name: a.name, guid: a.guid, note: a.note}));
  const outcome = outcomeOf(state.status, state.error, items);
  // After a failure: what this run created and what is still there (failed leftovers included),
  // the same list the flow's cleanup step removes. After a complete run nothing is offered for
  // removal: the key is the working result.
  const cleanup = outcome === 'complete' ? [] : createdByThisRun(state).map(removalCommand);
  return {
    title: `cpi-mtls checklist: ${option2 ? 'Option 2 (certificate in the integration flow)' : 'Option 1 (role-based)'}`,
    generatedAt: now.toISOString(),
    outcome,
    option: option2 ? 'certificate-in-iflow' : 'role-based',
    target: t ? {api: t.apiEndpoint, org: t.org.name, space: t.space.name} : undefined,
    ...relativeTo(state.context.outputDir, {items, files}),
    created,
    cleanup,
    commands: cfLog.map(commandLine),
    changes: cfLog.filter(entry => entry.write).map(commandLine),
    nextStep: nextStepOf(outcome, items, state.error),
    error: state.error ? {message: state.error.message, fix: state.error.fix} : undefined,
    reasons: [...(state.error ? [state.error.message] : []), ...items.filter(i => i.status === 'failed').map(i => i.title)],
    notChecked: items.filter(i => i.status === 'not-checked').map(i => i.title),
  };
}

/**
 * The checklist goes to the customer: paths inside the output folder are written relative to it
 * (the files travel with the checklist), never as paths of the consultant's laptop.
 */
function relativeTo(outputDir: string, parts: {items: ChecklistItem[]; files: Record<string, string>}): {items: ChecklistItem[]; files: Record<string, string>} {
  const prefixes = [outputDir + path.sep, outputDir + '/'].filter((p, i, all) => all.indexOf(p) === i);
  const strip = (text: string) => prefixes.reduce((acc, prefix) => acc.split(prefix).join(''), text);
  return {
    items: parts.items.map(item => ({...item, title: strip(item.title), details: item.details.map(strip)})),
    files: Object.fromEntries(Object.entries(parts.files).map(([what, file]) => [what, strip(file)])),
  };
}

function nextStepOf(outcome: Outcome, items: ChecklistItem[], error: {fix: string[]} | undefined): string {
  const todo = items.find(i => i.status === 'todo');
  if (outcome === 'complete') return todo ? `Next: send checklist.md to the customer; their first to-do is "${todo.title}".` : 'Next: send checklist.md to the customer.';
  if (outcome === 'cancelled') return 'Next: start cpi-mtls again in this folder to resume, or remove what the checklist lists.';
  const fix = error?.fix[0] ?? items.find(i => i.status === 'failed')?.details.find(d => d.startsWith('Fix: '))?.slice(5);
  return fix ? `Next: ${fix}` : 'Next: fix what failed (see the checklist), then run the same command again.';
}

/** Human names of the files a run writes, for the checklist and the final screen. */
const FILE_LABELS: Record<string, string> = {
  roleJson: 'Role (JSON, as the User Roles monitor downloads it)',
  instanceParameters: 'Instance parameters as stored by the broker',
  instanceParametersSent: 'Instance parameters as sent (the broker does not return them)',
  leafCertificate: 'Client certificate in the service key (leaf)',
  channelCertificate: 'Certificate for the sender channel (Option 2)',
  loadBalancerRoot: 'Load balancer root for the sender trust store',
  probe: 'Live test result (JSON)',
  checklist: 'This checklist',
  checklistJson: 'This checklist (JSON)',
  plan: 'Plan for the next subaccount (cpi-mtls apply --plan)',
  pkcs12: 'PKCS#12 for the sender',
  pkcs12Password: 'Password of the PKCS#12 (send separately)',
  terraform: 'Terraform configuration (instance and key, import blocks)',
  senderTestSh: 'Sender test for Linux/macOS (bash, curl)',
  senderTestPs1: 'Sender test for Windows (PowerShell)',
};

export function fileLabel(key: string): string {
  return FILE_LABELS[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, c => c.toUpperCase());
}

function targetText(target: Checklist['target']): string | undefined {
  if (!target) return undefined;
  return typeof target === 'string' ? target : `${target.api} · org ${target.org} / space ${target.space}`;
}

function humanDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function renderChecklistMarkdown(checklist: Checklist): string {
  const lines: string[] = [`# ${checklist.title}`, ''];
  const where = targetText(checklist.target);
  lines.push(`**${headlineOf(checklist).text}**`, '');
  lines.push(`Generated ${humanDate(checklist.generatedAt)}${where ? ` for ${where}` : ''}. Outcome: **${checklist.outcome}**.`, '');
  if (checklist.nextStep) lines.push(checklist.nextStep, '');
  if (checklist.error) {
    lines.push(`> **Stopped:** ${checklist.error.message}`);
    for (const fix of checklist.error.fix) lines.push(`> - ${fix}`);
    lines.push('');
  }
  const todo = checklist.items.filter(i => i.status === 'todo');
  const problems = checklist.items.filter(i => i.status === 'failed' || i.status === 'not-checked');
  const rest = checklist.items.filter(i => !todo.includes(i) && !problems.includes(i));
  if (todo.length > 0) {
    const steps = todo.flatMap((item, index) => [`${index + 1}. **${item.title}**`, ...item.details.map(detail => `   - ${detail}`)]);
    lines.push('## What you need to do', '', ...steps, '');
  }
  const list = (items: ChecklistItem[]) => items.flatMap(item => [`- **${statusLabel(item.status)}** ${item.title}`, ...item.details.map(detail => `  - ${detail}`)]);
  if (problems.length > 0) lines.push('## Failed or not checked', '', ...list(problems), '');
  lines.push('## Done and verified', '', ...list(rest));
  lines.push('', '## Resources', '');
  if (checklist.created.length === 0) lines.push('Nothing was created or changed.');
  // "kind" reads "created", "deleted", or "create failed" for a leftover the platform still holds.
  for (const c of checklist.created) lines.push(`- ${c.kind} ${c.what} \`${c.name}\`${c.guid ? ` (${c.guid})` : ''}${c.note ? `: ${c.note}` : ''}`);
  if (checklist.cleanup.length > 0) {
    lines.push('', 'To remove what this run created (nothing that existed before):', '', '```', ...checklist.cleanup, '```');
  }
  const files = Object.entries(checklist.files);
  if (files.length > 0) {
    lines.push('', '## Files (in the folder of this checklist)', '', '| File | What it is |', '|---|---|');
    for (const [what, file] of files) lines.push(`| \`${file}\` | ${fileLabel(what)} |`);
  }
  const changes = checklist.changes ?? checklist.commands;
  const reads = checklist.commands.length - changes.length;
  lines.push('', '## Appendix: commands that changed the landscape', '', '```', ...(changes.length ? changes : ['(none)']), '```');
  if (reads > 0) lines.push('', `Plus ${reads} read-only cf call${reads === 1 ? '' : 's'} (checklist.json lists every call).`);
  return lines.join('\n') + '\n';
}

/** Plain-text rendering for the terminal (no Markdown syntax). */
export function renderChecklistText(checklist: Checklist): string {
  const lines: string[] = [checklist.title, headlineOf(checklist).text, ''];
  for (const item of checklist.items) {
    lines.push(`${statusLabel(item.status).padEnd(12)} ${item.title}`);
    for (const detail of item.details) lines.push(`${' '.repeat(13)}${detail}`);
  }
  if (checklist.cleanup.length > 0) lines.push('', 'Remove what this run created:', ...checklist.cleanup.map(c => `  ${c}`));
  if (checklist.nextStep) lines.push('', checklist.nextStep);
  return lines.join('\n');
}
