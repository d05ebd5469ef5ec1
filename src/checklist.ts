/**
 * The checklist a consultant hands to the customer: every step as done / verified / to do by
 * hand / failed, what was created, the commands that ran, the files written, and the manual
 * steps left. Built as data from the flow state (pure), rendered as Markdown and JSON.
 */
import type {FlowState} from '../flows/types.js';
import {chosenRole, isOption2, wantedInstanceParameters} from '../flows/setup.js';
import {IFLOW_PLAN, IT_RT_OFFERING, roleJson} from '../flows/parameters.js';
import type {CfLogEntry} from './ports.js';

export type ItemStatus = 'done' | 'verified' | 'manual' | 'failed' | 'skipped';

export interface ChecklistItem {
  status: ItemStatus;
  title: string;
  details: string[];
}

export interface Checklist {
  title: string;
  /** The line shown when everything passed; each flow words its own (default: the setup's). */
  headline?: string;
  generatedAt: string;
  outcome: 'complete' | 'incomplete' | 'failed' | 'cancelled';
  option: string;
  target?: string;
  items: ChecklistItem[];
  created: Array<{kind: string; what: string; name: string; guid?: string; note?: string}>;
  cleanup: string[];
  commands: string[];
  files: Record<string, string>;
  error?: {message: string; fix: string[]};
}

const STATUS_MARK: Record<ItemStatus, string> = {done: '✔ done', verified: '✔ verified', manual: '☐ to do', failed: '✖ failed', skipped: '– skipped'};

