/**
 * The setup wizard: Option 1 (role-based, recommended) and Option 2 (certificate in the
 * integration flow's sender channel), from preflight to checklist. Steps follow SAP's procedure
 * (sap-cloud-integration.md §1-5) and the seed article.
 */
import {goto, type FlowDefinition} from './machine.js';
import {errorPanel, record, str, trail} from './common.js';
import {DEFAULT_ROLE, IFLOW_PLAN, IT_RT_OFFERING, assessInstance, stringArray, instanceParameters, roleJson} from './parameters.js';
import {anotherCertificate, checksPanel, certificatePasswordStep, certificatePathStep, keyCertificateParameters, leafLines, loadCertificateStep, SAP_KEY_DEFAULT, sapKeyValidityStep} from './steps/certificate.js';
import {answerStep, selectStep, textStep} from './steps/question.js';
import {demoEndpointPath, liveTestCredentialsOf, liveTestKeyStep, liveTestPathStep, liveTestStep, probeEffectOf, probeResultStep, probeStep, type LiveTestCredentials} from './steps/live-test.js';
import {preflightStep, reportSteps, stepFailedStep} from './steps/run.js';
import type {CertificateSource, CsrKeyType, OptionId, ActionRecord, Answers, DuplicateFact, Effect, EffectResults, EffectStep, FlowError, FlowState, InstanceFact, Panel, QuestionStep, SetupStepId, Step, TenantEndpointFact} from './types.js';
import {commonNameOf, suggestKeyName, validateInstanceName, validateKeyName, validateRoleName} from './validate.js';

const DEFAULT_INSTANCE_NAME = 'cpi-inbound-mtls';

// ---------------------------------------------------------------------------------------------
// Derived values (pure)

export function chosenRole(answers: Answers): string | null {
  if (answers.option === 'certificate-in-iflow') return null;
  if (answers.roleChoice === 'custom') return answers.customRole?.trim() ?? null;
  return DEFAULT_ROLE;
}

/** The roles the instance must grant; none for Option 2 (least privilege). */
export function wantedRoles(answers: Answers): string[] {
  const role = chosenRole(answers);
  return role ? [role] : [];
}

export function wantedInstanceParameters(answers: Answers): Record<string, unknown> {
  return instanceParameters(wantedRoles(answers));
}

export function isOption2(state: FlowState): boolean {
  return state.answers.option === 'certificate-in-iflow';
}

/** Paths of the certificate and key the live test uses, or null when a key must be asked for. */
export function liveTestCredentials(state: FlowState): LiveTestCredentials | null {
  return liveTestCredentialsOf(state.answers, state.facts, {passwordWithKey: false});
}

/** A plan that pins org/space must not run against another target. */
export function targetMismatch(answers: Answers, state: FlowState): string | null {
  const want = answers.expectedTarget;
  const have = state.facts.target;
  if (!want || !have) return null;
  if ((want.org && want.org !== have.org.name) || (want.space && want.space !== have.space.name)) {
    return `cf targets org ${have.org.name} / space ${have.space.name}, but the plan expects ${want.org ?? have.org.name} / ${want.space ?? have.space.name}.`;
  }
  return null;
}

export function createdDuringRun(state: FlowState, createdAt: string | undefined): boolean {
  if (!createdAt) return false;
  const created = Date.parse(createdAt);
  const started = Date.parse(state.context.startedAt);
  // Platform clocks and ours differ a little; CC timestamps have whole seconds.
  return Number.isFinite(created) && Number.isFinite(started) && created >= started - 2000;
}

/** A file of the checklist step: written now (name in the output folder, content), or written by an earlier step (path). */
export type OutputFile = {what: string; name: string; content: string} | {what: string; path: string};

/** What the checklist step writes and lists besides the checklist and the plan, in the order the checklist shows them. */
export function setupOutputFiles(state: FlowState): OutputFile[] {
  const {answers, facts} = state;
  const files: OutputFile[] = [];
  const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';
  const role = chosenRole(answers);
  if (role) files.push({what: 'roleJson', name: 'role.json', content: JSON.stringify(roleJson(role)) + '\n'});
  // The file says what it holds: what the broker stored (read back), or only what was (or would be) sent.
  const instance = facts.instance;
  if (instance?.parametersSource === 'stored' && instance.parameters) files.push({what: 'instanceParameters', name: 'instance-parameters.json', content: json(instance.parameters)});
  else if (instance || (answers.instanceName && answers.certificateSource !== 'new-csr')) {
    files.push({what: 'instanceParametersSent', name: 'instance-parameters-sent.json', content: json(instance?.parameters ?? wantedInstanceParameters(answers))});
  }
  const leaf = facts.certificate?.leaf;
  // Option 2: the file to upload in the sender channel's Client Certificate table.
  if (leaf && answers.certificateSource === 'external') files.push({...(isOption2(state) ? {what: 'channelCertificate', name: 'sender-channel-certificate.crt'} : {what: 'leafCertificate', name: 'client-leaf.pem'}), content: leaf.pem.trim() + '\n'});
  for (const [what, path] of Object.entries(facts.key?.files ?? {})) files.push({what: `sapGenerated.${what}`, path});
  if (facts.csr) files.push({what: 'csr', path: facts.csr.csr}, {what: 'csrPrivateKey', path: facts.csr.privateKey});
  if (facts.pkcs12) files.push({what: 'pkcs12', path: facts.pkcs12.file}, ...(facts.pkcs12.passwordFile ? [{what: 'pkcs12Password', path: facts.pkcs12.passwordFile}] : []));
  if (facts.probe?.trustStoreFile) files.push({what: 'loadBalancerRoot', path: facts.probe.trustStoreFile});
  if (facts.probe) files.push({what: 'probe', name: 'live-test.json', content: json(facts.probe.raw)});
  return files;
}

/** Findings that mean the connection will not work as set up (exit code 1 even without an error). */
export function blockingFindings(state: FlowState): string[] {
  const findings: string[] = [];
  const {probe, tenant} = state.facts;
  if (probe && !probe.success) findings.push(`live test: ${probe.summary}`);
  if (tenant?.keystore?.verdict === 'fail') findings.push(`tenant keystore: ${tenant.keystore.message}`);
  if (tenant?.trial) findings.push('trial tenant: no inbound client-certificate authentication');
  const endpoint = tenantEndpointFor(state, state.answers.liveTest?.path);
  if (endpoint?.channel?.verdict === 'fail') findings.push(`sender channel of ${endpoint.iflowId}: ${endpoint.channel.message}`);
  return findings;
}

/**
 * Resources this run created (never what existed before), newest first: what cleanup removes.
 * A create that failed but left the resource on the platform counts: it is reported and removed,
 * never reused. One entry per resource, however often it was recorded.
 */
export function createdByThisRun(state: FlowState): ActionRecord[] {
  const actions = state.facts.actions;
  // Only a delete recorded after the create cancels it: a failed leftover removed first does not hide its replacement.
  const deletedLater = (index: number) => actions.slice(index + 1).some(d => d.kind === 'deleted' && d.what === actions[index].what && d.name === actions[index].name);
  const seen = new Set<string>();
  return actions
    .filter((a, index) => a.kind === 'created' && !deletedLater(index))
    .reverse()
    .filter(a => !seen.has(`${a.what}:${a.name}`) && Boolean(seen.add(`${a.what}:${a.name}`)));
}

function withoutFailedLeftover(state: FlowState, what: ActionRecord['what'], name: string): ActionRecord[] {
  return state.facts.actions.filter(a => !(a.failed && a.what === what && a.name === name));
}

/** A create that failed may leave the resource behind ("create failed"): record it as a fact. */
function recordFailedLeftover(state: FlowState, error: FlowError, what: 'service instance' | 'service key', name: string): FlowState {
  const leftover = error.details?.leftover as {guid?: string; state?: string} | undefined;
  if (!leftover) return state;
  return record(state, {kind: 'created', what, name, guid: leftover.guid, failed: true, note: `${leftover.state ?? 'create failed'}: the platform keeps it; it is not used`});
}

/** Ends the run after a failure: offer to remove what this run created, then write the checklist. */
function stopWith(state: FlowState, error: FlowError | undefined): FlowState {
  return goto(state, createdByThisRun(state).length > 0 ? 'offer-cleanup' : 'write-outputs', {error});
}

