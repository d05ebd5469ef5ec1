import {describe, expect, it} from 'vitest';
import {answer, back, effectFailed, effectSucceeded, initialState, isQuestion, stepOf} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {CertificateFact, EffectResults, FlowState} from '../../flows/types.js';
import type {CertificateSummary} from '../../src/ports.js';

// Pure tests of the state machine: effects are fed as plain result data, no I/O at all.

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

function ok(state: FlowState, value: string | boolean): FlowState {
  const outcome = answer(setupFlow, state, value);
  if (!outcome.ok) throw new Error(`answer ${String(value)} at ${state.step} refused: ${outcome.error}`);
  return outcome.state;
}

function result<T extends keyof EffectResults>(state: FlowState, value: EffectResults[T]): FlowState {
  return effectSucceeded(setupFlow, state, value);
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

describe('setup flow: Option 1', () => {
  it('walks the happy path and sends SAP parameters', () => {
    let s = toInstanceName();
    s = ok(s, 'cpi-inbound');
    expect(s.step).toBe('lookup-instance');
    expect(stepOf(setupFlow, s).kind).toBe('effect');
    s = result<'lookup-instance'>(s, {instance: null});
    expect(s.step).toBe('create-instance');
    const create = stepOf(setupFlow, s);
    if (create.kind !== 'effect') throw new Error('expected effect');
    expect(create.effect(s)).toEqual({
      type: 'create-instance',
      offering: 'it-rt',
      plan: 'integration-flow',
      name: 'cpi-inbound',
      parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []},
    });
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {roles: ['ESBMessaging.send']}}, alreadyExisted: false});
    expect(s.facts.actions).toEqual([expect.objectContaining({kind: 'created', what: 'service instance', name: 'cpi-inbound', guid: 'i1'})]);
    s = ok(s, 'external');
    s = ok(s, '/c.pem');
    s = result<'load-certificate'>(s, goodCertificate);
    expect(s.step).toBe('certificate-review');
    s = ok(s, 'continue');
    expect(s.step).toBe('key-name');
    expect(s.answers.keyName).toBe('s4hana-sender-2027-11');
    s = ok(s, 's4hana-sender-2027-11');
    expect(s.step).toBe('scan-duplicates');
    s = result<'scan-duplicates'>(s, {duplicates: [], keysScanned: 3, instancesScanned: 2});
    const key = stepOf(setupFlow, s);
    if (key.kind !== 'effect') throw new Error('expected effect');
    const effect = key.effect(s);
    expect(effect).toMatchObject({type: 'create-key', instanceName: 'cpi-inbound', keyName: 's4hana-sender-2027-11', expectLeafFingerprint: 'AA:BB'});
    // The key takes the leaf alone, as one PEM block.
    expect((effect as {parameters: Record<string, string>}).parameters).toEqual({'key-type': 'certificate_external', 'X.509': leaf.pem});
    s = result<'create-key'>(s, {guid: 'k1', name: 's4hana-sender-2027-11', instanceName: 'cpi-inbound', clientId: 'sb-1', url: 'https://rt', alreadyExisted: false, certificateVerified: true});
    expect(s.step).toBe('tenant-checks');
    s = ok(s, 'skip');
    expect(s.step).toBe('live-test');
    s = ok(s, 'skip');
    expect(s.step).toBe('save-plan');
    s = ok(s, true);
    expect(s.answers.savePlan).toBe(true);
    expect(s.step).toBe('write-outputs');
    s = result<'write-outputs'>(s, {files: {checklist: '/tmp/out/checklist.md'}});
    expect(s.status).toBe('done');
  });

  it('offers reuse for an existing instance that fits, and records it as reused', () => {
    let s = ok(toInstanceName(), 'existing');
    s = result<'lookup-instance'>(s, {
      instance: {guid: 'i9', name: 'existing', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}},
    });
    expect(s.step).toBe('instance-existing');
    const step = stepOf(setupFlow, s);
    if (!isQuestion(step)) throw new Error('expected question');
    const q = step.question(s);
    expect(q.type === 'select' && q.choices.map(c => c.value)).toEqual(['reuse', 'rename', 'quit']);
    s = ok(s, 'reuse');
    expect(s.step).toBe('certificate-source');
    expect(s.facts.instance?.guid).toBe('i9');
    expect(s.facts.actions[0]).toMatchObject({kind: 'reused', name: 'existing'});
  });

  it('explains client_x509 and updates with the full parameter set, grant replaced', () => {
    let s = ok(toInstanceName(), 'old-guide');
    s = result<'lookup-instance'>(s, {
      instance: {guid: 'i2', name: 'old-guide', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_x509'], 'token-validity': 3600}},
    });
    const step = stepOf(setupFlow, s);
    if (!isQuestion(step)) throw new Error('expected question');
    const text = step.panels!(s).flatMap(p => [p.title ?? '', ...p.lines]).join('\n');
    expect(text).toContain('client_x509');
    expect(text).toContain('no new service key can be created');
    s = ok(s, 'update');
    expect(s.step).toBe('update-instance');
    const update = stepOf(setupFlow, s);
    if (update.kind !== 'effect') throw new Error('expected effect');
    expect(update.effect(s)).toEqual({
      type: 'update-instance',
      name: 'old-guide',
      parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': [], 'token-validity': 3600},
    });
  });

  it('adds a missing custom role to an existing instance without dropping its roles', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(ok(s, true), 'role-based'), 'custom');
    expect(answer(setupFlow, s, 'Orders send').ok).toBe(false);
    s = ok(s, 'Orders.send');
    s = ok(s, 'shared');
    s = result<'lookup-instance'>(s, {instance: {guid: 'i3', name: 'shared', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}}});
    s = ok(s, 'update');
    const update = stepOf(setupFlow, s);
    if (update.kind !== 'effect') throw new Error('expected effect');
    expect((update.effect(s) as {parameters: unknown}).parameters).toMatchObject({roles: ['ESBMessaging.send', 'Orders.send']});
  });

  it('refuses an instance of another plan', () => {
    let s = ok(toInstanceName(), 'api-instance');
    s = result<'lookup-instance'>(s, {instance: {guid: 'i4', name: 'api-instance', planName: 'api', offeringName: 'it-rt', parameters: {}}});
    const step = stepOf(setupFlow, s);
    if (!isQuestion(step)) throw new Error('expected question');
    const q = step.question(s);
    expect(q.type === 'select' && q.choices.map(c => c.value)).toEqual(['rename', 'quit']);
  });

  it('stops on a duplicate certificate and creates no key', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = ok(ok(s, 'external'), '/c.pem');
    s = result<'load-certificate'>(s, goodCertificate);
    s = ok(ok(s, 'continue'), 'k1');
    s = result<'scan-duplicates'>(s, {duplicates: [{instanceName: 'other', instanceGuid: 'i7', keyName: 'old', match: 'certificate'}], keysScanned: 5, instancesScanned: 3});
    expect(s.step).toBe('duplicate-found');
    s = ok(s, 'quit');
    // This run created the instance: it offers to remove it; keeping it is the default.
    expect(s.step).toBe('offer-cleanup');
    s = ok(s, 'keep');
    expect(s.step).toBe('write-outputs');
    expect(s.error?.code).toBe('duplicate-certificate');
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('failed');
    expect(s.facts.key).toBeUndefined();
  });

  it('treats the same certificate in the key of the same name as already in place (re-run)', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = ok(ok(s, 'external'), '/c.pem');
    s = result<'load-certificate'>(s, goodCertificate);
    s = ok(ok(s, 'continue'), 'k1');
    s = result<'scan-duplicates'>(s, {duplicates: [{instanceName: 'cpi-inbound', instanceGuid: 'i1', keyName: 'k1', match: 'certificate'}], keysScanned: 1, instancesScanned: 1});
    expect(s.step).toBe('create-key');
  });

  it('sends a failed certificate back with no way to continue', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = ok(ok(s, 'external'), '/root.pem');
    s = result<'load-certificate'>(s, {...goodCertificate, verdict: 'fail', checks: [{id: 'leaf', title: 'Client leaf', verdict: 'fail', message: 'a CA certificate', fix: 'Give the leaf'}]});
    const step = stepOf(setupFlow, s);
    if (!isQuestion(step)) throw new Error('expected question');
    const q = step.question(s);
    expect(q.type === 'select' && q.choices.map(c => c.value)).toEqual(['other', 'quit']);
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
    expect(s.error).toMatchObject({code: 'certificate-rejected', fix: ['Give the leaf']});
  });

  it('goes to a blocked step with the fix when cf is not logged in, and retries', () => {
    let s = initialState(setupFlow, context);
    s = effectFailed(setupFlow, s, {code: 'cf', message: 'Not logged in.', fix: ['cf login -a https://api.cf.eu10.hana.ondemand.com']});
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

  it('retries a failed key creation from the failure step', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = effectFailed(setupFlow, s, {code: 'cf', message: 'Service broker error', fix: []});
    expect(s.step).toBe('step-failed');
    expect(s.error?.step).toBe('create-instance');
    expect(ok(s, 'retry').step).toBe('create-instance');
  });
});

