/**
 * Zero-downtime certificate renewal (Option 1, sap-cloud-integration.md §12.13): the renewed
 * certificate goes into a NEW service key on the same instance, is proven with a live call, and
 * only then is the old key deleted, on the user's confirmation. With Option 2 the sender channel
 * also lists the certificate, so the flow explains the redeploy and writes the channel file.
 *
 * The engine (src/lifecycle/renew.ts) runs the effects; headless runs answer from RenewAnswers
 * (the command's flags or a plan file).
 */
import type {AuditData, AuditInstance, AuditKey} from '../src/lifecycle/audit.js';
import {duplicateMatch} from './duplicates.js';
import {errorPanel, record, str, trail} from './common.js';
import {goto, type FlowDefinition} from './machine.js';
import {IFLOW_PLAN} from './parameters.js';
import {anotherCertificate, checksPanel, certificatePasswordStep, certificatePathStep, keyCertificateParameters, leafLines, loadCertificateStep, sapKeyValidityStep} from './steps/certificate.js';
import {selectStep, textStep} from './steps/question.js';
import {liveTestCredentialsOf, liveTestKeyStep, liveTestPathStep, liveTestStep, probeResultStep, probeStep, type LiveTestCredentials} from './steps/live-test.js';
import {readFailedStep, reportSteps} from './steps/run.js';
import type {Answers, CertificateAnswers, CertificateStepId, FrameStepId, LiveTestStepId, Choice, DuplicateFact, Effect, EffectResults, EffectStep, Facts, MachineState, Panel, QuestionStep, Step} from './types.js';
import {suggestKeyName, validateInstanceName, validateKeyName} from './validate.js';

export interface RenewAnswers extends CertificateAnswers, Pick<Answers, 'instanceName' | 'acceptCertificateWarnings'> {
  /** The key whose certificate is being replaced. */
  oldKeyName?: string;
  certificateSource?: 'external' | 'sap-generated';
  newKeyName?: string;
  /** Headless: delete the old key after a passing live test. Never implied. */
  deleteOld?: boolean;
  /** The sender channel lists the certificate (Option 2): a redeploy is part of the renewal. */
  option2?: boolean;
}

/** `key` is the NEW key; `duplicates` are other keys holding the new certificate (or its subject and issuer DN). */
export interface RenewFacts extends Pick<Facts, 'certificate' | 'duplicates' | 'key' | 'probe' | 'outputs' | 'actions'> {
  audit?: AuditData;
  oldKeyDeleted?: boolean;
  /** Why the old key was kept, for the report. */
  keptReason?: string;
}

export type RenewStepId =
  | Exclude<FrameStepId, 'preflight'>
  | CertificateStepId
  | LiveTestStepId
  | 'audit' | 'choose-instance' | 'choose-key' | 'certificate-path-failed' | 'new-key-name' | 'option2-redeploy' | 'delete-old' | 'delete-insist' | 'delete-key';

export type RenewState = MachineState<RenewAnswers, RenewFacts, RenewStepId>;

/** The setup engine's certificate, key and probe effects, and the renewal's own. */
export type RenewEffect =
  | {type: 'audit'}
  | Extract<Effect, {type: 'load-certificate' | 'create-key' | 'probe'}>
  | {type: 'delete-key'; instanceName: string; keyName: string}
  | {type: 'write-renew-outputs'};

export interface RenewEffectResults extends Pick<EffectResults, 'load-certificate' | 'create-key' | 'probe'> {
  audit: AuditData;
  'delete-key': {existed: boolean};
  'write-renew-outputs': {files: Record<string, string>};
}

/** An answer a headless renewal needs and lacks, with how to give it. */
export interface MissingRenewAnswer {
  /** The plan field (camelCase, dotted). */
  field: string;
  /** The option and what it is for, as the user types it. */
  how: string;
}

/**
 * The questions a headless renewal would have to ask but cannot answer from `answers` (flags or
 * plan). All of them must be found before the run starts: the live-test questions come after the
 * new key is created, and a run that stops there leaves one more key behind on every retry.
 * `certificate` says what the certificate file holds, when the caller could read it; the
 * password and the private key are only needed when the file does not bring them.
 */