/** The leaf itself is fine and only its chain is incomplete: the key can still take the leaf. */
export function onlyChainIncomplete(state: FlowState): boolean {
  const cert = state.facts.certificate;
  if (!cert?.leaf) return false;
  const failing = cert.checks.filter(c => c.verdict === 'fail');
  return failing.length > 0 && failing.every(c => c.id === 'chain');
}

function certificatePanels(state: FlowState): Panel[] {
  const cert = state.facts.certificate;
  if (!cert) return [];
  const leaf = cert.leaf;
  const chain = cert.chain.length > 0 ? [`Chain        ${cert.chain.length} more certificate(s): ${cert.chain.map(c => commonNameOf(c.subject) ?? c.subject).join(' → ')}`] : [];
  return [
    ...(leaf ? [{tone: 'info' as const, title: 'Client certificate (the leaf that goes into the service key)', lines: [...leafLines(leaf, [`Serial       ${leaf.serialNumber}`]), ...chain]}] : []),
    checksPanel(cert, {listPassed: true}),
  ];
}

// ---------------------------------------------------------------------------------------------
// Steps

type Q = QuestionStep<FlowState>;
type E<T extends Effect['type']> = EffectStep<FlowState, Extract<Effect, {type: T}>, EffectResults[T]>;

const preflight = preflightStep<FlowState>({
  summary: ({cfVersion: v, target: t}) => ({text: `cf ${v.major}.${v.minor}.${v.patch} · ${t.apiEndpoint} · org ${t.org.name} / space ${t.space.name} as ${t.user}`, status: 'verified'}),
  blocked: 'blocked',
  next: () => 'confirm-target',
});

const blocked = stepFailedStep<FlowState>({
  id: 'blocked', phase: 'Preflight', title: 'Preflight needs attention', prompt: 'Fix it in another terminal, then:', retryLabel: 'Check again',
  retry: state => goto(state, 'preflight', {history: []}),
  stopLabel: 'Quit',
  // A plan cannot fix the landscape: stop and write the checklist with the reason.
  stop: state => stopWith(state, state.error),
  summary: value => (value === 'retry' ? 'Checked again' : 'Quit at preflight'),
});

const confirmTarget: Q = {
  kind: 'question',
  id: 'confirm-target',
  phase: 'Preflight',
  title: 'Target',
  panels: state => {
    const t = state.facts.target;
    if (!t) return [];
    const lesson = state.context.demo?.lesson;
    return [
      ...(lesson?.length ? [{tone: 'info' as const, title: `Lesson of the demo scenario "${state.context.demo?.scenario}"`, lines: lesson}] : []),
      {
        tone: 'info',
        title: 'cf is targeting',
        lines: [`API    ${t.apiEndpoint}`, `User   ${t.user}`, `Org    ${t.org.name}`, `Space  ${t.space.name}`, `cf     ${state.facts.cfVersion?.raw ?? ''}`],
      },
    ];
  },
  question: () => ({type: 'confirm', prompt: 'Create the service instance and keys in this org and space?', initial: true}),
  fromPlan: (answers, state) => answers.targetConfirmed === true && !targetMismatch(answers, state),
  apply(state, value) {
    const next = {...state, answers: {...state.answers, targetConfirmed: value === true}};
    if (value === true) return goto(next, 'choose-option');
    const mismatch = targetMismatch(state.answers, state);
    return goto(next, 'blocked', {
      error: {
        code: 'target-rejected',
        message: mismatch ?? 'Target another org or space first.',
        fix: [`cf target -o ${state.answers.expectedTarget?.org ?? '<ORG>'} -s ${state.answers.expectedTarget?.space ?? '<SPACE>'}`, 'List what you can target with: cf orgs, cf spaces'],
      },
    });
  },
  summary: (state, value) => (value ? `Target: ${state.facts.target?.org.name} / ${state.facts.target?.space.name}` : 'Target rejected'),
};

const chooseOption = selectStep<FlowState, 'option', OptionId>({
  id: 'choose-option', field: 'option', phase: 'Authorization', title: 'Authorization option',
  prompt: 'How should Cloud Integration authorize the sender?',
  initial: state => state.answers.option ?? state.context.defaults?.option,
  values: ['role-based', 'certificate-in-iflow'],
  choices: () => [
    {value: 'role-based', label: 'Option 1: role-based (recommended)', hint: 'certificate in a service key, role on the instance; renewals need no redeploy'},
    {value: 'certificate-in-iflow', label: 'Option 2: certificate in the integration flow (not recommended)', hint: 'sender channel checks subject and issuer DN; every change needs a redeploy'},
  ],
  next: option => (option === 'role-based' ? 'choose-role' : 'option2-warning'),
  summary: option => (option === 'certificate-in-iflow' ? 'Option 2: certificate in the integration flow' : 'Option 1: role-based authorization'),
});

const option2Warning: Q = {
  kind: 'question',
  id: 'option2-warning',
  phase: 'Authorization',
  title: 'Option 2 warning',
  panels: () => [
    {
      tone: 'warning',
      title: 'SAP does not recommend Option 2',
      lines: [
        'Every certificate change (renewal included) needs a redeployment of the integration flow: a short downtime each time.',
        'The sender channel only compares subject DN and issuer DN, not the certificate itself: lower security.',
        'On Cloud Foundry the certificate must also be in a service key of an it-rt instance, which this wizard creates.',
        'That instance gets an explicit empty role list ("roles": []): without it the broker grants ESBMessaging.send, and the',
        "partner's certificate could call every role-based integration flow of the tenant.",
      ],
    },
  ],
  question: () => ({type: 'confirm', prompt: 'Continue with Option 2 anyway?', initial: false}),
  fromPlan: answers => (answers.option === 'certificate-in-iflow' ? true : undefined),
  apply: (state, value) => (value === true ? goto(state, 'instance-name') : goto({...state, history: state.history.slice(0, -1)}, 'choose-option')),
  summary: (_state, value) => (value ? 'Option 2 warning acknowledged' : 'Went back to the option choice'),
};

const chooseRole = selectStep<FlowState, 'roleChoice', 'ESBMessaging.send' | 'custom'>({
  id: 'choose-role', field: 'roleChoice', phase: 'Authorization', title: 'Role',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'The role must equal the User Role in the integration flow sender channel (Connection tab → Authorization: User Role).',
        'It goes into the service instance, not into the service key.',
      ],
    },
  ],
  prompt: 'Which role does the sender channel check?',
  initial: state => state.answers.roleChoice,
  values: ['ESBMessaging.send', 'custom'],
  choices: () => [
    {value: 'ESBMessaging.send', label: 'ESBMessaging.send', hint: 'SAP pre-delivered role, fine when no flow-specific check is needed'},
    {value: 'custom', label: 'A custom role', hint: 'only certificates of this instance may call flows with that role'},
  ],
  fromPlan: answers => answers.roleChoice ?? (answers.customRole ? 'custom' : undefined),
  next: roleChoice => (roleChoice === 'custom' ? 'custom-role' : 'instance-name'),
  summary: roleChoice => (roleChoice === 'custom' ? 'Role: custom' : `Role: ${DEFAULT_ROLE}`),
});

const customRole = textStep<FlowState, 'customRole'>({
  id: 'custom-role', field: 'customRole', phase: 'Authorization', title: 'Custom role',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'Create the role first in Cloud Integration: Monitor → Manage Security → User Roles → Add.',
        'Type it here exactly as there, and use the same name in the sender channel (User Role).',
      ],
    },
  ],
  prompt: 'Role name',
  initial: state => state.answers.customRole,
  placeholder: 'e.g. Orders.send', validate: validateRoleName, next: 'instance-name',
  summary: value => `Role: ${value} (custom; create it in User Roles)`,
});

