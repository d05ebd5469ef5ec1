import {beforeEach, describe, expect, it} from 'vitest';
import {answer, back, effectFailed, effectSucceeded, initialState, isEffect, isQuestion, stepOf} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {CertificateFact, Effect, EffectResults, FlowError, FlowState, InstanceFact, ProbeFact, Question} from '../../flows/types.js';
import type {CertificateSummary} from '../../src/ports.js';

// Pure tests of the state machine: effects are fed as plain result data, no I/O at all.
// The order under test: every answer and input file is read and checked first (names, role,
// certificate, private key, api key file, duplicate scan); only then does anything change in
// Cloud Foundry (instance, then key).

const context = {outputDir: '/tmp/out', startedAt: '2026-11-26T10:00:00.000Z'};
const target = {apiEndpoint: 'https://api.cf.eu10.hana.ondemand.com', user: 'consultant@example.com', org: {guid: 'o1', name: 'acme'}, space: {guid: 's1', name: 'dev'}};
const cfVersion = {major: 8, minor: 18, patch: 4, raw: 'cf version 8.18.4+3fcd823.2026-06-29'};

const leaf: CertificateSummary = {
  subject: 'C=DE, O=Acme, CN=s4hana-sender',
  issuer: 'C=DE, O=Acme, CN=Acme Issuing CA',
  serialNumber: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-11-30T00:00:00.000Z',
  fingerprint256: 'AA:BB',
  isCA: false,
  selfSigned: false,
  extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
  subjectAltNames: [],
  publicKey: {type: 'rsa', bits: 2048},
  pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};