function commandLine(entry: CfLogEntry): string {
  return ['cf', ...entry.args.map(arg => (/[\s"']/.test(arg) ? JSON.stringify(arg) : arg))].join(' ');
}

export function buildChecklist(state: FlowState, cfLog: ReadonlyArray<CfLogEntry>, files: Record<string, string>, now: Date): Checklist {
  const {answers, facts} = state;
  const option2 = isOption2(state);
  const role = chosenRole(answers);
  const items: ChecklistItem[] = [];
  const t = facts.target;

  items.push({
    status: t ? 'verified' : 'failed',
    title: 'cf CLI, login and target',
    details: t ? [`${facts.cfVersion?.raw ?? 'cf'}`, `API ${t.apiEndpoint}, org ${t.org.name}, space ${t.space.name}, user ${t.user}`] : ['Preflight did not complete.'],
  });
  if (facts.planAvailable !== undefined) {
    items.push({status: facts.planAvailable ? 'verified' : 'failed', title: `Entitlement ${IT_RT_OFFERING} / ${IFLOW_PLAN} in the marketplace`, details: []});
  }

  if (!option2 && role) {
    items.push({
      status: role === 'ESBMessaging.send' ? 'done' : 'manual',
      title: role === 'ESBMessaging.send' ? 'Role ESBMessaging.send (pre-delivered by SAP)' : `Create the custom role ${role} in Cloud Integration`,
      details:
        role === 'ESBMessaging.send'
          ? [`Role JSON: ${JSON.stringify(roleJson(role))}`]
          : [`Monitor → Manage Security → User Roles → Add: ${role}`, `Role JSON: ${JSON.stringify(roleJson(role))}`],
    });
  }

  const instance = facts.instance;
  const instanceAction = facts.actions.find(a => a.what === 'service instance');
  items.push(
    instance
      ? {
          status: 'verified',
          title: `Service instance ${instance.name} (${instanceAction?.kind ?? 'reused'})`,
          details: [`guid ${instance.guid}`, `parameters ${JSON.stringify(instance.parameters ?? wantedInstanceParameters(answers))}`],
        }
      : {status: state.step === 'done' && !state.error ? 'skipped' : 'failed', title: `Service instance ${answers.instanceName ?? ''}`.trim(), details: ['Not created.']},
  );

  if (answers.certificateSource === 'external') {
    const cert = facts.certificate;
    items.push({
      status: !cert ? 'failed' : cert.verdict === 'fail' ? 'failed' : 'verified',
      title: 'Client certificate checked',
      details: cert?.leaf
        ? [
            `Subject ${cert.leaf.subject}`,
            `Issuer ${cert.leaf.issuer}`,
            `Valid until ${cert.leaf.notAfter}`,
            `SHA-256 ${cert.leaf.fingerprint256}`,
            ...cert.checks.filter(c => c.verdict !== 'pass').map(c => `${c.verdict}: ${c.title}: ${c.message}`),
          ]
        : ['No certificate was read.'],
    });
    if (facts.duplicates) {
      const dups = facts.duplicates.filter(d => d.match === 'certificate' && !(d.instanceName === facts.key?.instanceName && d.keyName === facts.key?.name));
      const dnDups = facts.duplicates.filter(d => d.match === 'subject-and-issuer');
      items.push({
        status: dups.length ? 'failed' : 'verified',
        title: 'Certificate used in exactly one service key',
        details: [
          ...dups.map(d => `Already in ${d.instanceName}/${d.keyName}: calls would fail with 401 invalid_client.`),
          ...dnDups.map(d => `Same subject and issuer DN as ${d.instanceName}/${d.keyName}: breaks calls if certificate pinning is off for either key.`),
        ],
      });
    }
  } else if (answers.certificateSource === 'new-csr') {
    items.push({
      status: facts.csr ? 'manual' : 'failed',
      title: 'Get the CSR signed by a CA the SAP load balancer trusts (with EKU clientAuth)',
      details: facts.csr
        ? [`CSR: ${facts.csr.csr}`, `Private key (0600, stays with the sender): ${facts.csr.privateKey}`, 'When the certificate is back: cpi-mtls cert inspect <certificate> --key <private key>, then run the wizard again with the certificate file.']
        : ['The key and CSR were not created.'],
    });
  } else if (answers.certificateSource === 'sap-generated') {
    items.push({
      status: facts.key?.files ? 'done' : 'failed',
      title: 'SAP-generated client certificate',
      details: facts.key?.files ? Object.entries(facts.key.files).map(([what, path]) => `${what}: ${path}`) : ['Not generated.'],
    });
  }

  const key = facts.key;
  items.push(
    !key && answers.certificateSource === 'new-csr'
      ? {status: 'manual', title: 'Service key with the signed certificate', details: ['Created by the next run of the wizard, with the certificate from the CA.']}
      : key
      ? {
          status: key.certificateVerified === false ? 'failed' : 'verified',
          title: `Service key ${key.name} (${key.alreadyExisted ? 'already in place' : 'created'})`,
          details: [`guid ${key.guid}`, `clientid ${key.clientId ?? '?'}`, ...(key.url ? [`url ${key.url}`] : []), ...(key.certificateVerified ? ['The key holds exactly the given leaf certificate.'] : [])],
        }
      : {status: 'failed', title: `Service key ${answers.keyName ?? ''}`.trim(), details: ['Not created.']},
  );

  const probe = facts.probe;
  items.push(
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
      : {status: 'manual', title: 'Live test of the endpoint with the client certificate', details: ['Run: cpi-mtls probe <endpoint URL> --cert <leaf+chain.pem> --key <key.pem>']},
  );

  // Manual steps on the sender and tenant side.
  items.push({
    status: 'manual',
    title: 'Sender trust store: import the load balancer root certificate',
    details: probe?.trustStoreFile
      ? [`Import ${probe.trustStoreFile}${probe.serverRootSubject ? ` (${probe.serverRootSubject})` : ''}.`]
      : ['Get it with: cpi-mtls probe <runtime URL> (saves the chain and names the root), or the Connectivity Test (TLS) in Cloud Integration.'],
  });
  items.push({
    status: 'manual',
    title: 'Sender keystore: client key pair with the full chain',
    details: facts.pkcs12
      ? [`Import ${facts.pkcs12.file} (key, leaf and intermediates); its password is in ${facts.pkcs12.passwordFile ?? 'the password you chose'}.`]
      : ['The sender sends the leaf plus its intermediates (the load balancer holds roots only). Export a PKCS#12 with: cpi-mtls cert p12'],
  });
  const tenant = facts.tenant;
  const testedUrl = (answers.liveTest?.path ?? '').toLowerCase();
  const endpoint = tenant?.endpoints.find(e => testedUrl !== '' && (e.url.toLowerCase() === testedUrl || e.url.toLowerCase().endsWith(testedUrl)));
  if (option2) {
    const leaf = facts.certificate?.leaf;
    items.push({
      status: 'manual',
      title: 'Integration flow sender channel: Authorization = Client Certificate',
      details: [
        files.channelCertificate ? `Upload ${files.channelCertificate} in the Client Certificate table (Connection tab).` : 'Upload the client certificate in the Client Certificate table (Connection tab).',
        ...(leaf ? [`The channel checks subject DN "${leaf.subject}" and issuer DN "${leaf.issuer}" only.`] : []),
        'Redeploy the integration flow: a short downtime.',
        'Every renewal repeats upload and redeploy (and a new service key).',
      ],
    });
  } else if (!endpoint?.channel) {
    items.push({
      status: 'manual',
      title: `Integration flow sender channel: Authorization = User Role, role ${role ?? ''}`,
      details: ['Connection tab of the HTTPS/SOAP/IDoc/AS2 sender channel; the role must equal one of the instance roles exactly.'],
    });
  }
  if (endpoint?.channel) {
    items.push({
      status: endpoint.channel.verdict === 'fail' ? 'failed' : 'verified',
      title: `Sender channel of ${endpoint.iflowId} read from the tenant`,
      details: [endpoint.channel.message, ...(endpoint.channel.fix ? [`Fix: ${endpoint.channel.fix}`] : [])],
    });
  }
  const verifiedLive = probe?.success === true && probe.outcome !== 'skipped';
  items.push({
    status: verifiedLive || (endpoint?.runtimeStatus === 'STARTED') ? 'verified' : endpoint ? 'failed' : 'manual',
    title: 'Integration flow deployed',
    details: [endpoint ? `Runtime status: ${endpoint.runtimeStatus}` : 'Monitor → Manage Integration Content shows it Started.'],
  });
  items.push(
    tenant?.keystore
      ? {
          status: tenant.keystore.verdict === 'fail' ? 'failed' : 'verified',
          title: 'Tenant keystore holds the key pair sap_cloudintegrationcertificate (not expired)',
          details: [tenant.keystore.message, ...(tenant.keystore.fix ? [`Fix: ${tenant.keystore.fix}`] : [])],
        }
      : {
          status: verifiedLive ? 'verified' : 'manual',
          title: 'Tenant keystore holds the key pair sap_cloudintegrationcertificate (not expired)',
          details: [
            'Monitor → Manage Security → Keystore. Trial tenants lack it: client certificates cannot work there, only Basic authentication.',
            ...(tenant && !tenant.reachable ? [`The tenant API could not be used: ${tenant.error?.message ?? ''}`] : []),
          ],
        },
  );
  if (tenant?.trial) {
    items.push({status: 'failed', title: 'Trial tenant', details: ['Inbound client-certificate authentication is not supported on trial tenants; use Basic authentication with clientid/clientsecret there.']});
  }
  if (tenant?.temporary && !tenant.temporary.removed) {
    items.push({status: 'manual', title: `Remove the temporary api instance ${tenant.temporary.instanceName}`, details: [`cf delete-service-key ${tenant.temporary.instanceName} ${tenant.temporary.keyName} -f`, `cf delete-service ${tenant.temporary.instanceName} -f`]});
  }
  if (facts.actions.some(a => a.kind === 'updated' && a.what === 'service instance')) {
    items.push({status: 'manual', title: 'Role cache', details: ['The instance roles changed: it can take up to an hour until the runtime uses them. A 403 before then is expected.']});
  }

  const created = facts.actions.map(a => ({kind: a.kind, what: a.what, name: a.name, guid: a.guid, note: a.note}));
  const failed = state.status === 'failed' || Boolean(state.error);
  const removed = new Set(facts.actions.filter(a => a.kind === 'deleted').map(a => a.name));
  const cleanup = failed
    ? facts.actions
        .filter(a => a.kind === 'created' && !removed.has(a.name))
        .reverse()
        .map(a => (a.what === 'service key' ? `cf delete-service-key ${a.name.split('/')[0]} ${a.name.split('/')[1]} -f` : `cf delete-service ${a.name} -f`))
    : [];

  const outcome = state.status === 'cancelled' ? 'cancelled' : failed ? 'failed' : items.some(i => i.status === 'failed') ? 'incomplete' : 'complete';
  return {
    title: `cpi-mtls checklist: ${option2 ? 'Option 2 (certificate in the integration flow)' : 'Option 1 (role-based)'}`,
    generatedAt: now.toISOString(),
    outcome,
    option: option2 ? 'certificate-in-iflow' : 'role-based',
    target: t ? `${t.apiEndpoint} · ${t.org.name} / ${t.space.name}` : undefined,
    items,
    created,
    cleanup,
    commands: cfLog.map(commandLine),
    files,
    error: state.error ? {message: state.error.message, fix: state.error.fix} : undefined,
  };
}

export function renderChecklistMarkdown(checklist: Checklist): string {
  const lines: string[] = [`# ${checklist.title}`, ''];
  lines.push(`Generated ${checklist.generatedAt}${checklist.target ? ` for ${checklist.target}` : ''}. Outcome: **${checklist.outcome}**.`, '');
  if (checklist.error) {
    lines.push(`> **Stopped:** ${checklist.error.message}`);
    for (const fix of checklist.error.fix) lines.push(`> - ${fix}`);
    lines.push('');
  }
  lines.push('## Steps', '');
  for (const item of checklist.items) {
    lines.push(`- **${STATUS_MARK[item.status]}** ${item.title}`);
    for (const detail of item.details) lines.push(`  - ${detail}`);
  }
  lines.push('', '## Resources', '');
  if (checklist.created.length === 0) lines.push('Nothing was created or changed.');
  for (const c of checklist.created) lines.push(`- ${c.kind} ${c.what} \`${c.name}\`${c.guid ? ` (${c.guid})` : ''}${c.note ? `: ${c.note}` : ''}`);
  if (checklist.cleanup.length > 0) {
    lines.push('', 'To remove what this run created (nothing that existed before):', '', '```', ...checklist.cleanup, '```');
  }
  lines.push('', '## Commands that ran', '', '```', ...(checklist.commands.length ? checklist.commands : ['(none)']), '```');
  const files = Object.entries(checklist.files);
  if (files.length > 0) {
    lines.push('', '## Files', '');
    for (const [what, path] of files) lines.push(`- ${what}: \`${path}\``);
  }
  return lines.join('\n') + '\n';
}

/** Plain-text rendering for the terminal (no Markdown syntax). */
export function renderChecklistText(checklist: Checklist): string {
  const lines: string[] = [checklist.title, ''];
  for (const item of checklist.items) {
    lines.push(`${STATUS_MARK[item.status].padEnd(12)} ${item.title}`);
    for (const detail of item.details) lines.push(`${' '.repeat(13)}${detail}`);
  }
  if (checklist.cleanup.length > 0) lines.push('', 'Remove what this run created:', ...checklist.cleanup.map(c => `  ${c}`));
  return lines.join('\n');
}