describe('setup flow: Option 2', () => {
  it('warns, skips roles and creates the instance without roles', () => {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(s, true), 'certificate-in-iflow');
    expect(s.step).toBe('option2-warning');
    const warning = stepOf(setupFlow, s);
    if (!isQuestion(warning)) throw new Error('expected question');
    expect(warning.panels!(s)[0].lines.join(' ')).toMatch(/redeploy/);
    s = ok(ok(s, true), 'cpi-inbound-opt2');
    s = result<'lookup-instance'>(s, {instance: null});
    const create = stepOf(setupFlow, s);
    if (create.kind !== 'effect') throw new Error('expected effect');
    expect((create.effect(s) as {parameters: unknown}).parameters).toEqual({'grant-types': ['client_credentials'], 'redirect-uris': []});
  });
});

describe('setup flow: tenant checks', () => {
  function atTenantChecks(role = 'ESBMessaging.send'): FlowState {
    let s = initialState(setupFlow, context);
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    s = ok(ok(s, true), 'role-based');
    s = role === 'ESBMessaging.send' ? ok(s, 'ESBMessaging.send') : ok(ok(s, 'custom'), role);
    s = ok(s, 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {roles: [role], 'grant-types': ['client_credentials']}}, alreadyExisted: false});
    s = ok(ok(s, 'sap-generated'), '30');
    s = ok(ok(s, '2048'), 'k1');
    s = result<'create-key'>(s, {guid: 'k1', name: 'k1', instanceName: 'cpi-inbound', url: 'https://tenant-rt', alreadyExisted: false, files: {certificate: '/c', privateKey: '/k'}});
    expect(s.step).toBe('tenant-checks');
    return s;
  }
  const endpoint = (verdict: 'pass' | 'fail') => ({iflowId: 'Orders', url: 'https://tenant-rt/http/orders', runtimeStatus: 'STARTED', channel: {verdict, message: verdict === 'pass' ? 'ok' : 'requires the role X', fix: ''}});

  it('asks the tenant with the instance roles and the option, and picks the endpoint for the live test', () => {
    let s = ok(atTenantChecks('Orders.send'), 'create');
    const check = stepOf(setupFlow, s);
    if (check.kind !== 'effect') throw new Error('expected effect');
    expect(check.effect(s)).toMatchObject({type: 'tenant-checks', mode: 'create', option: 1, instanceRoles: ['Orders.send'], runtimeUrl: 'https://tenant-rt'});
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('pass')], temporary: {instanceName: 'tmp', keyName: 'k', removed: true}});
    expect(s.step).toBe('tenant-results');
    expect(s.facts.actions.map(a => `${a.kind} ${a.name}`)).toEqual(['created cpi-inbound', 'created cpi-inbound/k1', 'created tmp', 'deleted tmp']);
    s = ok(s, 'https://tenant-rt/http/orders');
    expect(s.answers.liveTest?.path).toBe('https://tenant-rt/http/orders');
    // A key is at hand (SAP-generated), so the PKCS#12 export is offered before the plan file.
    s = ok(s, 'skip');
    expect(s.step).toBe('export-pkcs12');
    s = ok(ok(s, 'skip'), false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('done');
  });

  it('ends as failed when the chosen endpoint\'s channel does not fit, or the tenant is a trial', () => {
    let s = ok(atTenantChecks(), 'create');
    s = result<'tenant-checks'>(s, {reachable: true, trial: false, keystore: {verdict: 'pass', message: 'present', fix: ''}, endpoints: [endpoint('fail')]});
    s = ok(ok(ok(ok(s, 'https://tenant-rt/http/orders'), 'skip'), 'skip'), false);
    s = result<'write-outputs'>(s, {files: {}});
    expect(s.status).toBe('failed');

    let t = ok(atTenantChecks(), 'create');
    t = result<'tenant-checks'>(t, {reachable: true, trial: true, keystore: {verdict: 'fail', message: 'missing', fix: 'Basic auth'}, endpoints: []});
    t = ok(ok(ok(ok(t, 'manual'), 'skip'), 'skip'), false);
    t = result<'write-outputs'>(t, {files: {}});
    expect(t.status).toBe('failed');
  });

  it('never deletes the temporary api instance twice on cleanup', () => {
    let s = ok(atTenantChecks(), 'create');
    s = result<'tenant-checks'>(s, {reachable: false, trial: false, endpoints: [], error: {message: 'unreachable', fix: []}, temporary: {instanceName: 'tmp', keyName: 'k', removed: true}});
    s = effectFailed(setupFlow, {...s, step: 'probe'}, {code: 'x', message: 'boom', fix: []});
    s = ok(s, 'quit');
    s = ok(s, 'remove');
    const cleanup = stepOf(setupFlow, s);
    if (cleanup.kind !== 'effect') throw new Error('expected effect');
    expect((cleanup.effect(s) as {resources: unknown[]}).resources).toEqual([
      {kind: 'key', instanceName: 'cpi-inbound', keyName: 'k1'},
      {kind: 'instance', instanceName: 'cpi-inbound'},
    ]);
  });
});