const goodCertificate: CertificateFact = {kind: 'pem', path: '/c.pem', leaf, chain: [], checks: [{id: 'eku', title: 'clientAuth', verdict: 'pass', message: 'present'}], verdict: 'pass', hasPrivateKey: false};
const refusedCertificate: CertificateFact = {...goodCertificate, verdict: 'fail', checks: [{id: 'leaf', title: 'Client leaf', verdict: 'fail', message: 'a CA certificate', fix: 'Give the leaf'}]};
const SEND_PARAMETERS = {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']};
const fittingInstance = (name: string, guid = 'i9', parameters: Record<string, unknown> = SEND_PARAMETERS): InstanceFact => ({guid, name, planName: 'integration-flow', offeringName: 'it-rt', parameters});
const WRITES = ['create-instance', 'update-instance', 'create-key', 'remove-failed-instance', 'cleanup'];

function probeFact(success: boolean, url = 'https://rt/http/orders'): ProbeFact {
  return {url, outcome: success ? 'success' : 'unauthorized', status: success ? 200 : 401, success, summary: success ? 'HTTP 200' : 'HTTP 401 Unauthorized', causes: [], fix: [], docs: [], raw: {}};
}

// Every step the walk passes through (answered questions and finished effects), so a test can
// assert the order of effects and that no write happened before the inputs were checked.
const walked: string[] = [];
beforeEach(() => {
  walked.length = 0;
});

function ok(state: FlowState, value: string | boolean): FlowState {
  const outcome = answer(setupFlow, state, value);
  if (!outcome.ok) throw new Error(`answer ${String(value)} at ${state.step} refused: ${outcome.error}`);
  walked.push(state.step);
  return outcome.state;
}

function result<T extends keyof EffectResults>(state: FlowState, value: EffectResults[T]): FlowState {
  walked.push(state.step);
  return effectSucceeded(setupFlow, state, value);
}

function fail(state: FlowState, error: FlowError): FlowState {
  walked.push(state.step);
  return effectFailed(setupFlow, state, error);
}

/** The steps walked so far, with the one the state is at now. */
function visited(state: FlowState): string[] {
  return [...walked, state.step];
}

function effectsVisited(state: FlowState): string[] {
  return visited(state).filter(id => setupFlow.steps[id]?.kind === 'effect');
}

function effectOf(state: FlowState): Effect {
  const step = stepOf(setupFlow, state);
  if (!isEffect(step)) throw new Error(`expected an effect at ${state.step}`);
  return step.effect(state) as Effect;
}

function questionOf(state: FlowState): Question {
  const step = stepOf(setupFlow, state);
  if (!isQuestion(step)) throw new Error(`expected a question at ${state.step}`);
  return step.question(state);
}

function choicesOf(state: FlowState): string[] {
  const q = questionOf(state);
  if (q.type !== 'select') throw new Error(`expected a select at ${state.step}`);
  return q.choices.map(c => c.value);
}

function panelText(state: FlowState): string {
  const step = stepOf(setupFlow, state);
  if (!isQuestion(step)) throw new Error(`expected a question at ${state.step}`);
  return (step.panels?.(state) ?? []).flatMap(p => [p.title ?? '', ...p.lines]).join('\n');
}

function fromPlanAt(state: FlowState, answers: FlowState['answers']) {
  const step = stepOf(setupFlow, state);
  if (!isQuestion(step)) throw new Error(`expected a question at ${state.step}`);
  return step.fromPlan!(answers, state);
}

function toInstanceName(): FlowState {
  let s = initialState(setupFlow, context);
  expect(s.step).toBe('preflight');
  s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
  expect(s.step).toBe('confirm-target');
  s = ok(s, true);
  s = ok(s, 'role-based');
  s = ok(s, 'ESBMessaging.send');
  expect(s.step).toBe('instance-name');
  return s;
}

/** Instance name answered and looked up: none of that name yet. */
function toCertificateSource(name = 'cpi-inbound', start = toInstanceName()): FlowState {
  let s = ok(start, name);
  expect(s.step).toBe('lookup-instance');
  s = result<'lookup-instance'>(s, {instance: null});
  expect(s.step).toBe('certificate-source');
  return s;
}

/** certificate-source → an external file, checked and accepted → key name → the live-test question. */
function withExternalCertificate(state: FlowState, certificate: CertificateFact = goodCertificate, keyName = 'k1'): FlowState {
  let s = ok(state, 'external');
  expect(s.step).toBe('certificate-path');
  s = ok(s, certificate.path);
  expect(s.step).toBe('load-certificate');
  s = result<'load-certificate'>(s, certificate);
  expect(s.step).toBe('certificate-review');
  s = ok(s, 'continue');
  expect(s.step).toBe('key-name');
  s = ok(s, keyName);
  expect(s.step).toBe('live-test');
  return s;
}

/** certificate-source → an SAP-generated certificate → key name → the live-test question. */
function withSapGenerated(state: FlowState, keyName = 'k1'): FlowState {
  let s = ok(state, 'sap-generated');
  expect(s.step).toBe('sap-key-validity');
  s = ok(ok(s, '30'), '2048');
  expect(s.step).toBe('key-name');
  s = ok(s, keyName);
  expect(s.step).toBe('live-test');
  return s;
}

/** live-test: no; tenant-checks: no. All inputs are then checked. */
function skipTests(state: FlowState): FlowState {
  let s = ok(state, 'skip');
  expect(s.step).toBe('tenant-checks');
  s = ok(s, 'skip');
  return s;
}

const noDuplicates: EffectResults['scan-duplicates'] = {duplicates: [], keysScanned: 3, instancesScanned: 2, unreadable: []};
const duplicateElsewhere: EffectResults['scan-duplicates'] = {duplicates: [{instanceName: 'other', instanceGuid: 'i7', keyName: 'old', match: 'certificate'}], keysScanned: 5, instancesScanned: 3, unreadable: []};

describe('setup flow: Option 1', () => {
  it('walks the happy path: every question first, then the scan, the instance and the key with SAP parameters', () => {
    let s = toInstanceName();
    s = ok(s, 'cpi-inbound');
    expect(s.step).toBe('lookup-instance');
    expect(stepOf(setupFlow, s).kind).toBe('effect');
    expect(effectOf(s)).toEqual({type: 'lookup-instance', name: 'cpi-inbound'});
    s = result<'lookup-instance'>(s, {instance: null});
    // Nothing is created yet: the certificate comes first.
    expect(s.step).toBe('certificate-source');
    expect(choicesOf(s)).toEqual(['external', 'sap-generated', 'new-csr']);
    s = ok(s, 'external');
    s = ok(s, '/c.pem');
    expect(effectOf(s)).toMatchObject({type: 'load-certificate', path: '/c.pem'});
    s = result<'load-certificate'>(s, goodCertificate);
    expect(s.step).toBe('certificate-review');
    s = ok(s, 'continue');
    expect(s.step).toBe('key-name');
    expect(s.answers.keyName).toBe('s4hana-sender-2027-11');
    s = ok(s, 's4hana-sender-2027-11');
    expect(s.step).toBe('live-test');
    expect(questionOf(s)).toMatchObject({prompt: 'Run the live connectivity test after the key is created?'});
    expect(choicesOf(s)).toEqual(['run', 'skip']);
    s = ok(s, 'skip');
    expect(s.step).toBe('tenant-checks');
    s = ok(s, 'skip');
    expect(s.step).toBe('scan-duplicates');
    expect(s.facts.actions).toEqual([]);
    expect(effectOf(s)).toEqual({type: 'scan-duplicates', plan: 'integration-flow', fingerprint256: 'AA:BB', subject: leaf.subject, issuer: leaf.issuer, scope: 'org'});
    s = result<'scan-duplicates'>(s, noDuplicates);
    expect(s.step).toBe('create-instance');
    expect(effectOf(s)).toEqual({
      type: 'create-instance',
      offering: 'it-rt',
      plan: 'integration-flow',
      name: 'cpi-inbound',
      parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []},
    });
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {roles: ['ESBMessaging.send']}}, alreadyExisted: false});
    expect(s.facts.actions).toEqual([expect.objectContaining({kind: 'created', what: 'service instance', name: 'cpi-inbound', guid: 'i1'})]);
    expect(s.step).toBe('create-key');
    const effect = effectOf(s);
    expect(effect).toMatchObject({type: 'create-key', instanceName: 'cpi-inbound', keyName: 's4hana-sender-2027-11', expectLeafFingerprint: 'AA:BB'});
    expect((effect as {existingKeyGuid?: string}).existingKeyGuid).toBeUndefined();
    // The key takes the leaf alone, as one PEM block.
    expect((effect as {parameters: Record<string, string>}).parameters).toEqual({'key-type': 'certificate_external', 'X.509': leaf.pem});
    s = result<'create-key'>(s, {guid: 'k1', name: 's4hana-sender-2027-11', instanceName: 'cpi-inbound', clientId: 'sb-1', url: 'https://rt', alreadyExisted: false, certificateVerified: true});
    // No tenant checks, no live test, no private key at hand: straight to the plan file.
    expect(s.step).toBe('save-plan');
    s = ok(s, true);
    expect(s.answers.savePlan).toBe(true);
    expect(s.step).toBe('write-outputs');
    s = result<'write-outputs'>(s, {files: {checklist: '/tmp/out/checklist.md'}});
    expect(s.status).toBe('done');
    expect(s.facts.actions.map(a => `${a.kind} ${a.what} ${a.name}`)).toEqual(['created service instance cpi-inbound', 'created service key cpi-inbound/s4hana-sender-2027-11']);
  });

  it('offers reuse for an existing instance that fits, records it as reused, and later creates only the key', () => {
    let s = ok(toInstanceName(), 'existing');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('existing')});
    expect(s.step).toBe('instance-existing');
    expect(choicesOf(s)).toEqual(['reuse', 'rename', 'quit']);
    s = ok(s, 'reuse');
    expect(s.step).toBe('certificate-source');
    expect(s.answers.instanceAction).toBe('reuse');
    expect(s.facts.instance?.guid).toBe('i9');
    expect(s.facts.actions[0]).toMatchObject({kind: 'reused', name: 'existing'});
    s = skipTests(withExternalCertificate(s));
    expect(s.step).toBe('scan-duplicates');
    s = result<'scan-duplicates'>(s, noDuplicates);
    // The instance is there: the first write is the key, into that instance.
    expect(s.step).toBe('create-key');
    expect(effectOf(s)).toMatchObject({type: 'create-key', instanceName: 'existing', keyName: 'k1'});
    expect(visited(s)).not.toContain('create-instance');
    expect(visited(s)).not.toContain('update-instance');
  });

  it('explains client_x509 and, once every input is checked, updates with the full parameter set, grant replaced', () => {
    let s = ok(toInstanceName(), 'old-guide');
    s = result<'lookup-instance'>(s, {
      instance: {guid: 'i2', name: 'old-guide', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_x509'], 'token-validity': 3600}},
    });
    const text = panelText(s);
    expect(text).toContain('client_x509');
    expect(text).toContain('no new service key can be created');
    expect(choicesOf(s)).toEqual(['update', 'rename', 'quit']);
    expect(fromPlanAt(s, {instanceAction: 'update'})).toBe('update');
    expect(fromPlanAt(s, {})).toBe('quit');
    s = ok(s, 'update');
    // Deferred: only recorded as the answer, nothing is updated yet.
    expect(s.step).toBe('certificate-source');
    expect(s.answers.instanceAction).toBe('update');
    expect(s.facts.actions).toEqual([]);
    expect(s.facts.instance).toBeUndefined();
    s = skipTests(withExternalCertificate(s));
    s = result<'scan-duplicates'>(s, noDuplicates);
    expect(s.step).toBe('update-instance');
    expect(effectOf(s)).toEqual({
      type: 'update-instance',
      name: 'old-guide',
      parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': [], 'token-validity': 3600},
    });
    s = result<'update-instance'>(s, {instance: {guid: 'i2', name: 'old-guide', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}, parametersSource: 'stored'}});
    expect(s.facts.actions).toEqual([expect.objectContaining({kind: 'updated', what: 'service instance', name: 'old-guide', guid: 'i2'})]);
    expect(s.step).toBe('create-key');
    expect(effectOf(s)).toMatchObject({instanceName: 'old-guide'});
  });

  it('adds a missing custom role to an existing instance without dropping its roles', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(ok(s, true), 'role-based'), 'custom');
    expect(answer(setupFlow, s, 'Orders send').ok).toBe(false);
    s = ok(s, 'Orders.send');
    s = ok(s, 'shared');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('shared', 'i3')});
    expect(choicesOf(s)).toEqual(['update', 'rename', 'quit']);
    s = ok(s, 'update');
    expect(s.step).toBe('certificate-source');
    s = skipTests(withSapGenerated(s));
    // No scan for an SAP-generated certificate: the update is the first write.
    expect(s.step).toBe('update-instance');
    expect((effectOf(s) as {parameters: unknown}).parameters).toMatchObject({roles: ['ESBMessaging.send', 'Orders.send']});
  });

  it('refuses an instance of another plan', () => {
    let s = ok(toInstanceName(), 'api-instance');
    s = result<'lookup-instance'>(s, {instance: {guid: 'i4', name: 'api-instance', planName: 'api', offeringName: 'it-rt', parameters: {}}});
    expect(choicesOf(s)).toEqual(['rename', 'quit']);
    expect(fromPlanAt(s, {instanceAction: 'update'})).toBe('quit');
    expect(ok(s, 'rename').step).toBe('instance-name');
  });

  it('stops on a duplicate certificate before anything is created: no key, no instance, nothing to clean up', () => {
    let s = skipTests(withExternalCertificate(toCertificateSource()));
    s = result<'scan-duplicates'>(s, duplicateElsewhere);
    expect(s.step).toBe('duplicate-found');
    expect(panelText(s)).toContain('instance other, key old');
    expect(choicesOf(s)).toEqual(['other', 'quit']);
    s = ok(s, 'quit');
    // The instance was never created: there is nothing to offer for removal.
    expect(s.step).toBe('write-outputs');
    expect(s.error?.code).toBe('duplicate-certificate');
    expect(s.error?.message).toContain('other/old');
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('failed');
    expect(s.facts.key).toBeUndefined();
    expect(s.facts.instance).toBeUndefined();
    expect(s.facts.actions).toEqual([]);
  });

  it('goes back to the certificate path when another certificate is chosen after a duplicate', () => {
    let s = skipTests(withExternalCertificate(toCertificateSource()));
    s = result<'scan-duplicates'>(s, duplicateElsewhere);
    s = ok(s, 'other');
    expect(s.step).toBe('certificate-path');
    s = ok(s, '/other.pem');
    s = result<'load-certificate'>(s, {...goodCertificate, path: '/other.pem', leaf: {...leaf, fingerprint256: 'CC:DD'}});
    s = skipTests(ok(ok(s, 'continue'), 'k1'));
    expect(effectOf(s)).toMatchObject({type: 'scan-duplicates', fingerprint256: 'CC:DD'});
    s = result<'scan-duplicates'>(s, noDuplicates);
    expect(s.step).toBe('create-instance');
  });

  it('treats the same certificate in the key of the same name as already in place (re-run)', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('cpi-inbound', 'i1')});
    s = ok(s, 'reuse');
    s = skipTests(withExternalCertificate(s));
    s = result<'scan-duplicates'>(s, {duplicates: [{instanceName: 'cpi-inbound', instanceGuid: 'i1', keyName: 'k1', keyGuid: 'kg1', match: 'certificate'}], keysScanned: 1, instancesScanned: 1, unreadable: []});
    expect(s.step).toBe('create-key');
    // The key is read, not created again.
    expect(effectOf(s)).toMatchObject({type: 'create-key', instanceName: 'cpi-inbound', keyName: 'k1', existingKeyGuid: 'kg1'});
    s = result<'create-key'>(s, {guid: 'kg1', name: 'k1', instanceName: 'cpi-inbound', alreadyExisted: true, certificateVerified: true});
    expect(s.facts.actions.map(a => `${a.kind} ${a.what}`)).toEqual(['reused service instance', 'reused service key']);
  });

  it('still stops on the same certificate in a key of another name of the same instance', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('cpi-inbound', 'i1')});
    s = skipTests(withExternalCertificate(ok(s, 'reuse'), goodCertificate, 'k2'));
    s = result<'scan-duplicates'>(s, {duplicates: [{instanceName: 'cpi-inbound', instanceGuid: 'i1', keyName: 'k1', match: 'certificate'}], keysScanned: 1, instancesScanned: 1, unreadable: []});
    expect(s.step).toBe('duplicate-found');
  });

  it('sends a failed certificate back with no way to continue', () => {
    let s = ok(ok(toCertificateSource(), 'external'), '/root.pem');
    s = result<'load-certificate'>(s, refusedCertificate);
    expect(choicesOf(s)).toEqual(['other', 'quit']);
    expect(fromPlanAt(s, {acceptCertificateWarnings: true, acceptIncompleteChain: true})).toBe('quit');
    expect(ok(s, 'other').step).toBe('certificate-path');
    s = ok(s, 'quit');
    // Nothing was created, so there is no cleanup to offer.
    expect(s.step).toBe('write-outputs');
    expect(s.error).toMatchObject({code: 'certificate-rejected', fix: ['Give the leaf']});
  });

  it('asks for another certificate with an empty path: never the file just rejected, nor the demo default', () => {
    const start = initialState(setupFlow, {...context, defaults: {certificatePath: '/demo/root-ca.pem'}});
    let s = ok(result<'preflight'>(start, {cfVersion, target, planAvailable: true}), true);
    s = toCertificateSource('cpi-inbound', ok(ok(s, 'role-based'), 'ESBMessaging.send'));
    s = ok(s, 'external');
    expect(questionOf(s)).toMatchObject({initial: '/demo/root-ca.pem', completion: 'path'});
    s = result<'load-certificate'>(ok(s, '/demo/root-ca.pem'), refusedCertificate);
    s = ok(s, 'other');
    expect(s.step).toBe('certificate-path');
    expect(questionOf(s)).toMatchObject({initial: ''});
    // The same after a duplicate: that certificate was checked, but it cannot be used either.
    let d = result<'scan-duplicates'>(skipTests(withExternalCertificate(toCertificateSource())), duplicateElsewhere);
    d = ok(d, 'other');
    expect(questionOf(d)).toMatchObject({initial: ''});
  });

  it('quits on certificate warnings from a plan unless they are accepted', () => {
    let s = ok(ok(toCertificateSource(), 'external'), '/c.pem');
    s = result<'load-certificate'>(s, {...goodCertificate, verdict: 'warn', checks: [{id: 'validity', title: 'Validity', verdict: 'warn', message: 'expires soon'}]});
    expect(choicesOf(s)).toEqual(['continue', 'other']);
    expect(fromPlanAt(s, {})).toBe('quit');
    expect(fromPlanAt(s, {acceptCertificateWarnings: true})).toBe('continue');
    s = ok(s, 'continue');
    expect(s.answers.acceptCertificateWarnings).toBe(true);
    expect(s.step).toBe('key-name');
  });

  it('goes to a blocked step with the fix when cf is not logged in, and retries', () => {
    let s = initialState(setupFlow, context);
    s = fail(s, {code: 'cf', message: 'Not logged in.', fix: ['cf login -a https://api.cf.eu10.hana.ondemand.com']});
    expect(s.step).toBe('blocked');
    expect(s.error?.fix[0]).toContain('cf login');
    s = ok(s, 'retry');
    expect(s.step).toBe('preflight');
  });

  it('explains a missing it-rt entitlement', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: false});
    expect(s.step).toBe('blocked');
    expect(s.error?.code).toBe('offering-missing');
    expect(s.error?.fix.join(' ')).toMatch(/entitlement/i);
  });

  it('stops at preflight when a plan pins another org or space', () => {
    let s = initialState(setupFlow, context, {targetConfirmed: true, expectedTarget: {org: 'acme', space: 'prod'}});
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    expect(fromPlanAt(s, s.answers)).toBe(false);
    s = ok(s, false);
    expect(s.step).toBe('blocked');
    expect(s.error?.message).toContain('space dev');
    expect(fromPlanAt({...s, step: 'confirm-target'}, {targetConfirmed: true, expectedTarget: {org: 'acme', space: 'dev'}})).toBe(true);
  });

  it('goes back to the previous question with its answer kept', () => {
    let s = toInstanceName();
    s = back(setupFlow, s);
    expect(s.step).toBe('choose-role');
    expect(s.answers.roleChoice).toBe('ESBMessaging.send');
    s = back(setupFlow, back(setupFlow, s));
    expect(s.step).toBe('confirm-target');
  });

  it('validates instance names as SAP does', () => {
    const s = toInstanceName();
    expect(answer(setupFlow, s, 'has space').ok).toBe(false);
    expect(answer(setupFlow, s, 'x'.repeat(33)).ok).toBe(false);
    expect(answer(setupFlow, s, 'ok.name_-1').ok).toBe(true);
  });

  it('retries a failed instance or key creation from the failure step', () => {
    let s = skipTests(withSapGenerated(toCertificateSource()));
    expect(s.step).toBe('create-instance');
    s = fail(s, {code: 'cf', message: 'Service broker error', fix: []});
    expect(s.step).toBe('step-failed');
    expect(s.error?.step).toBe('create-instance');
    // No leftover reported: nothing is recorded.
    expect(s.facts.actions).toEqual([]);
    s = ok(s, 'retry');
    expect(s.step).toBe('create-instance');
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS, parametersSource: 'stored'}, alreadyExisted: false});
    s = fail(s, {code: 'cf', message: 'Key failed', fix: []});
    expect(s.error?.step).toBe('create-key');
    expect(ok(s, 'retry').step).toBe('create-key');
  });
});