export function missingHeadlessAnswers(answers: RenewAnswers, certificate?: {hasPrivateKey: boolean; needsPassword?: boolean}): MissingRenewAnswer[] {
  const missing: MissingRenewAnswer[] = [];
  if (!answers.instanceName) missing.push({field: 'instanceName', how: '--instance <name>: the integration-flow instance'});
  if (!answers.oldKeyName) missing.push({field: 'oldKeyName', how: '--key <name>: the key whose certificate expires'});
  if (!answers.certificateSource) missing.push({field: 'certificateSource', how: '--cert <file> (the new certificate) or --sap-generated'});
  else if (answers.certificateSource === 'external' && !answers.certificatePath) missing.push({field: 'certificatePath', how: '--cert <file>: the new certificate (PEM, DER or PKCS#12)'});
  if (answers.certificateSource === 'external' && certificate?.needsPassword && answers.certificatePassword === undefined) {
    missing.push({field: 'certificatePassword', how: '--password-file <file>: the password of the PKCS#12 file, on its first line'});
  }
  // Option 2: a headless run cannot redeploy the integration flow, so it never runs the live test.
  if (!answers.option2) {
    if (!answers.liveTest) missing.push({field: 'liveTest', how: '--path <endpoint> for the live test with the new certificate, or --no-live-test to skip it (the old key is then kept)'});
    else if (answers.liveTest.run) {
      if (!answers.liveTest.path) missing.push({field: 'liveTest.path', how: '--path <endpoint>: the endpoint the live test calls, e.g. /http/orders (or --no-live-test to skip the test and keep the old key)'});
      if (answers.certificateSource === 'external' && !answers.liveTest.privateKeyPath && certificate && !certificate.hasPrivateKey) {
        missing.push({field: 'liveTest.privateKeyPath', how: '--private-key <file>: the private key of the new certificate (PEM), for the live test'});
      }
    }
  }
  return missing;
}

const NAME_RULES = [['instanceName', validateInstanceName], ['oldKeyName', validateKeyName], ['newKeyName', validateKeyName]] as const;