describe('setup flow: failure and cleanup', () => {
  it('offers to remove only what this run created, keys before instances', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = ok(ok(s, 'external'), '/c.pem');
    s = result<'load-certificate'>(s, goodCertificate);
    s = ok(ok(s, 'continue'), 'k1');
    s = result<'scan-duplicates'>(s, {duplicates: [], keysScanned: 0, instancesScanned: 1});
    s = effectFailed(setupFlow, s, {code: 'broker', message: 'Job failed: bind could not be completed', fix: []});
    expect(s.step).toBe('step-failed');
    s = ok(s, 'quit');
    expect(s.step).toBe('offer-cleanup');
    s = ok(s, 'remove');
    const cleanup = stepOf(setupFlow, s);
    if (cleanup.kind !== 'effect') throw new Error('expected effect');
    expect(cleanup.effect(s)).toEqual({type: 'cleanup', resources: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    s = result<'cleanup'>(s, {removed: [{kind: 'instance', instanceName: 'cpi-inbound'}]});
    expect(s.step).toBe('write-outputs');
    expect(s.error?.message).toContain('bind could not be completed');
    expect(s.facts.actions.map(a => `${a.kind} ${a.name}`)).toEqual(['created cpi-inbound', 'deleted cpi-inbound']);
  });

  it('never offers cleanup for a reused instance', () => {
    let s = ok(toInstanceName(), 'existing');
    s = result<'lookup-instance'>(s, {instance: {guid: 'i9', name: 'existing', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}}});
    s = ok(s, 'reuse');
    s = ok(ok(s, 'external'), '/c.pem');
    s = result<'load-certificate'>(s, goodCertificate);
    s = ok(ok(s, 'continue'), 'k1');
    s = result<'scan-duplicates'>(s, {duplicates: [{instanceName: 'other', instanceGuid: 'i7', keyName: 'old', match: 'certificate'}], keysScanned: 1, instancesScanned: 2});
    s = ok(s, 'quit');
    expect(s.step).toBe('write-outputs');
  });
});