describe('setup flow: Option 2', () => {
  function toOption2InstanceName(): FlowState {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(s, true), 'certificate-in-iflow');
    expect(s.step).toBe('option2-warning');
    s = ok(s, true);
    expect(s.step).toBe('instance-name');
    return s;
  }

  it('warns, skips roles and creates the instance with an explicit empty role list after the scan', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(s, true), 'certificate-in-iflow');
    expect(s.step).toBe('option2-warning');
    expect(panelText(s)).toMatch(/redeploy/);
    expect(panelText(s)).toContain('"roles": []');
    s = ok(s, true);
    expect(s.step).toBe('instance-name');
    expect(visited(s)).not.toContain('choose-role');
    s = toCertificateSource('cpi-inbound-opt2', s);
    // SAP-generated certificates are not offered for Option 2.
    expect(choicesOf(s)).toEqual(['external', 'new-csr']);
    s = skipTests(withExternalCertificate(s));
    s = result<'scan-duplicates'>(s, noDuplicates);
    expect(s.step).toBe('create-instance');
    expect((effectOf(s) as {parameters: unknown}).parameters).toEqual({roles: [], 'grant-types': ['client_credentials'], 'redirect-uris': []});
  });

  it('going back from the warning returns to the option choice', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(ok(s, true), 'certificate-in-iflow'), false);
    expect(s.step).toBe('choose-option');
  });

  it('offers only rename or quit for an existing instance that grants ESBMessaging.send', () => {
    let s = ok(toOption2InstanceName(), 'shared');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('shared')});
    expect(s.step).toBe('instance-existing');
    expect(choicesOf(s)).toEqual(['rename', 'quit']);
    expect(panelText(s)).toContain('ESBMessaging.send');
    expect(fromPlanAt(s, {option: 'certificate-in-iflow', instanceAction: 'update'})).toBe('quit');
    s = ok(s, 'quit');
    expect(s.step).toBe('write-outputs');
    expect(s.error?.code).toBe('instance-unusable');
    expect(s.facts.actions).toEqual([]);

    // The same instance is fine for Option 1.
    let t = ok(toInstanceName(), 'shared');
    t = result<'lookup-instance'>(t, {instance: fittingInstance('shared')});
    expect(choicesOf(t)).toEqual(['reuse', 'rename', 'quit']);
  });

  it('reuses an existing instance without roles', () => {
    let s = ok(toOption2InstanceName(), 'no-roles');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('no-roles', 'i8', {roles: [], 'grant-types': ['client_credentials']})});
    expect(choicesOf(s)).toEqual(['reuse', 'rename', 'quit']);
  });

  // BUG (flows/parameters.ts, assessInstance): stored parameters without a `roles` key read as
  // "no role", but without `roles` the broker grants its default ESBMessaging.send (the warning
  // above, and src/checklist.ts, which marks such an instance 'failed'). Expected: no reuse for
  // Option 2 (a conflict, or an update that sends "roles": []). Remove `.fails` once fixed.
  it('does not reuse an existing instance whose parameters carry no roles key at all', () => {
    let s = ok(toOption2InstanceName(), 'legacy-opt2');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('legacy-opt2', 'i8', {'grant-types': ['client_credentials'], 'redirect-uris': []})});
    expect(choicesOf(s)).not.toContain('reuse');
    expect(fromPlanAt(s, {option: 'certificate-in-iflow'})).not.toBe('reuse');
  });

  it('writes a new key and CSR without any Cloud Foundry write', () => {
    let s = toCertificateSource('cpi-inbound-opt2', toOption2InstanceName());
    s = ok(ok(ok(s, 'new-csr'), 'partner-system'), 'ec-p256');
    expect(effectOf(s)).toEqual({type: 'generate-csr', commonName: 'partner-system', organization: undefined, keyType: 'ec-p256'});
    s = result<'generate-csr'>(s, {privateKey: '/tmp/out/key.pem', csr: '/tmp/out/req.csr', subject: 'CN=partner-system'});
    expect(s.step).toBe('csr-next');
    s = ok(ok(s, 'finish'), false);
    expect(s.step).toBe('write-outputs');
    expect(visited(s).filter(id => WRITES.includes(id))).toEqual([]);
    expect(s.facts.actions).toEqual([]);
  });
});