const instanceName = textStep<FlowState, 'instanceName'>({
  id: 'instance-name', field: 'instanceName', phase: 'Service instance', title: 'Service instance name',
  panels: state => {
    const role = chosenRole(state.answers);
    return [
      {
        tone: 'info',
        title: `Parameters for ${IT_RT_OFFERING} / ${IFLOW_PLAN}`,
        lines: [
          ...(role ? [`Role JSON (as the User Roles monitor downloads it): ${JSON.stringify(roleJson(role))}`] : []),
          `Instance parameters: ${JSON.stringify(wantedInstanceParameters(state.answers))}`,
          'An existing instance of that name is checked and reused when it fits.',
        ],
      },
    ];
  },
  prompt: 'Service instance name',
  initial: state => state.answers.instanceName ?? state.context.defaults?.instanceName ?? DEFAULT_INSTANCE_NAME,
  validate: validateInstanceName, next: 'lookup-instance',
  summary: value => `Instance name: ${value}`,
});

const lookupInstance: E<'lookup-instance'> = {
  kind: 'effect',
  id: 'lookup-instance',
  phase: 'Service instance',
  title: 'Looking for an existing instance of that name',
  effect: state => ({type: 'lookup-instance', name: state.answers.instanceName ?? ''}),
  onResult(state, result) {
    // A run that goes back to the name forgets an instance chosen earlier.
    const next: FlowState = {...state, facts: {...state.facts, existingInstance: result.instance, instance: undefined}};
    if (!result.instance) return goto(trail(next, `No instance named ${state.answers.instanceName} yet: it will be created once every input is checked`, 'verified'), 'certificate-source');
    return goto(next, 'instance-existing');
  },
};

const instanceExisting: Q = {
  kind: 'question',
  id: 'instance-existing',
  phase: 'Service instance',
  title: 'Existing instance',
  panels(state) {
    const existing = state.facts.existingInstance;
    if (!existing) return [];
    const a = assessInstance(existing, wantedRoles(state.answers));
    const lines = [
      `${existing.name} (${existing.offeringName ?? '?'} / ${existing.planName ?? '?'}, guid ${existing.guid})`,
      a.parametersKnown ? `Parameters: ${JSON.stringify(existing.parameters)}` : 'The broker does not allow reading its parameters; roles and grant types cannot be checked.',
    ];
    if (a.failedOperation?.type === 'create') {
      return [{tone: 'error', title: 'An instance with this name exists, but its creation failed', lines: [...lines, a.conflict ?? '', 'It holds no keys. Remove it and create it anew, or use another name.']}];
    }
    if (a.conflict) return [{tone: 'error', title: 'An instance with this name exists and cannot be used', lines: [...lines, a.conflict]}];
    const problems: string[] = [];
    if (a.hasDeprecatedGrant)
      problems.push('It carries the deprecated grant type client_x509 (end of life January 2026): no new service key can be created and updates fail until it is replaced by client_credentials.');
    if (a.lacksClientCredentials && !a.hasDeprecatedGrant) problems.push('Its grant types lack client_credentials, which every certificate key type requires.');
    if (a.missingRoles.length > 0) problems.push(`Its roles ${JSON.stringify(a.roles)} lack ${a.missingRoles.join(', ')}. Role changes can take up to an hour to reach the runtime.`);
    if (problems.length === 0) return [{tone: 'success', title: 'An instance with this name exists and fits', lines}];
    return [
      {tone: 'warning', title: 'An instance with this name exists but needs a change', lines: [...lines, ...problems]},
      {tone: 'info', title: 'The update would send the full parameter set', lines: [JSON.stringify(a.repairedParameters)]},
    ];
  },
  question(state) {
    const existing = state.facts.existingInstance!;
    const a = assessInstance(existing, wantedRoles(state.answers));
    const choices = [];
    if (!a.conflict && a.repairedParameters) choices.push({value: 'update', label: 'Update the instance', hint: 'cf update-service with the full parameter set, after all inputs are checked'});
    if (!a.conflict && !a.repairedParameters) choices.push({value: 'reuse', label: 'Reuse it'});
    choices.push({value: 'rename', label: 'Use another instance name'});
    // Destructive, so never the first (default) choice.
    if (a.failedOperation?.type === 'create') choices.push({value: 'remove', label: 'Remove it, then create it anew', hint: `cf delete-service ${existing.name} -f`});
    choices.push({value: 'quit', label: 'Quit'});
    return {type: 'select', prompt: 'What should happen with it?', choices, initial: choices[0].value};
  },
  fromPlan(answers, state) {
    const existing = state.facts.existingInstance;
    if (!existing) return undefined;
    const a = assessInstance(existing, wantedRoles(answers));
    if (a.failedOperation?.type === 'create' && answers.onFailure === 'remove') return 'remove';
    if (a.conflict) return 'quit';
    if (!a.repairedParameters) return 'reuse';
    return answers.instanceAction === 'update' ? 'update' : 'quit';
  },
  apply(state, value) {
    const existing = state.facts.existingInstance!;
    if (value === 'reuse') {
      const reused = {...state, answers: {...state.answers, instanceAction: 'reuse' as const}, facts: {...state.facts, instance: existing}};
      return goto(record(reused, {kind: 'reused', what: 'service instance', name: existing.name, guid: existing.guid}), 'certificate-source');
    }
    if (value === 'update') return goto({...state, answers: {...state.answers, instanceAction: 'update'}}, 'certificate-source');
    if (value === 'rename') return goto(state, 'instance-name');
    if (value === 'remove') return goto(state, 'remove-failed-instance');
    const a = assessInstance(existing, wantedRoles(state.answers));
    return stopWith(state, {
      code: 'instance-unusable',
      message: `Instance ${existing.name} was left unchanged and cannot be used as it is${a.conflict ? `: ${a.conflict}` : '.'}`,
      fix: a.failedOperation?.type === 'create'
        ? [`Remove it: cf delete-service ${existing.name} -f (in a plan: onFailure: remove does this before creating it anew), or use another instance name.`]
        : ['Run again with another instance name, or let the wizard update the instance (in a plan: instance.update: true).'],
    });
  },
  summary(state, value) {
    const name = state.facts.existingInstance?.name;
    const texts: Record<string, string> = {
      reuse: `Reusing instance ${name}`,
      update: `Instance ${name} will be updated`,
      rename: `Not using ${name}`,
      remove: `Removing the failed instance ${name}`,
    };
    return Object.hasOwn(texts, String(value)) ? texts[String(value)]! : `Stopped at instance ${name}`;
  },
};

/** Removes an instance whose creation failed (it holds nothing), so the name can be used again. */
const removeFailedInstance: E<'cleanup'> = {
  kind: 'effect',
  id: 'remove-failed-instance',
  phase: 'Service instance',
  title: 'Removing the instance whose creation failed',
  effect: state => ({type: 'cleanup', resources: [{kind: 'instance', instanceName: state.facts.existingInstance?.name ?? state.answers.instanceName ?? ''}]}),
  onResult(state, result) {
    const existing = state.facts.existingInstance;
    let next: FlowState = {...state, facts: {...state.facts, existingInstance: null}};
    for (const removed of result.removed) {
      next = record(next, {kind: 'deleted', what: 'service instance', name: removed.instanceName, guid: existing?.guid, note: 'its creation had failed (found by this run)'});
    }
    return goto(trail(next, `Removed the failed instance ${existing?.name ?? ''}; it will be created anew once every input is checked`, 'done'), 'certificate-source');
  },
};

/**
 * The order of a setup: every answer and input file is read and checked first (names, role,
 * certificate, private key, api key file, duplicate scan), and only then does anything change
 * in Cloud Foundry: instance (create or update), then the key. A refused input leaves nothing behind.
 */
function firstWrite(state: FlowState): SetupStepId {
  if (state.facts.instance) return 'create-key';
  if (state.answers.instanceAction === 'update' && state.facts.existingInstance) return 'update-instance';
  return 'create-instance';
}

/** All questions are answered and all files read: scan for duplicates (a read), then write. */
function inputsChecked(state: FlowState): SetupStepId {
  return state.answers.certificateSource === 'external' ? 'scan-duplicates' : firstWrite(state);
}

/** After the key: the tenant checks when chosen, then the live test when chosen. */
function afterKey(state: FlowState): FlowState {
  const mode = state.answers.tenantChecks?.mode;
  if (mode === 'create' || mode === 'file') return goto(state, 'check-tenant');
  return state.answers.liveTest?.run ? goto(state, 'live-test-path') : afterLiveTest(state);
}

