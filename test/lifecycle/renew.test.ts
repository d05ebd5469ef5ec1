import {execFile} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {answer, effectFailed, effectSucceeded, initialState} from '../../flows/machine.js';
import {renewFlow, type RenewState} from '../../flows/renew.js';
import type {AuditData} from '../../src/lifecycle/audit.js';
import type {ProbeFact} from '../../flows/types.js';
import {CLI} from '../helpers/pty.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-renew-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function cli(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> {
  return run(process.execPath, [CLI, ...args], {env: {...process.env, ...env}, timeout: 120_000}).then(
    r => ({code: 0, stdout: r.stdout, stderr: r.stderr}),
    (e: {code: number; stdout: string; stderr: string}) => ({code: e.code, stdout: e.stdout, stderr: e.stderr}),
  );
}

interface SimKey {
  name: string;
  instance_guid: string;
  credentials: {oauth: {certificate?: string}};
}

/** The keys of cpi-inbound-mtls (the "expiring" scenario also has other instances). */
async function keysOf(home: string): Promise<SimKey[]> {
  const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8')) as {instances: Array<{guid: string; name: string}>; keys: SimKey[]};
  const instance = state.instances.find(i => i.name === 'cpi-inbound-mtls')!;
  return state.keys.filter(k => k.instance_guid === instance.guid);
}