describe('setup flow: no write before the inputs are checked', () => {
  it('a refused certificate and quit reach the checklist with nothing written', () => {
    let s = ok(ok(toCertificateSource(), 'external'), '/root.pem');
    s = result<'load-certificate'>(s, refusedCertificate);
    s = ok(s, 'quit');
    expect(s.step).toBe('write-outputs');
    expect(visited(s).filter(id => WRITES.includes(id))).toEqual([]);
    expect(s.facts.actions).toEqual([]);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('failed');
  });

  it('a duplicate found by the scan and quit reach the checklist with nothing written, even for an instance to update', () => {
    let s = ok(toInstanceName(), 'old-guide');
    s = result<'lookup-instance'>(s, {instance: {guid: 'i2', name: 'old-guide', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_x509']}}});
    s = skipTests(withExternalCertificate(ok(s, 'update')));
    expect(s.step).toBe('scan-duplicates');
    s = result<'scan-duplicates'>(s, duplicateElsewhere);
    s = ok(s, 'quit');
    expect(s.step).toBe('write-outputs');
    expect(visited(s).filter(id => WRITES.includes(id))).toEqual([]);
    expect(s.facts.actions).toEqual([]);
  });

  it('a private key that does not match goes back to its question with the reason, without any write', () => {
    let s = withExternalCertificate(toCertificateSource());
    s = ok(s, 'run');
    expect(s.answers.liveTest?.run).toBe(true);
    expect(s.step).toBe('live-test-key');
    s = ok(s, '/wrong.key');
    expect(s.step).toBe('check-private-key');
    expect(effectOf(s)).toEqual({type: 'check-private-key', certificatePem: leaf.pem, privateKeyPath: '/wrong.key'});
    const trailBefore = s.trail.length;
    s = fail(s, {code: 'key-mismatch', message: 'The private key does not belong to the certificate.', fix: ['Give the key the CSR was made with']});
    expect(s.step).toBe('live-test-key');
    expect(s.error).toMatchObject({code: 'key-mismatch', step: 'check-private-key'});
    expect(panelText(s)).toContain('The private key does not belong to the certificate.');
    // The refused answer is taken back (history and trail).
    expect(s.trail).toHaveLength(trailBefore - 1);
    expect(s.history.at(-1)).toBe('live-test');
    expect(s.facts.privateKeyChecked).toBeUndefined();
    expect(visited(s).filter(id => WRITES.includes(id))).toEqual([]);
    expect(s.facts.actions).toEqual([]);
    // A matching key goes on to the tenant checks, still before any write.
    s = ok(s, '/right.key');
    s = result<'check-private-key'>(s, {matches: true});
    expect(s.step).toBe('tenant-checks');
    expect(s.error).toBeUndefined();
    expect(s.facts.privateKeyChecked).toBe(true);
    expect(s.answers.liveTest?.privateKeyPath).toBe('/right.key');
  });

  it('asks for no private key when the certificate file carries one', () => {
    let s = withExternalCertificate(toCertificateSource(), {...goodCertificate, kind: 'pkcs12', path: '/c.p12', hasPrivateKey: true});
    s = ok(s, 'run');
    expect(s.step).toBe('tenant-checks');
  });

  it('an api key file that cannot be read goes back to its question, without any write', () => {
    let s = withSapGenerated(toCertificateSource());
    s = ok(ok(s, 'skip'), 'file');
    expect(s.step).toBe('tenant-key-path');
    s = ok(s, '/api.json');
    expect(effectOf(s)).toEqual({type: 'check-api-key', path: '/api.json'});
    s = fail(s, {code: 'api-key', message: 'Not a service key of plan api', fix: []});
    expect(s.step).toBe('tenant-key-path');
    expect(s.error?.code).toBe('api-key');
    expect(s.facts.actions).toEqual([]);
    s = ok(s, '/api-good.json');
    s = result<'check-api-key'>(s, {clientIdKnown: true});
    expect(s.step).toBe('create-instance');
    expect(s.answers.tenantChecks).toMatchObject({mode: 'file', apiKeyPath: '/api-good.json'});
  });

  it('the first write comes after the scan: the effects of a happy path with the live test, in order', () => {
    let s = withExternalCertificate(toCertificateSource());
    s = ok(ok(s, 'run'), '/k.pem');
    s = result<'check-private-key'>(s, {matches: true});
    s = ok(s, 'skip');
    s = result<'scan-duplicates'>(s, noDuplicates);
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS, parametersSource: 'stored'}, alreadyExisted: false});
    s = result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', url: 'https://rt', alreadyExisted: false, certificateVerified: true});
    expect(s.step).toBe('live-test-path');
    s = ok(s, '/http/orders');
    // The private key was given before the writes: no question in between.
    expect(s.step).toBe('probe');
    // The flow decides what explains a 401: here the new key is the only one holding the certificate.
    expect(effectOf(s)).toEqual({type: 'probe', url: 'https://rt/http/orders', method: 'POST', certificatePath: '/c.pem', privateKeyPath: '/k.pem', crossCheck: {keysWithThisCertificate: 1}});
    s = result<'probe'>(s, probeFact(true));
    s = ok(s, 'continue');
    expect(s.step).toBe('export-pkcs12');
    s = ok(ok(s, 'skip'), false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('done');
    expect(effectsVisited(s)).toEqual(['preflight', 'lookup-instance', 'load-certificate', 'check-private-key', 'scan-duplicates', 'create-instance', 'create-key', 'probe', 'write-outputs']);
  });

  it('the first write comes after the scan: without the live test, and for a reused instance', () => {
    let s = skipTests(withExternalCertificate(toCertificateSource()));
    s = result<'scan-duplicates'>(s, noDuplicates);
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS}, alreadyExisted: false});
    s = result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', alreadyExisted: false});
    s = ok(s, false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(effectsVisited(s)).toEqual(['preflight', 'lookup-instance', 'load-certificate', 'scan-duplicates', 'create-instance', 'create-key', 'write-outputs']);
    // Every question but the plan file was answered before the first write.
    const firstWrite = visited(s).indexOf('create-instance');
    expect(visited(s).slice(firstWrite).filter(id => setupFlow.steps[id]?.kind === 'question')).toEqual(['save-plan', 'done']);

    walked.length = 0;
    let r = ok(toInstanceName(), 'existing');
    r = result<'lookup-instance'>(r, {instance: fittingInstance('existing')});
    r = skipTests(withExternalCertificate(ok(r, 'reuse')));
    r = result<'scan-duplicates'>(r, noDuplicates);
    r = result<'create-key'>(r, {guid: 'k1', name: 'k1', instanceName: 'existing', alreadyExisted: false});
    expect(effectsVisited(r)).toEqual(['preflight', 'lookup-instance', 'load-certificate', 'scan-duplicates', 'create-key']);
    expect(r.step).toBe('save-plan');
  });
});