/** Instance parameters as the trail states them: read back, or only sent (not checked). */
function parametersSummary(instance: {parametersSource?: 'stored' | 'sent'; parametersUnreadable?: string}): {text: string; status: 'verified' | 'done'} {
  return instance.parametersSource === 'stored'
    ? {text: 'parameters read back and verified', status: 'verified'}
    : {text: `parameters not read back (${instance.parametersUnreadable ?? 'the broker does not return them'}): roles not checked`, status: 'done'};
}

/** The instance is created or updated: record it, say whether its parameters were read back, and go on to the key. */
function instanceInPlace(state: FlowState, instance: InstanceFact, kind: ActionRecord['kind'], note: string, done: string): FlowState {
  const next = record({...state, facts: {...state.facts, instance}}, {kind, what: 'service instance', name: instance.name, guid: instance.guid, note});
  const params = parametersSummary(instance);
  return goto(trail(next, `Instance ${instance.name} ${done}; ${params.text}`, params.status), 'create-key');
}

const createInstance: E<'create-instance'> = {
  kind: 'effect',
  id: 'create-instance',
  phase: 'Service instance',
  title: 'Creating the service instance',
  effect: state => ({type: 'create-instance', offering: IT_RT_OFFERING, plan: IFLOW_PLAN, name: state.answers.instanceName ?? '', parameters: wantedInstanceParameters(state.answers)}),
  onResult(state, result) {
    // "Already exists" after a resume or a lost answer is still this run's instance when it was created after the run began.
    const createdByUs = !result.alreadyExisted || createdDuringRun(state, result.instance.createdAt);
    // A failed attempt's leftover is gone now: the retry removes it before creating (or creating would have failed).
    const withoutLeftover = {...state, facts: {...state.facts, actions: withoutFailedLeftover(state, 'service instance', result.instance.name)}};
    const note = createdByUs ? `${IT_RT_OFFERING} / ${IFLOW_PLAN}, ${parametersSummary(result.instance).text}` : 'appeared while the wizard ran';
    const done = createdByUs ? `created (${result.instance.guid})` : `found (${result.instance.guid}), created outside this run`;
    return instanceInPlace(withoutLeftover, result.instance, createdByUs ? 'created' : 'reused', note, done);
  },
  onError: (state, error) => goto(recordFailedLeftover(state, error, 'service instance', state.answers.instanceName ?? ''), 'step-failed', {error}),
};

const updateInstance: E<'update-instance'> = {
  kind: 'effect',
  id: 'update-instance',
  phase: 'Service instance',
  title: 'Updating the service instance',
  effect(state) {
    const existing = state.facts.existingInstance!;
    const a = assessInstance(existing, wantedRoles(state.answers));
    return {type: 'update-instance', name: existing.name, parameters: a.repairedParameters ?? wantedInstanceParameters(state.answers)};
  },
  onResult: (state, result) =>
    instanceInPlace(state, result.instance, 'updated', 'parameters replaced with the full set; role changes can take up to an hour to reach the runtime', 'updated'),
};

const certificateSource = selectStep<FlowState, 'certificateSource', CertificateSource>({
  id: 'certificate-source', field: 'certificateSource', phase: 'Client certificate', title: 'Client certificate source',
  prompt: 'Which client certificate will the sender use?',
  initial: state => state.answers.certificateSource,
  values: ['external', 'sap-generated', 'new-csr'],
  choices: state => [
    {value: 'external', label: 'A certificate file I have (PEM, DER or PKCS#12)', hint: 'issued by a CA the SAP load balancer trusts'},
    ...(isOption2(state) ? [] : [{value: 'sap-generated' as const, label: 'Let SAP generate one (key type "certificate")', hint: 'valid up to 365 days; the private key comes with the key'}]),
    {value: 'new-csr', label: 'I have none yet: create a private key and a CSR', hint: 'for a CA the load balancer trusts; continue when the certificate is back'},
  ],
  next: source => (source === 'external' ? 'certificate-path' : source === 'new-csr' ? 'csr-subject' : 'sap-key-validity'),
  summary: source => (source === 'sap-generated' ? 'Certificate: SAP-generated' : source === 'new-csr' ? 'Certificate: new key and CSR' : 'Certificate: external file'),
});

const csrSubject = answerStep<FlowState>({
  id: 'csr-subject', phase: 'Client certificate', title: 'CSR subject', prompt: 'Common name (CN) of the sender system',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'The private key is created here and never leaves this machine (written 0600). The CSR asks for the clientAuth EKU:',
        'public CAs dropped it by default since 2025; SAP Cloud Root CA certificates (BTP Destination service) work from a CSR too.',
      ],
    },
  ],
  initial: state => state.answers.csr?.commonName ?? 's4hana-sender',
  validate: value => (/^[^,=+<>#;"\\]{1,64}$/.test(value) ? null : 'Use 1 to 64 characters without , = + < > # ; " or \\.'),
  fromPlan: answers => answers.csr?.commonName,
  write: (answers, commonName) => ({...answers, csr: {keyType: 'rsa-2048', ...answers.csr, commonName}}),
  next: 'csr-key-type',
  summary: value => `CSR subject: CN=${value}`,
});

const csrKeyType = answerStep<FlowState>({
  id: 'csr-key-type', phase: 'Client certificate', title: 'Key type', prompt: 'Key type',
  initial: state => state.answers.csr?.keyType ?? 'rsa-2048',
  choices: () => [
    {value: 'rsa-2048', label: 'RSA 2048', hint: 'accepted everywhere'},
    {value: 'rsa-3072', label: 'RSA 3072'},
    {value: 'rsa-4096', label: 'RSA 4096', hint: 'takes a few seconds'},
    {value: 'ec-p256', label: 'EC P-256', hint: 'check that the sender system supports EC keys'},
  ],
  fromPlan: answers => answers.csr?.keyType ?? (answers.csr ? 'rsa-2048' : undefined),
  read: String,
  write: (answers, keyType) => ({...answers, csr: {commonName: answers.csr?.commonName ?? 'sender', ...answers.csr, keyType: keyType as CsrKeyType}}),
  next: 'generate-csr',
  summary: value => `Key type: ${value}`,
});

const generateCsr: E<'generate-csr'> = {
  kind: 'effect',
  id: 'generate-csr',
  phase: 'Client certificate',
  title: 'Creating the private key and the CSR',
  effect: state => ({type: 'generate-csr', commonName: state.answers.csr?.commonName ?? 'sender', organization: state.answers.csr?.organization, keyType: state.answers.csr?.keyType ?? 'rsa-2048'}),
  onResult(state, result) {
    const next = {...state, facts: {...state.facts, csr: result}};
    return goto(trail(next, `Private key and CSR written (${result.subject})`), 'csr-next');
  },
};

const csrNext: Q = {
  kind: 'question',
  id: 'csr-next',
  phase: 'Client certificate',
  title: 'Next: get the CSR signed',
  panels: state => [
    {
      tone: 'success',
      title: 'Key and CSR are ready',
      lines: [
        `CSR          ${state.facts.csr?.csr ?? ''}`,
        `Private key  ${state.facts.csr?.privateKey ?? ''} (0600, keep it on the sender side)`,
        '1. Send the CSR to a CA on SAP\'s load balancer list and ask for Extended Key Usage "TLS Web Client Authentication".',
        '2. When the certificate is back: cpi-mtls cert inspect <certificate> --key <private key>',
        '3. Then run the wizard again with "A certificate file I have". Nothing was created in Cloud Foundry yet.',
      ],
    },
  ],
  question: () => ({type: 'select', prompt: 'Next', choices: [{value: 'finish', label: 'Write the checklist and stop here'}]}),
  fromPlan: () => 'finish',
  apply: state => goto(state, 'save-plan'),
  summary: () => 'Waiting for the CA to sign the CSR',
};