describe('cpi-mtls renew on the demo landscape', () => {
  it('keeps the old key when the live test fails, and deletes it only after a passing test with --delete-old', async () => {
    const home = path.join(dir, 'landscape');
    const env = {CPI_MTLS_DEMO_HOME: home};
    const common = ['renew', '--demo', '--instance', 'cpi-inbound-mtls', '--key', 's4hana-sender-expiring', '--json'];

    // 1. New certificate from a file, endpoint that does not exist: live test fails, old key survives.
    const failed = await cli([...common, '--cert', path.join(home, 'customer-files/s4hana-sender.chain.pem'), '--private-key', path.join(home, 'customer-files/s4hana-sender.key.pem'), '--path', '/http/demo/nothing', '--delete-old', '--out', path.join(dir, 'out1')], env);
    expect(failed.code).toBe(1);
    const first = JSON.parse(failed.stdout);
    expect(first.liveTest).toMatchObject({success: false, status: 404});
    expect(first.oldKeyDeleted).toBe(false);
    expect(first.keptReason).toMatch(/live test .* failed/);
    expect((await keysOf(home)).map(k => k.name).sort()).toEqual([first.newKey.name, 's4hana-sender-expiring'].sort());
    // The new key holds the leaf of the file, and the leaf file for the sender is written.
    const newKey = (await keysOf(home)).find(k => k.name === first.newKey.name)!;
    expect(new X509Certificate(newKey.credentials.oauth.certificate!).subject).toContain('CN=s4hana-sender');
    expect(await readFile(path.join(dir, 'out1/client-leaf.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(await readFile(path.join(dir, 'out1/renewal.md'), 'utf8')).toContain('Delete the old key cpi-inbound-mtls/s4hana-sender-expiring once');

    // 2. Same certificate again: refused before anything is created (it is already in a key).
    const duplicate = await cli([...common, '--cert', path.join(home, 'customer-files/s4hana-sender.chain.pem'), '--no-live-test', '--out', path.join(dir, 'out2')], env);
    expect(duplicate.code).toBe(1);
    expect(JSON.parse(duplicate.stdout).error.code).toBe('duplicate-certificate');
    expect(await keysOf(home)).toHaveLength(2);

    // 3. SAP-generated certificate, right endpoint, --delete-old: the test passes and the old key goes.
    const passed = await cli([...common, '--sap-generated', '--validity', '90', '--path', '/http/demo/orders', '--delete-old', '--out', path.join(dir, 'out3')], env);
    expect(passed.code, passed.stderr).toBe(0);
    const third = JSON.parse(passed.stdout);
    expect(third.liveTest).toMatchObject({success: true, status: 200});
    expect(third.oldKeyDeleted).toBe(true);
    const names = (await keysOf(home)).map(k => k.name);
    expect(names).not.toContain('s4hana-sender-expiring');
    expect(names).toContain(third.newKey.name);
    // The SAP-generated private key is written 0600 and never printed.
    const keyFile = third.files['sapGenerated.privateKey'];
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(passed.stdout + passed.stderr).not.toContain('PRIVATE KEY-----\nMII');
  }, 240_000);

  it('--option2 writes the certificate for the sender channel and keeps the old key until the redeploy', async () => {
    const home = path.join(dir, 'landscape-option2');
    const out = path.join(dir, 'out-option2');
    const result = await cli(['renew', '--demo', '--option2', '--instance', 'cpi-inbound-mtls', '--key', 's4hana-sender-expiring', '--cert', path.join(home, 'customer-files/s4hana-sender.chain.pem'), '--delete-old', '--json', '--out', out], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.oldKeyDeleted).toBe(false);
    expect(json.keptReason).toMatch(/not redeployed/);
    expect(json.liveTest).toBeNull();
    const channelFile = await readFile(path.join(out, 'sender-channel-certificate.crt'), 'utf8');
    expect(new X509Certificate(channelFile).fingerprint256).toBe(json.certificate.fingerprint256);
    expect(json.checklist.items.map((i: {title: string}) => i.title)).toContain('Option 2: add the new certificate to the sender channel and redeploy the integration flow');
    expect(result.stderr).toContain('Redeploy pending: old key kept');
    expect((await keysOf(home)).map(k => k.name)).toContain('s4hana-sender-expiring');
  }, 120_000);

  it('headless without a terminal needs --instance and --key', async () => {
    const result = await cli(['renew', '--json'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('renew needs every answer up front; missing: --instance, --key');
  });
});

// ---------------------------------------------------------------------------------------------
// The flow's delete decision, without I/O.

const audit: AuditData = {
  scope: 'space',
  target: {apiEndpoint: 'https://api.example', user: 'u', org: 'o', space: 's'},
  collectedAt: '2026-01-01T00:00:00Z',
  stats: {instances: 1, keys: 1, cfCalls: 1, durationMs: 1, parallelReads: 1},
  instances: [
    {
      guid: 'g1', name: 'inst', planName: 'integration-flow', offeringName: 'it-rt', spaceGuid: 's', roles: ['ESBMessaging.send'], grantTypes: ['client_credentials'], parametersReadable: true, lastOperation: null,
      keys: [{guid: 'k1', name: 'old', instanceGuid: 'g1', instanceName: 'inst', type: 'external-certificate', lastOperation: null, certificate: {subject: 'CN=a', issuer: 'CN=b', validUntil: '2026-01-10T00:00:00Z'}}],
    },
  ],
};

function atDeleteOld(probeSuccess: boolean | null, deleteOld?: boolean): RenewState {
  let state = initialState(renewFlow, {outputDir: '/tmp/x', startedAt: '2026-01-01T00:00:00Z'}, {instanceName: 'inst', oldKeyName: 'old', certificateSource: 'sap-generated', deleteOld}) as RenewState;
  state = effectSucceeded(renewFlow, state, audit);
  for (const value of ['inst', 'old', 'sap-generated', '30', 'new']) {
    const outcome = answer(renewFlow, state, value);
    if (!outcome.ok) throw new Error(outcome.error);
    state = outcome.state;
  }
  expect(state.step).toBe('create-key');
  state = effectSucceeded(renewFlow, state, {guid: 'k2', name: 'new', instanceName: 'inst', alreadyExisted: false, url: 'https://rt.example', files: {certificate: '/c', privateKey: '/k'}});
  if (probeSuccess === null) {
    const skipped = answer(renewFlow, state, 'skip');
    if (!skipped.ok) throw new Error(skipped.error);
    return skipped.state;
  }
  for (const value of ['run', '/http/x']) {
    const outcome = answer(renewFlow, state, value);
    if (!outcome.ok) throw new Error(outcome.error);
    state = outcome.state;
  }
  const probe: ProbeFact = {url: 'https://rt.example/http/x', outcome: probeSuccess ? 'success' : 'unauthorized', success: probeSuccess, summary: '', causes: [], fix: [], docs: [], raw: null};
  state = effectSucceeded(renewFlow, state, probe);
  const reviewed = answer(renewFlow, state, 'continue');
  if (!reviewed.ok) throw new Error(reviewed.error);
  return reviewed.state;
}

describe('renew flow: deleting the old key', () => {
  it('a plan deletes only with deleteOld and a passing test', () => {
    const step = renewFlow.steps['delete-old']!;
    if (step.kind !== 'question') throw new Error('question expected');
    const passedWith = atDeleteOld(true, true);
    expect(passedWith.step).toBe('delete-old');
    expect(step.fromPlan!(passedWith.answers, passedWith)).toBe('delete');
    const passedWithout = atDeleteOld(true, undefined);
    expect(step.fromPlan!(passedWithout.answers, passedWithout)).toBe('keep');
    const failedWith = atDeleteOld(false, true);
    expect(step.fromPlan!(failedWith.answers, failedWith)).toBe('keep');
    const skippedWith = atDeleteOld(null, true);
    expect(skippedWith.step).toBe('delete-old');
    expect(step.fromPlan!(skippedWith.answers, skippedWith)).toBe('keep');
  });

  it('after a failed test, deleting needs the key name typed; anything else keeps it', () => {
    const failed = atDeleteOld(false);
    expect(answer(renewFlow, failed, 'delete')).toMatchObject({ok: false});
    const insist = answer(renewFlow, failed, 'insist');
    if (!insist.ok) throw new Error(insist.error);
    expect(insist.state.step).toBe('delete-insist');
    const wrong = answer(renewFlow, insist.state, 'yes');
    if (!wrong.ok) throw new Error(wrong.error);
    expect(wrong.state.step).toBe('write-outputs');
    expect(wrong.state.facts.keptReason).toBe('Deletion not confirmed.');
    const typed = answer(renewFlow, insist.state, 'old');
    if (!typed.ok) throw new Error(typed.error);
    expect(typed.state.step).toBe('delete-key');
  });
});

describe('renew flow: protected certificate files', () => {
  it('asks for the password of a PKCS#12 file, and a plan with a wrong one stops instead of looping', () => {
    let state = initialState(renewFlow, {outputDir: '/tmp/x', startedAt: '2026-01-01T00:00:00Z'}, {}) as RenewState;
    state = effectSucceeded(renewFlow, state, audit);
    for (const value of ['inst', 'old', 'external', '/tmp/sender.p12']) {
      const outcome = answer(renewFlow, state, value);
      if (!outcome.ok) throw new Error(outcome.error);
      state = outcome.state;
    }
    expect(state.step).toBe('load-certificate');
    const asked = effectFailed(renewFlow, state, {code: 'password-required', message: 'The PKCS#12 file is protected.', fix: []});
    expect(asked.step).toBe('certificate-password');
    const step = renewFlow.steps['certificate-password']!;
    if (step.kind !== 'question') throw new Error('question expected');
    expect(step.question(asked)).toMatchObject({type: 'text', mask: true});
    const given = answer(renewFlow, asked, 'secret');
    if (!given.ok) throw new Error(given.error);
    expect(given.state).toMatchObject({step: 'load-certificate', answers: {certificatePassword: 'secret'}});
    const wrong = effectFailed(renewFlow, given.state, {code: 'wrong-password', message: 'Wrong password.', fix: []});
    expect(wrong.step).toBe('certificate-password');
    expect(step.fromPlan!(wrong.answers, wrong)).toBeUndefined();
    const unreadable = effectFailed(renewFlow, state, {code: 'unrecognized-format', message: 'Not a certificate.', fix: []});
    expect(unreadable.step).toBe('certificate-path-failed');
  });
});