describe('setup flow: an instance whose creation failed', () => {
  const failedInstance: InstanceFact = {...fittingInstance('cpi-inbound', 'i5'), lastOperation: {type: 'create', state: 'failed', description: 'broker timeout'}};

  it('is never offered for reuse; remove is offered, but not as the default', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: failedInstance});
    expect(s.step).toBe('instance-existing');
    const choices = choicesOf(s);
    expect(choices).not.toContain('reuse');
    expect(choices).not.toContain('update');
    expect(choices).toContain('remove');
    expect(choices[0]).not.toBe('remove');
    expect(questionOf(s)).toMatchObject({initial: choices[0]});
    expect(panelText(s)).toContain('its creation failed');
    // A plan removes it only when it says so; otherwise it stops.
    expect(fromPlanAt(s, {onFailure: 'remove'})).toBe('remove');
    expect(fromPlanAt(s, {})).toBe('quit');
    expect(fromPlanAt(s, {instanceAction: 'reuse'})).toBe('quit');
    const quit = ok(s, 'quit');
    expect(quit.step).toBe('write-outputs');
    expect(quit.error?.fix.join(' ')).toContain('cf delete-service cpi-inbound -f');
  });

  it('the remove-failed-instance effect removes that instance and continues to the certificate', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: failedInstance});
    s = ok(s, 'remove');
    expect(s.step).toBe('remove-failed-instance');
    expect(effectOf(s)).toEqual({type: 'cleanup', resources: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    s = result<'cleanup'>(s, {removed: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    expect(s.step).toBe('certificate-source');
    expect(s.facts.existingInstance).toBeNull();
    expect(s.facts.instance).toBeUndefined();
    expect(s.facts.actions).toEqual([expect.objectContaining({kind: 'deleted', what: 'service instance', name: 'cpi-inbound', guid: 'i5'})]);
    expect(s.trail.at(-1)).toMatchObject({step: 'remove-failed-instance', status: 'done'});
    // It is created anew once every input is checked.
    s = skipTests(withSapGenerated(s));
    expect(s.step).toBe('create-instance');
  });

  // BUG (flows/setup.ts, createdByThisRun): the 'deleted' record of the failed instance hides the
  // instance of the same name this run creates afterwards, so a later failure offers no cleanup
  // for it. Expected: offer-cleanup listing cpi-inbound. Remove `.fails` once fixed.
  it('after removing the failed instance, a later failure still offers the new instance for cleanup', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: failedInstance});
    s = result<'cleanup'>(ok(s, 'remove'), {removed: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    s = skipTests(withSapGenerated(s));
    s = result<'create-instance'>(s, {instance: {guid: 'i6', name: 'cpi-inbound', parameters: SEND_PARAMETERS}, alreadyExisted: false});
    s = fail(s, {code: 'broker', message: 'key failed', fix: []});
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
  });
});