const exportPkcs12 = selectStep<FlowState, 'exportPkcs12', 'skip' | 'modern' | 'legacy'>({
  id: 'export-pkcs12', field: 'exportPkcs12', phase: 'Checklist', title: 'PKCS#12 for the sender',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'The sender system imports key, leaf and intermediates as one PKCS#12 (STRUST, Java keytool, Postman).',
        'Its password is generated and written to a 0600 file next to it; it is never printed or logged.',
      ],
    },
  ],
  prompt: 'Write a PKCS#12 for the sender system?',
  values: ['skip', 'modern', 'legacy'],
  choices: () => [
    {value: 'modern', label: 'Yes (AES-256, SHA-256)', hint: 'current keytool, openssl 3, STRUST, Postman'},
    {value: 'legacy', label: 'Yes, with legacy algorithms (3DES, SHA-1)', hint: 'for older importers'},
    {value: 'skip', label: 'No'},
  ],
  fromPlan: answers => answers.exportPkcs12 ?? 'skip',
  next: choice => (choice === 'skip' ? 'save-plan' : 'write-pkcs12'),
  summary: choice => (choice === 'skip' ? 'No PKCS#12' : `PKCS#12 for the sender (${choice})`),
});

const writePkcs12: E<'export-pkcs12'> = {
  kind: 'effect',
  id: 'write-pkcs12',
  phase: 'Checklist',
  title: 'Writing the PKCS#12 for the sender',
  effect(state) {
    const credentials = liveTestCredentials(state)!;
    return {type: 'export-pkcs12', ...credentials, legacy: state.answers.exportPkcs12 === 'legacy'};
  },
  onResult(state, result) {
    const next = {...state, facts: {...state.facts, pkcs12: result}};
    return goto(trail(next, `PKCS#12 written: ${result.file}${result.passwordFile ? ` (password in ${result.passwordFile})` : ''}`), 'save-plan');
  },
};

/** Offers the PKCS#12 export when a private key is at hand (SAP-generated, PKCS#12 input, or the live test's key). */
function afterLiveTest(state: FlowState): FlowState {
  return goto(state, liveTestCredentials(state) ? 'export-pkcs12' : 'save-plan');
}

const certificatePath = certificatePathStep<FlowState>({
  phase: 'Client certificate', prompt: 'Path to the certificate file', emptyError: 'Enter the path of the certificate file.', forgetPassword: true,
  panels: state => [
    ...errorPanel(state.error),
    {
      tone: 'info',
      lines: [
        'Give the client certificate: the leaf alone, or leaf plus chain (PEM), DER, or a PKCS#12 file.',
        'Only the leaf goes into the service key; the chain is what the sender sends on the wire.',
      ],
    },
  ],
});

const certificatePassword = certificatePasswordStep<FlowState>({
  phase: 'Client certificate', title: 'PKCS#12 password', prompt: 'Password of the PKCS#12 file',
  panels: state => errorPanel(state.error),
  fromPlan: answers => answers.certificatePassword,
  read: str, summary: 'PKCS#12 password given',
});

const loadCertificate = loadCertificateStep<FlowState>({
  phase: 'Client certificate', title: 'Reading and checking the certificate',
  trustedRoots: state => state.answers.trustedRoots,
  onResult(state, result) {
    const next: FlowState = {...state, facts: {...state.facts, certificate: result}};
    const failing = result.checks.filter(c => c.verdict === 'fail').map(c => c.title);
    const summary =
      result.verdict === 'fail'
        ? `Certificate checks failed: ${failing.join(', ')}`
        : result.verdict === 'warn'
          ? `Certificate checks passed with warnings: ${result.checks.filter(c => c.verdict === 'warn').map(c => c.title).join(', ')}`
          : 'Certificate checks passed';
    return goto(trail(next, summary, result.verdict === 'fail' ? 'failed' : 'verified'), 'certificate-review');
  },
  unreadable: (state, error) => goto({...state, history: state.history.slice(0, -1), trail: state.trail.slice(0, -1)}, 'certificate-path', {error}),
});

const certificateReview: Q = {
  kind: 'question',
  id: 'certificate-review',
  phase: 'Client certificate',
  title: 'Certificate check',
  panels: certificatePanels,
  question(state) {
    const verdict = state.facts.certificate?.verdict;
    const choices =
      verdict === 'fail'
        ? [
            {value: 'other', label: 'Use another certificate file'},
            ...(onlyChainIncomplete(state)
              ? [{value: 'leaf-only', label: 'Continue with the leaf: the key takes it alone', hint: 'the live test shows what the load balancer does when the sender lacks the chain'}]
              : []),
            {value: 'quit', label: 'Quit'},
          ]
        : [
            {value: 'continue', label: verdict === 'warn' ? 'Use it despite the warnings' : 'Use this certificate'},
            {value: 'other', label: 'Use another certificate file'},
          ];
    return {type: 'select', prompt: verdict === 'fail' ? 'Fix the certificate first' : 'Continue?', choices, initial: choices[0].value};
  },
  fromPlan(answers, state) {
    const verdict = state.facts.certificate?.verdict;
    if (verdict === 'pass') return 'continue';
    if (verdict === 'warn') return answers.acceptCertificateWarnings ? 'continue' : 'quit';
    if (answers.acceptIncompleteChain && onlyChainIncomplete(state)) return 'leaf-only';
    return 'quit';
  },
  apply(state, value) {
    if (value === 'continue' || value === 'leaf-only') {
      const answers: Answers = {
        ...state.answers,
        acceptCertificateWarnings: state.facts.certificate?.verdict === 'warn' ? true : state.answers.acceptCertificateWarnings,
        ...(value === 'leaf-only' ? {acceptIncompleteChain: true} : {}),
        // The suggested key name is derived from the certificate; an earlier answer wins.
        keyName: state.answers.keyName ?? suggestKeyName(state.facts.certificate?.leaf),
      };
      return goto({...state, answers}, 'key-name');
    }
    if (value === 'other') return anotherCertificate(state);
    const failing = (state.facts.certificate?.checks ?? []).filter(c => c.verdict === 'fail');
    return stopWith(state, {
        code: 'certificate-rejected',
        message: `Stopped: the client certificate does not pass the checks (nothing was created). ${failing.map(c => `${c.title}: ${c.message}`).join(' ')}`.trim(),
        fix: (state.facts.certificate?.checks ?? []).filter(c => c.verdict === 'fail' && c.fix).map(c => c.fix!),
    });
  },
  summary(state, value) {
    const leaf = state.facts.certificate?.leaf;
    const name = leaf ? commonNameOf(leaf.subject) ?? leaf.subject : '';
    if (value === 'leaf-only') return `Certificate ${name}: leaf accepted without its chain`;
    return value === 'continue' ? `Certificate ${name} (${state.facts.certificate?.verdict}) accepted` : 'Certificate not used';
  },
};

const sapKeyValidity = sapKeyValidityStep<FlowState>({
  phase: 'Client certificate', title: 'Validity of the SAP-generated certificate',
  lines: [
    'SAP generates the key pair and a certificate issued by "SAP PKI Certificate Service Client CA"; the private key comes back in the service key.',
    'The wizard writes the certificate chain and the private key (0600) to the output folder for the sender system.',
  ],
  next: 'sap-key-length',
});

const sapKeyLength = answerStep<FlowState>({
  id: 'sap-key-length', phase: 'Client certificate', title: 'Key length', prompt: 'Key length',
  initial: state => String(state.answers.sapKey?.keyLength ?? SAP_KEY_DEFAULT.keyLength),
  choices: () => [
    {value: '2048', label: '2048 bits', hint: 'SAP default'},
    {value: '4096', label: '4096 bits', hint: 'check that your landscape accepts it; other values are not documented'},
  ],
  fromPlan: answers => (answers.sapKey ? String(answers.sapKey.keyLength) : undefined),
  read: String,
  write: (answers, value, state) => ({
    ...answers,
    sapKey: {validityDays: answers.sapKey?.validityDays ?? SAP_KEY_DEFAULT.validityDays, keyLength: Number(value)},
    keyName: answers.keyName ?? `sap-generated-${state.context.startedAt.slice(0, 10)}`,
  }),
  next: 'key-name',
  summary: value => `Key length: ${value} bits`,
});

const keyName = textStep<FlowState, 'keyName'>({
  id: 'key-name', field: 'keyName', phase: 'Service key', title: 'Service key name', prompt: 'Service key name',
  panels: state =>
    state.answers.certificateSource === 'external'
      ? [{tone: 'info', lines: ['One service key per client certificate. Before creating it, every integration-flow key in the space is checked for the same certificate.']}]
      : [],
  initial: state => state.answers.keyName,
  validate: validateKeyName, next: 'live-test',
  summary: value => `Key name: ${value}`,
});