/** The names a renewal sends to cf that break the naming rules (a name starting with "-" included). */
export function renewNameProblems(answers: RenewAnswers) {
  return NAME_RULES.flatMap(([field, rule]) => {
    const value: unknown = answers[field];
    const problem = value === undefined ? null : typeof value === 'string' ? rule(value) : 'It must be text.';
    return problem ? [{field, value: String(value), problem}] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Derived values (pure)

export function renewableInstances(state: RenewState): AuditInstance[] {
  return (state.facts.audit?.instances ?? []).filter(instance => instance.planName === IFLOW_PLAN);
}

export function chosenInstance(state: RenewState): AuditInstance | undefined {
  return renewableInstances(state).find(instance => instance.name === state.answers.instanceName);
}

export function oldKey(state: RenewState): AuditKey | undefined {
  return chosenInstance(state)?.keys.find(key => key.name === state.answers.oldKeyName);
}

function daysLeft(iso: string | undefined, now: string): number | undefined {
  return iso ? Math.floor((Date.parse(iso) - Date.parse(now)) / 86_400_000) : undefined;
}

function expiryText(key: AuditKey, now: string): string {
  const until = key.certificate?.validUntil;
  if (!key.certificate) return key.type === 'client-secret' ? 'ClientId/Secret, no certificate' : 'no certificate';
  if (!until) return 'expiry unknown';
  const left = daysLeft(until, now)!;
  return left < 0 ? `expired ${until.slice(0, 10)}` : `expires ${until.slice(0, 10)} (${left} days)`;
}

/** Keys elsewhere that already hold the new certificate (by fingerprint) or its DNs. */
export function duplicatesOf(state: RenewState, leaf: {fingerprint256: string; subject: string; issuer: string}): DuplicateFact[] {
  const found: DuplicateFact[] = [];
  for (const instance of state.facts.audit?.instances ?? []) {
    for (const key of instance.keys) {
      const match = key.certificate ? duplicateMatch(key.certificate, leaf) : null;
      if (match) found.push({instanceName: instance.name, instanceGuid: instance.guid, keyName: key.name, match});
    }
  }
  return found;
}

export function suggestedNewKeyName(state: RenewState): string {
  const taken = new Set((chosenInstance(state)?.keys ?? []).map(key => key.name));
  const base =
    state.answers.certificateSource === 'sap-generated'
      ? `${(state.answers.oldKeyName ?? 'key').replace(/-renewed-\d{4}-\d{2}-\d{2}$/, '').slice(0, 40)}-renewed-${state.context.startedAt.slice(0, 10)}`
      : suggestKeyName(state.facts.certificate?.leaf);
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

export function renewLiveTestCredentials(state: RenewState): LiveTestCredentials | null {
  return liveTestCredentialsOf(state.answers, state.facts, {passwordWithKey: true});
}

function stop(state: RenewState, code: string, message: string, fix: string[]): RenewState {
  return goto(state, 'write-outputs', {error: {code, message, fix}});
}

// ---------------------------------------------------------------------------------------------
// Steps

type Q = QuestionStep<RenewState>;
type E<T extends RenewEffect['type']> = EffectStep<RenewState, Extract<RenewEffect, {type: T}>, RenewEffectResults[T]>;

const audit: E<'audit'> = {
  kind: 'effect',
  id: 'audit',
  phase: 'Inventory',
  title: 'Reading the integration-flow instances and their keys',
  effect: () => ({type: 'audit'}),
  onResult(state, result) {
    const next: RenewState = {...state, facts: {...state.facts, audit: result}};
    const instances = renewableInstances(next);
    const summary = `${instances.length} integration-flow instance(s), ${instances.reduce((n, i) => n + i.keys.length, 0)} key(s) in ${result.target.org} / ${result.target.space}`;
    if (instances.length === 0) {
      return stop(trail(next, summary), 'nothing-to-renew', `Space ${result.target.space} has no integration-flow instance.`, ['Set up the connection first: cpi-mtls', 'Or target the space that holds it: cf target -o <ORG> -s <SPACE>']);
    }
    return goto(trail(next, summary), 'choose-instance');
  },
};

const chooseInstance = textStep<RenewState, 'instanceName'>({
  id: 'choose-instance', field: 'instanceName', phase: 'Inventory', title: 'Service instance', prompt: 'Which instance holds the certificate to renew?',
  choices(state) {
    const now = state.context.startedAt;
    return renewableInstances(state).map(instance => {
      const soonest = instance.keys
        .map(key => daysLeft(key.certificate?.validUntil, now))
        .filter((d): d is number => d !== undefined)
        .sort((a, b) => a - b)[0];
      return {
        value: instance.name,
        label: instance.name,
        hint: `roles ${instance.roles.join(', ') || '–'} · ${instance.keys.length} key(s)${soonest !== undefined ? ` · first expiry in ${soonest} days` : ''}`,
      };
    });
  },
  initial: state => state.answers.instanceName ?? renewableInstances(state)[0]?.name,
  validate: (value, state) => validateInstanceName(value) ?? (renewableInstances(state).some(i => i.name === value) ? null : `There is no integration-flow instance named ${value} in this space.`),
  next: 'choose-key',
  summary: value => `Instance: ${value}`,
});

/** The instance's keys, the one whose certificate expires first at the top. */
function keysByExpiry(state: RenewState): AuditKey[] {
  const now = state.context.startedAt;
  return [...(chosenInstance(state)?.keys ?? [])].sort(
    (a, b) => (daysLeft(a.certificate?.validUntil, now) ?? Number.MAX_SAFE_INTEGER) - (daysLeft(b.certificate?.validUntil, now) ?? Number.MAX_SAFE_INTEGER),
  );
}

const chooseKey = textStep<RenewState, 'oldKeyName'>({
  id: 'choose-key', field: 'oldKeyName', phase: 'Inventory', title: 'Key to replace', prompt: 'Which key holds the certificate that expires?',
  panels: () => [
    {
      tone: 'info',
      lines: [
        'The renewed certificate goes into a NEW key on the same instance; the old key keeps working until you delete it at the end.',
        'Renewals need no change in the integration flow (Option 1).',
      ],
    },
  ],
  choices: state => keysByExpiry(state).map(key => ({value: key.name, label: key.name, hint: `${expiryText(key, state.context.startedAt)}${key.certificate ? ` · ${key.certificate.subject}` : ''}`})),
  initial: state => state.answers.oldKeyName ?? keysByExpiry(state)[0]?.name,
  validate: (value, state) => validateKeyName(value) ?? (chosenInstance(state)?.keys.some(k => k.name === value) ? null : `Instance ${state.answers.instanceName} has no key named ${value}.`),
  next: 'certificate-source',
  summary: (value, state) => {
    const key = chosenInstance(state)?.keys.find(k => k.name === value);
    return `Replacing key ${value}${key ? ` (${expiryText(key, state.context.startedAt)})` : ''}`;
  },
});

const certificateSource = selectStep<RenewState, 'certificateSource', 'external' | 'sap-generated'>({
  id: 'certificate-source', field: 'certificateSource', phase: 'Certificate', title: 'New certificate',
  prompt: 'Where does the new certificate come from?',
  initial: state => state.answers.certificateSource ?? (oldKey(state)?.type === 'sap-generated-certificate' ? 'sap-generated' : 'external'),
  values: ['external', 'sap-generated'],
  choices: () => [
    {value: 'external', label: 'A certificate file from the sender', hint: 'PEM, DER or PKCS#12; checked against SAP rules'},
    {value: 'sap-generated', label: 'SAP generates a new one', hint: 'new key pair and certificate in the new key; the sender must install them'},
  ],
  next: source => (source === 'external' ? 'certificate-path' : 'sap-key-validity'),
  summary: source => (source === 'sap-generated' ? 'New certificate: SAP-generated' : 'New certificate: file'),
});

const certificatePath = certificatePathStep<RenewState>({
  phase: 'Certificate', prompt: 'Path to the new certificate file', emptyError: 'Enter the path of the new certificate (PEM, DER or PKCS#12).',
});

const loadCertificate = loadCertificateStep<RenewState>({
  phase: 'Certificate', title: 'Reading and checking the new certificate',
  onResult(state, result) {
    const duplicates = result.leaf ? duplicatesOf(state, result.leaf) : [];
    return goto({...state, facts: {...state.facts, certificate: result, duplicates}}, 'certificate-review');
  },
  unreadable: (state, error) => goto(state, 'certificate-path-failed', {error}),
});

const certificatePassword = certificatePasswordStep<RenewState>({
  phase: 'Certificate', title: 'Password', prompt: 'Password of the certificate file',
  panels: state => (state.error?.code === 'wrong-password' ? errorPanel(state.error) : [{tone: 'info', lines: ['The file is protected. The password is used to read it here only; it is never stored or printed.']}]),
  // A wrong password from a plan would loop: stop and say so instead.
  fromPlan: (answers, state) => (state.error?.code === 'wrong-password' ? undefined : answers.certificatePassword),
  read: String, summary: 'Password given',
});

const certificatePathFailed = readFailedStep<RenewState>({
  id: 'certificate-path-failed', phase: 'Certificate', title: 'Certificate not readable', otherLabel: 'Give another file', other: 'certificate-path', otherSummary: 'Another file',
  quitSummary: 'Stopped: certificate not readable',
});

function certificatePanels(state: RenewState): Panel[] {
  const cert = state.facts.certificate;
  if (!cert) return [];
  const leaf = cert.leaf;
  const old = oldKey(state);
  const panels: Panel[] = [];
  if (leaf) {
    const replaces = old?.certificate ? [`Replaces     ${old.certificate.subject}, ${expiryText(old, state.context.startedAt)}`] : [];
    panels.push({tone: 'info', title: 'New client certificate', lines: [...leafLines(leaf), ...replaces]});
  }
  const sameCert = (state.facts.duplicates ?? []).filter(d => d.match === 'certificate');
  if (sameCert.length) {
    panels.push({
      tone: 'error',
      title: 'This certificate is already in a service key',
      lines: [...sameCert.map(d => `• ${d.instanceName}/${d.keyName}`), 'A second key with it would make every call fail with 401 invalid_client. Use the renewed certificate, not the current one.'],
    });
  }
  const sameDn = (state.facts.duplicates ?? []).filter(d => d.match === 'subject-and-issuer');
  if (sameDn.length) {
    panels.push({
      tone: 'info',
      lines: [
        `Same subject and issuer DN as ${sameDn.map(d => `${d.instanceName}/${d.keyName}`).join(', ')}: normal for a renewal.`,
        'With certificate pinning on (the default) both keys work side by side until the old one is deleted.',
      ],
    });
  }
  panels.push(checksPanel(cert, {listPassed: false}));
  return panels;
}

function blockedByCertificate(state: RenewState): boolean {
  const cert = state.facts.certificate;
  return !cert?.leaf || cert.verdict === 'fail' || (state.facts.duplicates ?? []).some(d => d.match === 'certificate');
}

const certificateReview: Q = {
  kind: 'question',
  id: 'certificate-review',
  phase: 'Certificate',
  title: 'Certificate check',
  panels: certificatePanels,
  question(state) {
    const choices: Choice[] = blockedByCertificate(state) ? [] : [{value: 'use', label: 'Use this certificate'}];
    choices.push({value: 'other', label: 'Use another file'}, {value: 'quit', label: 'Quit (nothing was changed)'});
    return {type: 'select', prompt: 'Next', choices};
  },
  fromPlan(answers, state) {
    if (blockedByCertificate(state)) return 'quit';
    return state.facts.certificate?.verdict === 'warn' && !answers.acceptCertificateWarnings ? 'quit' : 'use';
  },
  validate: (value, state) => (value === 'use' && blockedByCertificate(state) ? 'This certificate cannot be used.' : null),
  apply(state, value) {
    if (value === 'use') return goto({...state, answers: {...state.answers, acceptCertificateWarnings: state.facts.certificate?.verdict === 'warn' || state.answers.acceptCertificateWarnings}}, 'new-key-name');
    if (value === 'other') return anotherCertificate(state);
    const cert = state.facts.certificate;
    const dup = (state.facts.duplicates ?? []).find(d => d.match === 'certificate');
    if (dup) return stop(state, 'duplicate-certificate', `The new certificate is already in ${dup.instanceName}/${dup.keyName}; no key was created.`, ['Bring the renewed certificate (a new one), not the one in use.']);
    if (cert?.verdict === 'warn' && !state.answers.acceptCertificateWarnings) {
      return stop(state, 'certificate-warnings', 'The new certificate has warnings and they were not accepted; nothing was changed.', ['Accept them with --accept-warnings (or acceptCertificateWarnings: true in the plan), or bring another certificate.']);
    }
    return stop(state, 'certificate-rejected', cert?.verdict === 'fail' ? 'The new certificate fails SAP checks; nothing was changed.' : 'Stopped at the certificate check; nothing was changed.', cert?.checks.filter(c => c.verdict === 'fail' && c.fix).map(c => c.fix!) ?? []);
  },
  summary: (state, value) => (value === 'use' ? `Certificate accepted (${state.facts.certificate?.verdict})` : value === 'other' ? 'Another file' : 'Certificate not used'),
};

const sapKeyValidity = sapKeyValidityStep<RenewState>({
  phase: 'Certificate', title: 'Validity', lines: ['SAP issues a new key pair and certificate into the new key. cpi-mtls writes the chain and the private key (0600) for the sender.'],
  planDefault: '365', next: 'new-key-name',
});

const newKeyName = textStep<RenewState, 'newKeyName'>({
  id: 'new-key-name', field: 'newKeyName', phase: 'New key', title: 'New key name', prompt: 'Name of the new service key',
  initial: state => state.answers.newKeyName ?? suggestedNewKeyName(state),
  validate: (value, state) =>
    validateKeyName(value) ?? (chosenInstance(state)?.keys.some(k => k.name === value) ? `Instance ${state.answers.instanceName} already has a key named ${value}; choose another name.` : null),
  fromPlan: (answers, state) => answers.newKeyName ?? suggestedNewKeyName(state),
  next: 'create-key',
  summary: value => `New key name: ${value}`,
});

const createKey: E<'create-key'> = {
  kind: 'effect',
  id: 'create-key',
  phase: 'New key',
  title: 'Adding the new key to the instance',
  effect(state) {
    return {type: 'create-key', instanceName: state.answers.instanceName ?? '', keyName: state.answers.newKeyName ?? '', ...keyCertificateParameters(state.answers, state.facts.certificate?.leaf)};
  },
  onResult(state, result) {
    const next = record({...state, facts: {...state.facts, key: result}}, {kind: 'created', what: 'service key', name: `${result.instanceName}/${result.name}`, guid: result.guid, note: 'new certificate; the old key is still in place'});
    return goto(trail(next, `New key ${result.name} created next to ${state.answers.oldKeyName}`), state.answers.option2 ? 'option2-redeploy' : 'live-test');
  },
};

const option2Redeploy: Q = {
  kind: 'question',
  id: 'option2-redeploy',
  phase: 'New key',
  title: 'Option 2: redeploy',
  panels: state => [
    {
      tone: 'warning',
      title: 'The sender channel lists the certificate: renewal needs a redeploy',
      lines: [
        'In the integration flow, sender channel → Connection → Client Certificates: ADD the new certificate (keep the old one for now).',
        `The file to upload is written to the output folder as sender-channel-certificate.crt (${state.context.outputDir}).`,
        'Save and deploy the integration flow: the endpoint is briefly unavailable during the redeploy.',
        'After the sender uses the new certificate, remove the old one from the channel and redeploy once more.',
        'Role-based authorization (Option 1) avoids these redeploys: consider moving to it.',
      ],
    },
  ],
  question: () => ({
    type: 'select',
    prompt: 'Has the integration flow been redeployed with the new certificate?',
    choices: [
      {value: 'done', label: 'Yes, redeployed: run the live test'},
      {value: 'later', label: 'Later: skip the live test and keep the old key'},
    ],
  }),
  fromPlan: () => 'later',
  apply(state, value) {
    if (value === 'done') return goto(state, 'live-test');
    const next = {...state, answers: {...state.answers, liveTest: {...state.answers.liveTest, run: false}}, facts: {...state.facts, keptReason: 'The integration flow is not redeployed with the new certificate yet.'}};
    return goto(next, 'write-outputs');
  },
  summary: (_state, value) => (value === 'done' ? 'Redeployed with the new certificate' : 'Redeploy pending: old key kept'),
};

const liveTest = liveTestStep<RenewState>({
  lines: ['Calls the integration flow with the NEW certificate. The old key is deleted only after this passes (and you confirm).'], prompt: 'Run the live test with the new certificate?',
  choices: [
    {value: 'run', label: 'Run it'},
    {value: 'skip', label: 'Skip', hint: 'the old key is then kept'},
  ],
  summaryRun: 'Live test: run',
  onRun: state => goto(state, 'live-test-path'),
  onSkip: state => goto(state, 'delete-old'),
});

const liveTestPath = liveTestPathStep<RenewState>({
  option2: state => state.answers.option2 === true,
  hasCredentials: state => renewLiveTestCredentials(state) !== null,
});

const liveTestKey = liveTestKeyStep<RenewState>({
  hint: 'The private key of the new certificate (PEM). It is read locally, never uploaded or printed.',
  initial: state => state.context.defaults?.privateKeyPath,
});

const probe = probeStep<RenewState>({
  title: 'Calling the endpoint with the new certificate',
  credentials: state => renewLiveTestCredentials(state)!,
  runtimeUrl: state => state.facts.key?.url ?? oldKey(state)?.url,
  trail: result => ({summary: `Live test: ${result.success ? '✔' : '✖'} ${result.summary}`}),
});

const probeResult = probeResultStep<RenewState>({
  extraLines: (_state, p) => (p.success ? [] : ['The old key stays in place: the sender keeps working with the old certificate.']),
  successLabel: 'Continue to the old key', retryHint: 'e.g. after deploying the flow', continueLabel: 'Continue (the old key is kept unless you insist)',
  fromPlan: () => 'continue',
  onContinue: state => goto(state, 'delete-old'),
});

export function liveTestPassed(state: RenewState): boolean {
  return state.facts.probe?.success === true;
}

/** How the run ends once the report is written: failed on an error or a failing live test. */
export function renewFinalStatus(state: RenewState): 'done' | 'failed' | 'cancelled' {
  if (state.status === 'cancelled') return 'cancelled';
  return state.error || (state.facts.probe && !state.facts.probe.success) ? 'failed' : 'done';
}

/**
 * What to remove to undo the run. Only while the new key is unproven and the old one still
 * exists: after a passing live test (or once the old key is gone) the new key is the working
 * one, and a removal hint naming it would cut the sender off.
 */
export function renewCleanup(state: RenewState): string[] {
  const {facts} = state;
  if (!facts.key || facts.oldKeyDeleted || liveTestPassed(state) || renewFinalStatus(state) === 'done') return [];
  return [`cf delete-service-key ${facts.key.instanceName} ${facts.key.name} -f`];
}

const deleteOld: Q = {
  kind: 'question',
  id: 'delete-old',
  phase: 'Old key',
  title: 'Old key',
  panels(state) {
    const passed = liveTestPassed(state);
    return [
      {
        tone: passed ? 'info' : 'warning',
        title: passed ? 'The new certificate works' : state.facts.probe ? 'The live test with the new certificate failed' : 'The new certificate was not tested',
        lines: [
          `Old key: ${state.answers.instanceName}/${state.answers.oldKeyName}. Delete it only when the sender uses the new certificate: calls with the old one fail from then on.`,
          ...(passed ? [] : ['Keeping it is the safe choice: the sender keeps working while you sort out the new certificate.']),
        ],
      },
    ];
  },
  question: state => ({
    type: 'select',
    prompt: `Delete the old key ${state.answers.oldKeyName}?`,
    // Keeping is the safe answer and therefore the preselected one: Enter never deletes.
    initial: 'keep',
    choices: liveTestPassed(state)
      ? [
          {value: 'keep', label: 'Keep it for now', hint: 'delete it later with cf delete-service-key'},
          {value: 'delete', label: 'Delete it now', hint: 'the sender already uses the new certificate'},
        ]
      : [
          {value: 'keep', label: 'Keep it (recommended)'},
          {value: 'insist', label: 'Delete it anyway', hint: 'asks you to type the key name'},
        ],
  }),
  // Headless: only with deleteOld AND a passing live test.
  fromPlan: (answers, state) => (answers.deleteOld === true && liveTestPassed(state) ? 'delete' : 'keep'),
  validate: (value, state) => (value === 'delete' && !liveTestPassed(state) ? 'The live test did not pass: choose "Delete it anyway" to insist.' : null),
  apply(state, value) {
    if (value === 'delete') return goto(state, 'delete-key');
    if (value === 'insist') return goto(state, 'delete-insist');
    const reason = liveTestPassed(state)
      ? 'Kept on request; delete it when the sender uses the new certificate.'
      : state.facts.probe
        ? 'The live test with the new certificate failed.'
        : 'The new certificate was not tested live.';
    return goto({...state, facts: {...state.facts, keptReason: reason}}, 'write-outputs');
  },
  summary: (_state, value) => (value === 'delete' ? 'Deleting the old key' : value === 'insist' ? 'Asked to delete despite the test' : 'Old key kept'),
};

const deleteInsist: Q = {
  kind: 'question',
  id: 'delete-insist',
  phase: 'Old key',
  title: 'Confirm deletion',
  panels: state => [{tone: 'error', title: 'Deleting the old key although the new certificate is not proven', lines: [`If the new certificate does not work, the sender is cut off until a working key exists. Type ${state.answers.oldKeyName} to delete it, or anything else to keep it.`]}],
  question: () => ({type: 'text', prompt: 'Key name to delete'}),
  apply(state, value) {
    if (str(value) === state.answers.oldKeyName) return goto(state, 'delete-key');
    return goto({...state, facts: {...state.facts, keptReason: 'Deletion not confirmed.'}}, 'write-outputs');
  },
  summary: (state, value) => (str(value) === state.answers.oldKeyName ? 'Deletion confirmed by name' : 'Deletion not confirmed: old key kept'),
};

const deleteKey: E<'delete-key'> = {
  kind: 'effect',
  id: 'delete-key',
  phase: 'Old key',
  title: 'Deleting the old key',
  effect: state => ({type: 'delete-key', instanceName: state.answers.instanceName ?? '', keyName: state.answers.oldKeyName ?? ''}),
  onResult(state, result) {
    const next = record({...state, facts: {...state.facts, oldKeyDeleted: true}}, {kind: 'deleted', what: 'service key', name: `${state.answers.instanceName}/${state.answers.oldKeyName}`, note: result.existed ? undefined : 'was already gone'});
    return goto(trail(next, `Old key ${state.answers.oldKeyName} deleted`), 'write-outputs');
  },
};

const report = reportSteps<RenewState, 'write-renew-outputs'>({
  type: 'write-renew-outputs', title: 'Writing the renewal report', status: renewFinalStatus, failedPhase: 'New key', stopHint: 'the old key is untouched',
});

const steps: Step<RenewState>[] = [
  audit,
  chooseInstance,
  chooseKey,
  certificateSource,
  certificatePath,
  loadCertificate,
  certificatePassword,
  certificatePathFailed,
  certificateReview,
  sapKeyValidity,
  newKeyName,
  createKey,
  option2Redeploy,
  liveTest,
  liveTestPath,
  liveTestKey,
  probe,
  probeResult,
  deleteOld,
  deleteInsist,
  deleteKey,
  ...report,
];

export const renewFlow: FlowDefinition<RenewState> = {
  name: 'renew',
  start: 'audit',
  failureStep: 'step-failed',
  phases: ['Inventory', 'Certificate', 'New key', 'Live test', 'Old key', 'Report'],
  initialFacts: () => ({actions: []}),
  label: state => (state.answers.option2 ? 'Renewal · Option 2' : 'Renewal'),
  steps: Object.fromEntries(steps.map(step => [step.id, step])),
};