describe('setup flow: tenant checks', () => {
  /** SAP-generated key, the live test run or not; at the tenant-checks question, nothing created yet. */
  function atTenantChecks(role = 'ESBMessaging.send', liveTest: 'run' | 'skip' = 'skip'): FlowState {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(s, true), 'role-based');
    s = role === 'ESBMessaging.send' ? ok(s, 'ESBMessaging.send') : ok(ok(s, 'custom'), role);
    s = toCertificateSource('cpi-inbound', s);
    s = ok(withSapGenerated(s), liveTest);
    expect(s.step).toBe('tenant-checks');
    expect(s.facts.actions).toEqual([]);
    return s;
  }

  /** Answers the tenant checks with `mode`, then creates the instance and the key. */
  function createdWithTenantChecks(s: FlowState, role = 'ESBMessaging.send', runtimeUrl = 'https://tenant-rt'): FlowState {
    expect(s.step).toBe('create-instance');
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {roles: [role], 'grant-types': ['client_credentials']}}, alreadyExisted: false});
    s = result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', url: runtimeUrl, alreadyExisted: false, files: {certificate: '/c', privateKey: '/k'}});
    expect(s.step).toBe('check-tenant');
    return s;
  }

  const endpoint = (verdict: 'pass' | 'fail', url = 'https://tenant-rt/http/orders') => ({iflowId: 'Orders', url, runtimeStatus: 'STARTED', channel: {verdict, message: verdict === 'pass' ? 'ok' : 'requires the role X', fix: ''}});

  it('asks the tenant with the instance roles and the option after the key, and picks the endpoint for the live test', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks('Orders.send', 'run'), 'create'), 'Orders.send');
    expect(effectOf(s)).toMatchObject({type: 'tenant-checks', mode: 'create', option: 1, instanceRoles: ['Orders.send'], runtimeUrl: 'https://tenant-rt'});
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('pass')], temporary: {instanceName: 'tmp', keyName: 'k', removed: true}});
    expect(s.step).toBe('tenant-results');
    expect(s.facts.actions.map(a => `${a.kind} ${a.name}`)).toEqual(['created cpi-inbound', 'created cpi-inbound/k1', 'created tmp', 'deleted tmp']);
    expect(choicesOf(s)).toEqual(['https://tenant-rt/http/orders', 'manual']);
    s = ok(s, 'https://tenant-rt/http/orders');
    // The endpoint's path is kept (it works for the next tenant too), and the test runs straight away.
    expect(s.answers.liveTest?.path).toBe('/http/orders');
    expect(s.step).toBe('probe');
    expect(effectOf(s)).toMatchObject({type: 'probe', url: 'https://tenant-rt/http/orders', certificatePath: '/c', privateKeyPath: '/k'});
    s = result<'probe'>(s, probeFact(true, 'https://tenant-rt/http/orders'));
    s = ok(s, 'continue');
    // A key is at hand (SAP-generated), so the PKCS#12 export is offered before the plan file.
    expect(s.step).toBe('export-pkcs12');
    s = ok(ok(s, 'skip'), false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('done');
  });

  it('saves the path of a tenant endpoint URL as the live test endpoint', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks('ESBMessaging.send', 'run'), 'create'), 'ESBMessaging.send', 'https://host.example');
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('pass', 'https://host.example/http/orders')]});
    s = ok(s, 'https://host.example/http/orders');
    expect(s.answers.liveTest).toMatchObject({run: true, path: '/http/orders'});
    expect(s.step).toBe('probe');
    expect(effectOf(s)).toMatchObject({url: 'https://host.example/http/orders'});
    // A plan with that path picks the same endpoint without a question.
    const atResults = {...s, step: 'tenant-results' as const};
    expect(fromPlanAt(atResults, {liveTest: {run: true, path: '/http/orders'}})).toBe('https://host.example/http/orders');
  });

  it('types the endpoint when "manual" is chosen', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks('ESBMessaging.send', 'run'), 'create'));
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('pass')]});
    s = ok(s, 'manual');
    expect(s.step).toBe('live-test-path');
    expect(ok(s, '/http/other').step).toBe('probe');
  });

  it('offers only to continue when no live test was chosen', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks(), 'create'));
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('pass')]});
    expect(choicesOf(s)).toEqual(['manual']);
    expect(ok(s, 'manual').step).toBe('export-pkcs12');
  });

  it('ends as failed when the chosen endpoint\'s channel does not fit, or the tenant is a trial', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks('ESBMessaging.send', 'run'), 'create'));
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('fail')]});
    s = ok(s, 'https://tenant-rt/http/orders');
    s = result<'probe'>(s, probeFact(true, 'https://tenant-rt/http/orders'));
    s = ok(ok(ok(s, 'continue'), 'skip'), false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('failed');

    let t = createdWithTenantChecks(ok(atTenantChecks(), 'create'));
    t = result<'tenant-checks'>(t, {reachable: true, trial: true, keystore: {verdict: 'fail', message: 'missing', fix: 'Basic auth'}, endpoints: []});
    expect(t.trail.at(-1)).toMatchObject({step: 'check-tenant', status: 'failed'});
    t = ok(ok(ok(t, 'manual'), 'skip'), false);
    t = result<'write-outputs'>(t, {files: {}});
    expect(t.status).toBe('failed');
  });

  it('never deletes the temporary api instance twice on cleanup', () => {
    let s = createdWithTenantChecks(ok(atTenantChecks('ESBMessaging.send', 'run'), 'create'));
    s = result<'tenant-checks'>(s, {reachable: false, trial: false, endpoints: [], error: {message: 'unreachable', fix: []}, temporary: {instanceName: 'tmp', keyName: 'k', removed: true}});
    expect(s.trail.at(-1)).toMatchObject({status: 'not-checked'});
    s = ok(ok(s, 'manual'), '/http/orders');
    expect(s.step).toBe('probe');
    s = fail(s, {code: 'x', message: 'boom', fix: []});
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
    s = ok(s, 'remove');
    expect((effectOf(s) as {resources: unknown[]}).resources).toEqual([
      {kind: 'key', instanceName: 'cpi-inbound', keyName: 'k1'},
      {kind: 'instance', instanceName: 'cpi-inbound'},
    ]);
  });
});