describe('setup flow: demo scenarios', () => {
  it('offers to go on with the leaf when only its chain is incomplete, and a plan can ask for it', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    s = result<'create-instance'>(s, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}}, alreadyExisted: false});
    s = ok(ok(s, 'external'), '/leaf.pem');
    s = result<'load-certificate'>(s, {...goodCertificate, verdict: 'fail', checks: [{id: 'chain', title: 'Chain', verdict: 'fail', message: 'intermediate missing'}]});
    const review = stepOf(setupFlow, s);
    if (!isQuestion(review)) throw new Error('expected question');
    const q = review.question(s);
    expect(q.type === 'select' && q.choices.map(c => c.value)).toEqual(['other', 'leaf-only', 'quit']);
    expect(review.fromPlan!({}, s)).toBe('quit');
    expect(review.fromPlan!({acceptIncompleteChain: true}, s)).toBe('leaf-only');
    expect(ok(s, 'leaf-only').step).toBe('key-name');

    // Any other failure keeps the door shut.
    const other = {...s, facts: {...s.facts, certificate: {...goodCertificate, verdict: 'fail' as const, checks: [{id: 'chain', title: 'Chain', verdict: 'fail' as const, message: 'x'}, {id: 'eku', title: 'EKU', verdict: 'fail' as const, message: 'no clientAuth'}]}}};
    expect(review.fromPlan!({acceptIncompleteChain: true}, other)).toBe('quit');
  });

  it('preselects the option a scenario names and shows its lesson first', () => {
    let s = initialState(setupFlow, {...context, demo: {scenario: 'option-2', lesson: ['Every certificate change needs a redeploy.']}, defaults: {option: 'certificate-in-iflow'}});
    s = result<'preflight'>(s, {cfVersion, target, planAvailable: true});
    const confirm = stepOf(setupFlow, s);
    if (!isQuestion(confirm)) throw new Error('expected question');
    expect(confirm.panels!(s)[0]).toMatchObject({title: 'Lesson of the demo scenario "option-2"', lines: ['Every certificate change needs a redeploy.']});
    s = ok(s, true);
    const choose = stepOf(setupFlow, s);
    if (!isQuestion(choose)) throw new Error('expected question');
    expect(choose.question(s)).toMatchObject({initial: 'certificate-in-iflow'});
  });
});

describe('setup flow: resumed runs', () => {
  it('counts an instance that "already exists" but was created after the run began as this run\'s', () => {
    let s = ok(toInstanceName(), 'cpi-inbound');
    s = result<'lookup-instance'>(s, {instance: null});
    const later = {...s};
    s = result<'create-instance'>(later, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}, createdAt: '2026-11-26T10:00:05Z'}, alreadyExisted: true});
    expect(s.facts.actions[0]).toMatchObject({kind: 'created', name: 'cpi-inbound'});
    const before = result<'create-instance'>(later, {instance: {guid: 'i1', name: 'cpi-inbound', parameters: {}, createdAt: '2026-11-20T08:00:00Z'}, alreadyExisted: true});
    expect(before.facts.actions[0]).toMatchObject({kind: 'reused'});
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