const scanDuplicates: E<'scan-duplicates'> = {
  kind: 'effect',
  id: 'scan-duplicates',
  phase: 'Service key',
  title: 'Scanning every integration-flow key in the org for the same certificate',
  // SAP's rule is one certificate once across the tenant; a subaccount's instances can sit in any space of its org.
  effect(state) {
    const leaf = state.facts.certificate!.leaf!;
    return {type: 'scan-duplicates', plan: IFLOW_PLAN, fingerprint256: leaf.fingerprint256, subject: leaf.subject, issuer: leaf.issuer, scope: 'org'};
  },
  onResult(state, result) {
    const next: FlowState = {...state, facts: {...state.facts, duplicates: result.duplicates, unreadableKeys: result.unreadable}};
    const sameKey = keyInPlace(next);
    const blocking = result.duplicates.filter(d => d.match === 'certificate' && d !== sameKey);
    const where = `${result.keysScanned} key(s) in ${result.instancesScanned} instance(s)${result.spacesScanned ? ` across ${result.spacesScanned} space(s) of the org` : ''}`;
    if (blocking.length > 0) return goto(trail(next, `Scanned ${where}: certificate already in ${blocking.length} key(s)`, 'failed'), 'duplicate-found');
    const unread = result.unreadable.length;
    const summary =
      unread > 0
        ? `Scanned ${where}: not found, but ${unread} key(s) could not be read (${result.unreadable.map(u => `${u.instanceName}/${u.keyName}`).join(', ')})`
        : `Scanned ${where}: certificate not used elsewhere`;
    // The same certificate already sits in the key of this name: nothing to create (re-run).
    return goto(trail(next, summary, unread > 0 ? 'not-checked' : 'verified'), firstWrite(next));
  },
};

/** The key of this name on this instance, when it already holds the certificate (a re-run): nothing to create. */
function keyInPlace(state: FlowState): DuplicateFact | undefined {
  const instanceName = state.facts.instance?.name ?? state.answers.instanceName;
  return state.facts.duplicates?.find(d => d.match === 'certificate' && d.instanceName === instanceName && d.keyName === state.answers.keyName);
}

const duplicateFound: Q = {
  kind: 'question',
  id: 'duplicate-found',
  phase: 'Service key',
  title: 'Certificate already in use',
  panels(state) {
    const dups = (state.facts.duplicates ?? []).filter(d => d.match === 'certificate');
    return [
      {
        tone: 'error',
        title: 'This certificate is already in another service key',
        lines: [
          ...dups.map(d => `• instance ${d.instanceName}, key ${d.keyName}`),
          'Cloud Foundry would accept a second key, but every runtime call would then fail with 401 invalid_client:',
          '"Either the client certificate is not configured exactly once in a service key …".',
          'To give one certificate several roles, add the roles to the instance that already holds it instead.',
        ],
      },
    ];
  },
  question: () => ({
    type: 'select',
    prompt: 'What now?',
    choices: [
      {value: 'other', label: 'Use another certificate'},
      {value: 'quit', label: 'Quit (nothing more is created)'},
    ],
  }),
  fromPlan: () => 'quit',
  apply(state, value) {
    if (value === 'other') return anotherCertificate(state);
    const dups = (state.facts.duplicates ?? []).filter(d => d.match === 'certificate');
    return stopWith(state, {
      code: 'duplicate-certificate',
      message: `The certificate is already in ${dups.map(d => `${d.instanceName}/${d.keyName}`).join(', ')}; no key was created.`,
      fix: [`Add the role to instance ${dups[0]?.instanceName ?? ''} instead (cf update-service … -c with the full parameter set), or use another certificate.`],
    });
  },
  summary: (_state, value) => (value === 'other' ? 'Chose another certificate' : 'Stopped: duplicate certificate'),
};

const createKey: E<'create-key'> = {
  kind: 'effect',
  id: 'create-key',
  phase: 'Service key',
  title: 'Creating the service key',
  effect(state) {
    const base = {type: 'create-key' as const, instanceName: state.facts.instance?.name ?? state.answers.instanceName ?? '', keyName: state.answers.keyName ?? ''};
    const parameters = keyCertificateParameters(state.answers, state.facts.certificate?.leaf);
    if (state.answers.certificateSource === 'sap-generated') return {...base, ...parameters};
    return {...base, ...parameters, existingKeyGuid: keyInPlace(state)?.keyGuid};
  },
  onResult(state, result) {
    const next = record({...state, facts: {...state.facts, key: result, actions: withoutFailedLeftover(state, 'service key', `${result.instanceName}/${result.name}`)}}, {
      kind: result.alreadyExisted ? 'reused' : 'created',
      what: 'service key',
      name: `${result.instanceName}/${result.name}`,
      guid: result.guid,
      note: result.alreadyExisted ? 'already held this certificate' : result.certificateVerified ? 'certificate read back and verified' : undefined,
    });
    const verified = result.certificateVerified === true || Boolean(result.files);
    const summary = `${result.alreadyExisted ? 'Key already in place' : 'Key created'}: ${result.name} · clientid ${result.clientId ?? '?'}${result.certificateVerified ? ' · certificate read back and verified' : ''}`;
    return afterKey(trail(next, summary, verified ? 'verified' : 'done'));
  },
  onError: (state, error) => goto(recordFailedLeftover(state, error, 'service key', `${state.facts.instance?.name ?? state.answers.instanceName}/${state.answers.keyName}`), 'step-failed', {error}),
};

const tenantChecks = answerStep<FlowState>({
  id: 'tenant-checks', phase: 'Live test', title: 'Tenant checks', prompt: 'Check the tenant through its API?',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'With access to the Cloud Integration API (plan "api"), cpi-mtls checks the tenant itself:',
        'the key pair sap_cloudintegrationcertificate in the keystore, the deployed endpoints,',
        'and the sender channel authorization of each integration flow. Without it, the checklist says where to look.',
      ],
    },
  ],
  choices: () => [
    {value: 'create', label: 'Yes, with a temporary api instance and key', hint: 'read-only roles; removed right after the checks'},
    {value: 'file', label: 'Yes, with an api service key I have (JSON file)'},
    {value: 'skip', label: 'No, list the checks for the checklist'},
  ],
  fromPlan: answers => answers.tenantChecks?.mode ?? 'skip',
  read: String,
  write: (answers, value) => ({...answers, tenantChecks: {...answers.tenantChecks, mode: value === 'create' || value === 'file' ? value : 'skip'}}),
  next: state => (state.answers.tenantChecks?.mode === 'file' ? 'tenant-key-path' : inputsChecked(state)),
  summary: value => (value === 'skip' ? 'Tenant checks: skipped (manual items in the checklist)' : 'Tenant checks: through the API'),
});

const tenantKeyPath = answerStep<FlowState>({
  id: 'tenant-key-path', phase: 'Live test', title: 'API service key', prompt: 'Path to the api service key JSON', completion: 'path',
  panels: state => [...errorPanel(state.error), {tone: 'info', lines: ['The JSON of a service key of plan "api" (cf service-key <instance> <key> > api-key.json). Its secret is read locally and never printed.']}],
  initial: state => state.answers.tenantChecks?.apiKeyPath,
  validate: value => (value === '' ? 'Enter the path of the service key JSON file.' : null),
  fromPlan: answers => answers.tenantChecks?.apiKeyPath,
  write: (answers, apiKeyPath) => ({...answers, tenantChecks: {mode: 'file', ...answers.tenantChecks, apiKeyPath}}),
  next: 'check-api-key',
  summary: value => `API key file: ${value}`,
});

const checkApiKey: E<'check-api-key'> = {
  kind: 'effect',
  id: 'check-api-key',
  phase: 'Live test',
  title: 'Reading the api service key',
  effect: state => ({type: 'check-api-key', path: state.answers.tenantChecks?.apiKeyPath ?? ''}),
  onResult: state => goto(trail(state, 'API key file read: url, token URL, client id and secret present', 'verified'), inputsChecked(state)),
  // Back to the question with the reason; the file is read again when answered again.
  onError: (state, error) => goto({...state, history: state.history.slice(0, -1), trail: state.trail.slice(0, -1)}, 'tenant-key-path', {error}),
};