describe('setup flow: failure and cleanup', () => {
  it('offers to remove only what this run created, keys before instances', () => {
    let s = skipTests(withExternalCertificate(toCertificateSource()));
    s = result<'scan-duplicates'>(s, {duplicates: [], keysScanned: 0, instancesScanned: 1, unreadable: []});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = fail(s, {code: 'broker', message: 'Job failed: bind could not be completed', fix: []});
    expect(s.step).toBe('step-failed');
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
    expect(fromPlanAt(s, {})).toBe('keep');
    s = ok(s, 'remove');
    expect(effectOf(s)).toEqual({type: 'cleanup', resources: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    s = result<'cleanup'>(s, {removed: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    expect(s.step).toBe('write-outputs');
    expect(s.error?.message).toContain('bind could not be completed');
    expect(s.facts.actions.map(a => `${a.kind} ${a.name}`)).toEqual(['created cpi-inbound', 'deleted cpi-inbound']);
  });

  it('never offers cleanup for a reused instance', () => {
    let s = ok(toInstanceName(), 'existing');
    s = result<'lookup-instance'>(s, {instance: fittingInstance('existing')});
    s = skipTests(withExternalCertificate(ok(s, 'reuse')));
    s = result<'scan-duplicates'>(s, duplicateElsewhere);
    expect(ok(s, 'quit').step).toBe('write-outputs');

    // Nor when the key creation into it fails.
    s = result<'scan-duplicates'>({...s, step: 'scan-duplicates'}, noDuplicates);
    expect(s.step).toBe('create-key');
    s = fail(s, {code: 'broker', message: 'key failed', fix: []});
    s = ok(s, 'quit');
    expect(s.step).toBe('write-outputs');
    expect(s.facts.actions.map(a => a.kind)).toEqual(['reused']);
  });

  it('records an instance left behind by a failed create as created and failed, and offers it for cleanup', () => {
    let s = skipTests(withSapGenerated(toCertificateSource()));
    expect(s.step).toBe('create-instance');
    s = fail(s, {code: 'broker', message: 'create failed', fix: [], details: {leftover: {guid: 'i7', state: 'create failed'}}});
    expect(s.step).toBe('step-failed');
    expect(s.facts.actions).toEqual([expect.objectContaining({kind: 'created', what: 'service instance', name: 'cpi-inbound', guid: 'i7', failed: true})]);
    expect(s.facts.actions[0].note).toContain('create failed');
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
    expect(panelText(s)).toContain('• service instance cpi-inbound (i7)');
    s = ok(s, 'remove');
    expect(effectOf(s)).toEqual({type: 'cleanup', resources: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
  });

  it('records a key left behind by a failed create and removes it before the instance', () => {
    let s = skipTests(withSapGenerated(toCertificateSource()));
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS}, alreadyExisted: false});
    s = fail(s, {code: 'broker', message: 'bind failed', fix: [], details: {leftover: {guid: 'kg7', state: 'create failed'}}});
    expect(s.facts.actions.at(-1)).toMatchObject({kind: 'created', what: 'service key', name: 'cpi-inbound/k1', guid: 'kg7', failed: true});
    s = ok(ok(s, 'quit'), 'remove');
    expect((effectOf(s) as {resources: unknown[]}).resources).toEqual([
      {kind: 'key', instanceName: 'cpi-inbound', keyName: 'k1'},
      {kind: 'instance', instanceName: 'cpi-inbound'},
    ]);
  });
});

describe('setup flow: trail statuses', () => {
  it('marks answers as answers and effects by what they showed', () => {
    let s = toInstanceName();
    expect(s.trail.map(t => t.status)).toEqual(['verified', 'answer', 'answer', 'answer']);
    s = toCertificateSource('cpi-inbound', s);
    expect(s.trail.at(-1)).toMatchObject({step: 'lookup-instance', status: 'verified'});
    let refused = ok(ok(s, 'external'), '/root.pem');
    refused = result<'load-certificate'>(refused, refusedCertificate);
    expect(refused.trail.at(-1)).toMatchObject({step: 'load-certificate', status: 'failed'});
    s = skipTests(withExternalCertificate(s));
    expect(s.trail.find(t => t.step === 'load-certificate')?.status).toBe('verified');
  });

  it('a scan with unreadable keys is not-checked and does not block; a duplicate is failed', () => {
    const s = skipTests(withExternalCertificate(toCertificateSource()));
    const unread = result<'scan-duplicates'>(s, {...noDuplicates, spacesScanned: 2, unreadable: [{instanceName: 'x', keyName: 'y', reason: 'forbidden'}]});
    expect(unread.step).toBe('create-instance');
    expect(unread.facts.unreadableKeys).toEqual([{instanceName: 'x', keyName: 'y', reason: 'forbidden'}]);
    expect(unread.trail.at(-1)).toMatchObject({step: 'scan-duplicates', status: 'not-checked'});
    expect(unread.trail.at(-1)?.summary).toContain('x/y');
    expect(unread.trail.at(-1)?.summary).toContain('across 2 space(s)');
    const clean = result<'scan-duplicates'>(s, noDuplicates);
    expect(clean.trail.at(-1)).toMatchObject({step: 'scan-duplicates', status: 'verified'});
    const dup = result<'scan-duplicates'>(s, duplicateElsewhere);
    expect(dup.trail.at(-1)).toMatchObject({step: 'scan-duplicates', status: 'failed'});
  });

  it('instance parameters only sent are done, read back are verified', () => {
    const s = skipTests(withSapGenerated(toCertificateSource()));
    const sent = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS, parametersSource: 'sent', parametersUnreadable: 'broker answers 400'}, alreadyExisted: false});
    expect(sent.trail.at(-1)).toMatchObject({step: 'create-instance', status: 'done'});
    expect(sent.trail.at(-1)?.summary).toContain('not read back (broker answers 400)');
    const stored = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS, parametersSource: 'stored'}, alreadyExisted: false});
    expect(stored.trail.at(-1)).toMatchObject({step: 'create-instance', status: 'verified'});
  });

  it('a key read back is verified, one not read back is done', () => {
    let s = skipTests(withExternalCertificate(toCertificateSource()));
    s = result<'scan-duplicates'>(s, noDuplicates);
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS}, alreadyExisted: false});
    expect(result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', alreadyExisted: false, certificateVerified: true}).trail.at(-1)).toMatchObject({step: 'create-key', status: 'verified'});
    expect(result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', alreadyExisted: false}).trail.at(-1)).toMatchObject({step: 'create-key', status: 'done'});
  });

  it('a failed live test is failed, a passed one verified', () => {
    let s = ok(withSapGenerated(toCertificateSource()), 'run');
    s = ok(s, 'skip');
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: SEND_PARAMETERS}, alreadyExisted: false});
    s = result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', url: 'https://rt', alreadyExisted: false, files: {certificate: '/c', privateKey: '/k'}});
    s = ok(s, '/http/orders');
    expect(s.step).toBe('probe');
    const failed = result<'probe'>(s, probeFact(false));
    expect(failed.trail.at(-1)).toMatchObject({step: 'probe', status: 'failed', summary: 'Live test: HTTP 401 Unauthorized'});
    expect(choicesOf(failed)).toContain('retry');
    const passed = result<'probe'>(s, probeFact(true));
    expect(passed.trail.at(-1)).toMatchObject({step: 'probe', status: 'verified'});
    // The failed live test makes the run fail even without an error.
    let end = ok(ok(ok(failed, 'continue'), 'skip'), false);
    end = result<'write-outputs'>(end, {files: {}});
    expect(end.status).toBe('failed');
  });
});