const checkTenant: E<'tenant-checks'> = {
  kind: 'effect',
  id: 'check-tenant',
  phase: 'Live test',
  title: 'Checking the tenant: keystore, endpoints, sender channels',
  effect: state => ({
    type: 'tenant-checks',
    mode: state.answers.tenantChecks?.mode === 'file' ? 'file' : 'create',
    apiKeyPath: state.answers.tenantChecks?.apiKeyPath,
    keepApiInstance: Boolean(state.answers.tenantChecks?.keepApiInstance),
    option: isOption2(state) ? 2 : 1,
    instanceRoles: stringArray(state.facts.instance?.parameters?.roles),
    runtimeUrl: state.facts.key?.url,
  }),
  onResult(state, result) {
    let next: FlowState = {...state, facts: {...state.facts, tenant: result}};
    if (result.temporary) {
      const name = result.temporary.instanceName;
      next = record(next, {kind: 'created', what: 'service instance', name, note: 'temporary, plan api, for the tenant checks'});
      if (result.temporary.removed) next = record(next, {kind: 'deleted', what: 'service instance', name, note: 'temporary api instance removed after the checks'});
      else if (!state.answers.tenantChecks?.keepApiInstance) next = trail(next, `Temporary api instance ${name} could not be removed: remove it by hand (see the checklist)`, 'failed');
    }
    const keystore = result.keystore?.verdict === 'not-checked' ? undefined : result.keystore;
    const keystoreText = !keystore
      ? 'key pair not checked'
      : keystore.verdict === 'fail'
        ? `key pair sap_cloudintegrationcertificate: ${keystore.message}`
        : 'key pair sap_cloudintegrationcertificate present';
    const summary = result.reachable
      ? `Tenant: ${keystoreText}; ${result.endpoints.length} endpoint(s)${result.trial ? '; trial tenant' : ''}`
      : `Tenant API not usable: ${result.error?.message ?? 'unknown error'}`;
    const status = !result.reachable || !keystore ? 'not-checked' : keystore.verdict === 'fail' || result.trial ? 'failed' : 'verified';
    return goto(trail(next, summary, status), 'tenant-results');
  },
};

/** The path of an endpoint URL (/http/orders): what the plan keeps, as the host differs per tenant. */
export function endpointPathOf(url: string): string {
  try {
    return /^https?:\/\//i.test(url) ? new URL(url).pathname : url;
  } catch {
    return url;
  }
}

/** The tenant's endpoint whose URL fits a path (or URL), e.g. to choose one without questions. */
function tenantEndpointFor(state: FlowState, pathOrUrl: string | undefined): TenantEndpointFact | undefined {
  if (!pathOrUrl) return undefined;
  const wanted = pathOrUrl.toLowerCase();
  return state.facts.tenant?.endpoints.find(e => e.url.toLowerCase() === wanted || e.url.toLowerCase().endsWith(wanted));
}

const tenantResults: Q = {
  kind: 'question',
  id: 'tenant-results',
  phase: 'Live test',
  title: 'Tenant check results',
  panels(state) {
    const t = state.facts.tenant;
    if (!t) return [];
    if (!t.reachable) return [{tone: 'warning', title: 'The tenant API could not be used', lines: [t.error?.message ?? '', ...(t.error?.fix ?? []).map(f => `→ ${f}`)]}];
    const tone = (v?: string) => (v === 'fail' ? 'error' : v === 'warn' || v === 'not-checked' ? 'warning' : 'success') as Panel['tone'];
    const panels: Panel[] = [];
    if (t.keystore) panels.push({tone: tone(t.keystore.verdict), title: `Keystore: sap_cloudintegrationcertificate`, lines: [t.keystore.message, ...(t.keystore.fix ? [`→ ${t.keystore.fix}`] : [])]});
    if (t.trial) panels.push({tone: 'error', title: 'Trial tenant', lines: ['Trial tenants cannot authenticate inbound calls with client certificates; only Basic authentication with clientid/clientsecret works.']});
    if (t.endpoints.length > 0) {
      panels.push({
        tone: 'info',
        title: 'Deployed endpoints',
        lines: t.endpoints.flatMap(e => [`${e.channel ? (e.channel.verdict === 'fail' ? '✖' : e.channel.verdict === 'warn' ? '⚠' : e.channel.verdict === 'not-checked' ? '?' : '✔') : '•'} ${e.iflowId}: ${e.url}${e.runtimeStatus ? ` (${e.runtimeStatus})` : ''}`, ...(e.channel && e.channel.verdict !== 'pass' ? [`   ${e.channel.message}`] : [])]),
      });
    }
    return panels;
  },
  question(state) {
    const endpoints = state.facts.tenant?.endpoints ?? [];
    if (!state.answers.liveTest?.run) return {type: 'select', prompt: 'Continue', choices: [{value: 'manual', label: 'Continue (no live test)'}]};
    const preferred = tenantEndpointFor(state, state.answers.liveTest?.path ?? demoEndpointPath(state.context, isOption2(state)))?.url;
    return {
      type: 'select',
      prompt: endpoints.length ? 'Which endpoint should the live test call?' : 'Continue',
      initial: preferred,
      choices: [...endpoints.map(e => ({value: e.url, label: e.iflowId, hint: e.url})), {value: 'manual', label: endpoints.length ? 'Type the endpoint myself' : 'Continue to the live test'}],
    };
  },
  fromPlan: (answers, state) => (answers.liveTest?.run ? tenantEndpointFor(state, answers.liveTest?.path)?.url : undefined) ?? 'manual',
  apply(state, value) {
    if (!state.answers.liveTest?.run) return afterLiveTest(state);
    if (value === 'manual') return goto(state, 'live-test-path');
    // The endpoint comes from the tenant: the plan keeps its path, which works for the next tenant too.
    const next = {...state, answers: {...state.answers, liveTest: {...state.answers.liveTest, run: true, path: endpointPathOf(String(value))}}};
    // The probe needs a certificate and key at hand; without them the key question comes first.
    return goto(next, liveTestCredentials(next) ? 'probe' : 'live-test-key');
  },
  summary: (_state, value) => (value === 'manual' ? 'Tenant checks reviewed' : `Endpoint from the tenant: ${String(value)}`),
};

const liveTest = liveTestStep<FlowState>({
  lines: [
    'Once the key exists, the wizard can call the integration flow endpoint with the client certificate,',
    'capture the load balancer chain (and its root for the sender trust store) and explain any failure.',
  ],
  prompt: 'Run the live connectivity test after the key is created?',
  choices: [
    {value: 'run', label: 'Yes', hint: 'the integration flow must be deployed with the same role'},
    {value: 'skip', label: 'No', hint: 'it becomes a to-do in the checklist'},
  ],
  summaryRun: 'Live test: after the key is created',
  // The private key is asked for (and matched with the certificate) now, before anything is created.
  onRun: state => goto(state, state.answers.certificateSource === 'external' && !state.facts.certificate?.hasPrivateKey ? 'live-test-key' : 'tenant-checks'),
  onSkip: state => goto(state, 'tenant-checks'),
});

const liveTestPath = liveTestPathStep<FlowState>({
  option2: isOption2,
  hasCredentials: state => liveTestCredentials(state) !== null,
});

const liveTestKey = liveTestKeyStep<FlowState>({
  hint: 'The live test needs the private key of the client certificate (PEM). It is read locally, matched with the certificate, and never uploaded or printed.',
  initial: state => state.context.defaults?.privateKeyPath,
  next: 'check-private-key',
  panels: state => errorPanel(state.error),
});

const checkPrivateKey: E<'check-private-key'> = {
  kind: 'effect',
  id: 'check-private-key',
  phase: 'Client certificate',
  title: 'Matching the private key with the certificate',
  effect: state => ({type: 'check-private-key', certificatePem: state.facts.certificate?.leaf?.pem ?? '', privateKeyPath: state.answers.liveTest?.privateKeyPath ?? ''}),
  onResult(state) {
    const next = trail({...state, facts: {...state.facts, privateKeyChecked: true}}, 'Private key matches the certificate', 'verified');
    return goto(next, state.facts.key ? 'probe' : 'tenant-checks');
  },
  onError: (state, error) => goto({...state, history: state.history.slice(0, -1), trail: state.trail.slice(0, -1)}, 'live-test-key', {error}),
};