describe('setup flow: demo scenarios', () => {
  it('offers to go on with the leaf when only its chain is incomplete, and a plan can ask for it', () => {
    let s = ok(ok(toCertificateSource(), 'external'), '/leaf.pem');
    s = result<'load-certificate'>(s, {...goodCertificate, verdict: 'fail', checks: [{id: 'chain', title: 'Chain', verdict: 'fail', message: 'intermediate missing'}]});
    expect(s.step).toBe('certificate-review');
    expect(choicesOf(s)).toEqual(['other', 'leaf-only', 'quit']);
    expect(fromPlanAt(s, {})).toBe('quit');
    expect(fromPlanAt(s, {acceptIncompleteChain: true})).toBe('leaf-only');
    const leafOnly = ok(s, 'leaf-only');
    expect(leafOnly.step).toBe('key-name');
    expect(leafOnly.answers.acceptIncompleteChain).toBe(true);
    // Nothing exists in Cloud Foundry yet: the leaf goes on through the same checks before any write.
    expect(leafOnly.facts.actions).toEqual([]);

    // Any other failure keeps the door shut.
    const other = {...s, facts: {...s.facts, certificate: {...goodCertificate, verdict: 'fail' as const, checks: [{id: 'chain' as const, title: 'Chain', verdict: 'fail' as const, message: 'x'}, {id: 'eku' as const, title: 'EKU', verdict: 'fail' as const, message: 'no clientAuth'}]}}};
    expect(fromPlanAt(other, {acceptIncompleteChain: true})).toBe('quit');
    expect(choicesOf(other)).toEqual(['other', 'quit']);
  });

  it('preselects the option a scenario names and shows its lesson first', () => {
    let s = initialState(setupFlow, {...context, demo: {scenario: 'option-2', lesson: ['Every certificate change needs a redeploy.']}, defaults: {option: 'certificate-in-iflow'}});
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    const confirm = stepOf(setupFlow, s);
    if (!isQuestion(confirm)) throw new Error('expected question');
    expect(confirm.panels!(s)[0]).toMatchObject({title: 'Lesson of the demo scenario "option-2"', lines: ['Every certificate change needs a redeploy.']});
    s = ok(s, true);
    expect(questionOf(s)).toMatchObject({initial: 'certificate-in-iflow'});
  });
});

describe('setup flow: resumed runs', () => {
  it('counts an instance that "already exists" but was created after the run began as this run\'s', () => {
    const later = skipTests(withSapGenerated(toCertificateSource()));
    expect(later.step).toBe('create-instance');
    const s = result<'create-instance'>(later, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}, createdAt: '2026-11-26T10:00:05Z'}, alreadyExisted: true});
    expect(s.facts.actions[0]).toMatchObject({kind: 'created', name: 'cpi-inbound'});
    const before = result<'create-instance'>(later, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}, createdAt: '2026-11-20T08:00:00Z'}, alreadyExisted: true});
    expect(before.facts.actions[0]).toMatchObject({kind: 'reused'});
    // The trail says the same as the record: created by this run, or found.
    expect(s.trail.at(-1)?.summary).toMatch(/^Instance cpi-inbound created \(i1\)/);
    expect(before.trail.at(-1)?.summary).toMatch(/^Instance cpi-inbound found \(i1\), created outside this run/);
  });
});

describe('state machine: secrets', () => {
  it('never writes a masked answer into the trail, even for a step without its own summary', () => {
    const flow = {
      ...setupFlow,
      steps: {
        ...setupFlow.steps,
        'certificate-password': {...setupFlow.steps['certificate-password'], summary: undefined},
      },
    } as typeof setupFlow;
    let s = initialState(flow, context);
    s = {...s, step: 'certificate-password'};
    const outcome = answer(flow, s, 's3cret-p12');
    if (!outcome.ok) throw new Error(outcome.error);
    expect(JSON.stringify(outcome.state.trail)).not.toContain('s3cret-p12');
    expect(outcome.state.trail.at(-1)?.summary).toBe('PKCS#12 password: given');
  });
});