const probe = probeStep<FlowState>({
  title: 'Calling the endpoint with the client certificate',
  credentials: state => liveTestCredentials(state)!,
  runtimeUrl: state => state.facts.key?.url,
  trail: result => ({summary: `Live test: ${result.summary}`, status: result.outcome === 'skipped' ? 'skipped' : result.success ? 'verified' : 'failed'}),
});

const probeResult = probeResultStep<FlowState>({
  extraLines: (_state, p) => [
    ...(p.comparison ? [`Basic authentication: ${p.basic?.status ? `HTTP ${p.basic.status}` : p.basic?.outcome ?? ''}. ${p.comparison}`] : []),
    ...(p.trustStoreFile ? [`Load balancer root for the sender trust store: ${p.trustStoreFile}`] : []),
  ],
  successLabel: 'Write the checklist', retryHint: 'e.g. after deploying the flow or waiting for the role cache',
  more: {
    choices: state =>
      canCompareBasic(state) ? [{value: 'compare', label: 'Compare with Basic authentication', hint: 'a temporary ClientId/Secret key on the same instance, deleted right after'}] : [],
    apply: (state, value) =>
      value === 'compare' ? goto({...state, answers: {...state.answers, liveTest: {run: true, ...state.answers.liveTest, compareBasic: true}}}, 'basic-compare') : undefined,
  },
  continueLabel: 'Write the checklist with this result',
  fromPlan: (answers, state) => (answers.liveTest?.compareBasic && canCompareBasic(state) ? 'compare' : 'continue'),
  onContinue: afterLiveTest,
});

/** A failed certificate call that Basic auth can tell apart: certificate problem or role problem. */
export function canCompareBasic(state: FlowState): boolean {
  const p = state.facts.probe;
  return Boolean(p && !p.success && !p.comparison && state.facts.instance && ['unauthorized', 'forbidden', 'handshake-rejected'].includes(p.outcome));
}

const basicCompare: E<'basic-compare'> = {
  kind: 'effect',
  id: 'basic-compare',
  phase: 'Live test',
  title: 'Calling the endpoint with Basic authentication for comparison',
  // The same call and facts as the first one: the comparison adds to the diagnosis, it does not replace it.
  effect: state => ({...probeEffectOf(state, liveTestCredentials(state)!, state.facts.key?.url), type: 'basic-compare', instanceName: state.facts.instance?.name ?? ''}),
  onResult(state, result) {
    const name = `${result.temporaryKey.instanceName}/${result.temporaryKey.keyName}`;
    let next: FlowState = {...state, facts: {...state.facts, probe: result.probe}};
    next = record(next, {kind: 'created', what: 'service key', name, note: 'temporary ClientId/Secret key for the Basic comparison'});
    if (result.temporaryKey.removed) next = record(next, {kind: 'deleted', what: 'service key', name, note: 'temporary key removed after the comparison'});
    else next = trail(next, `Temporary key ${name} could not be removed: cf delete-service-key ${result.temporaryKey.instanceName} ${result.temporaryKey.keyName} -f`, 'failed');
    return goto(trail(next, `Basic comparison: ${result.probe.comparison ?? result.probe.basic?.summary ?? 'done'}`, 'done'), 'probe-result');
  },
};

const report = reportSteps<FlowState, 'write-outputs'>({
  type: 'write-outputs', phase: 'Checklist', title: 'Writing the checklist and files',
  status: state => (Boolean(state.error) || blockingFindings(state).length > 0 ? 'failed' : 'done'),
  failedPhase: 'Service key', stopLabel: 'Stop and write the checklist', stopHint: 'it lists exactly what exists now',
  stop: state => stopWith(state, state.error),
});


const savePlan: Q = {
  kind: 'question',
  id: 'save-plan',
  phase: 'Checklist',
  title: 'Plan file',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'A plan file holds these answers (no passwords), so the next subaccount (QA, PROD) is one command:',
        'cpi-mtls apply --plan plan.yaml',
      ],
    },
  ],
  question: () => ({type: 'confirm', prompt: 'Save the answers as plan.yaml in the output folder?', initial: true}),
  fromPlan: () => false,
  apply: (state, value) => goto({...state, answers: {...state.answers, savePlan: value === true}}, 'write-outputs'),
  summary: (_state, value) => (value ? 'Answers saved as a plan file' : 'No plan file'),
};

const offerCleanup: Q = {
  kind: 'question',
  id: 'offer-cleanup',
  phase: 'Checklist',
  title: 'Clean up',
  panels: state => [
    ...errorPanel(state.error),
    {
      tone: 'info',
      title: 'This run created',
      lines: [...createdByThisRun(state).map(a => `• ${a.what} ${a.name}${a.guid ? ` (${a.guid})` : ''}`), 'Nothing that existed before this run is touched.'],
    },
  ],
  question: () => ({
    type: 'select',
    prompt: 'Keep them for another try, or remove them?',
    choices: [
      {value: 'keep', label: 'Keep them', hint: 'the checklist lists them with the commands to remove them later'},
      {value: 'remove', label: 'Remove what this run created'},
    ],
  }),
  fromPlan: answers => answers.onFailure ?? 'keep',
  apply: (state, value) => goto({...state, answers: {...state.answers, onFailure: value === 'remove' ? 'remove' : 'keep'}}, value === 'remove' ? 'cleanup' : 'write-outputs', {error: state.error}),
  summary: (_state, value) => (value === 'remove' ? 'Removing what this run created' : 'Kept what this run created'),
};

const cleanup: E<'cleanup'> = {
  kind: 'effect',
  id: 'cleanup',
  phase: 'Checklist',
  title: 'Removing what this run created',
  effect: state => ({
    type: 'cleanup',
    resources: createdByThisRun(state).map(a => (a.what === 'service key' ? {kind: 'key' as const, instanceName: a.name.split('/')[0], keyName: a.name.split('/')[1]} : {kind: 'instance' as const, instanceName: a.name})),
  }),
  onResult(state, result) {
    const removed = new Set(result.removed.map(r => (r.kind === 'key' ? `${r.instanceName}/${r.keyName}` : r.instanceName)));
    let next = state;
    for (const action of createdByThisRun(state)) {
      if (removed.has(action.name)) next = record(next, {kind: 'deleted', what: action.what, name: action.name, guid: action.guid, note: 'created by this run, removed after the failure'});
    }
    return goto(trail(next, `Removed ${removed.size} resource(s) this run created`), 'write-outputs', {error: state.error});
  },
  // A failed cleanup must not hide the original failure: report both in the checklist.
  onError: (state, error) =>
    goto(state, 'write-outputs', {error: state.error ? {...state.error, fix: [...state.error.fix, `Cleanup failed too: ${error.message}`]} : error}),
};

const steps: Step<FlowState>[] = [
  basicCompare,
  csrSubject,
  csrKeyType,
  generateCsr,
  csrNext,
  exportPkcs12,
  writePkcs12,
  savePlan,
  tenantChecks,
  tenantKeyPath,
  checkApiKey,
  checkPrivateKey,
  removeFailedInstance,
  checkTenant,
  tenantResults,
  offerCleanup,
  cleanup,
  preflight,
  blocked,
  confirmTarget,
  chooseOption,
  option2Warning,
  chooseRole,
  customRole,
  instanceName,
  lookupInstance,
  instanceExisting,
  createInstance,
  updateInstance,
  certificateSource,
  certificatePath,
  certificatePassword,
  loadCertificate,
  certificateReview,
  sapKeyValidity,
  sapKeyLength,
  keyName,
  scanDuplicates,
  duplicateFound,
  createKey,
  liveTest,
  liveTestPath,
  liveTestKey,
  probe,
  probeResult,
  ...report,
];

export const setupFlow: FlowDefinition<FlowState> = {
  name: 'setup',
  start: 'preflight',
  failureStep: 'step-failed',
  phases: ['Preflight', 'Authorization', 'Service instance', 'Client certificate', 'Service key', 'Live test', 'Checklist'],
  initialFacts: () => ({actions: []}),
  label: state => (state.answers.option === 'certificate-in-iflow' ? 'Option 2' : state.answers.option === 'role-based' ? 'Option 1' : undefined),
  steps: Object.fromEntries(steps.map(step => [step.id, step])),
};
