import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {answer, effectSucceeded, initialState} from '../../flows/machine.js';
import {renewFlow, type RenewState} from '../../flows/renew.js';
import type {AuditData} from '../../src/lifecycle/audit.js';
import {renewChecklist, renewJson} from '../../src/lifecycle/renew.js';
import type {ProbeFact} from '../../flows/types.js';
import {cli, inventory as inventoryOf, useDemoLandscape} from './harness.js';

// A headless renewal must be as careful as the setup: every usage problem before the first cf
// write, the old key kept unless a passing live test proves the new one, and a report that says
// what happened.

let dir: string;
let home: string;

useDemoLandscape('cpi-mtls-renew-safety-', where => ({dir, home} = where));

const inventory = (landscapeHome = home) => inventoryOf(landscapeHome);

const base = ['renew', '--demo', '--instance', 'cpi-inbound-mtls', '--key', 's4hana-sender-expiring'];
const files = (name: string) => path.join(home, 'customer-files', name);

describe('renew: usage errors come before the first cf write', () => {
  it('--json without --path (nor --no-live-test) exits 2 naming what is missing, and creates no key', async () => {
    const before = await inventory();
    const result = await cli([...base, '--json', '--cert', files('s4hana-sender.chain.pem'), '--private-key', files('s4hana-sender.key.pem'), '--out', path.join(dir, 'no-path')], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('--path <endpoint>');
    expect(result.stderr).toContain('--no-live-test');
    expect(result.stderr).toContain('Nothing was changed');
    const json = JSON.parse(result.stdout);
    expect(json.error).toMatchObject({code: 'usage', details: {missing: ['liveTest.path']}});
    expect(await inventory()).toEqual(before);
  }, 60_000);

  it('a certificate file without its private key needs --private-key for the live test, up front', async () => {
    const before = await inventory();
    const result = await cli([...base, '--json', '--cert', files('s4hana-sender.chain.pem'), '--path', '/http/demo/orders'], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('--private-key <file>');
    expect(await inventory()).toEqual(before);
  }, 60_000);

  it('without any answer it lists every missing one', async () => {
    const result = await cli(['renew', '--json'], {});
    expect(result.code).toBe(2);
    for (const flag of ['--instance', '--key', '--cert <file>', '--path <endpoint>']) expect(result.stderr).toContain(flag);
  });

  it('--no-live-test with --delete-old is refused: drop one of the two', async () => {
    const before = await inventory();
    const result = await cli([...base, '--json', '--sap-generated', '--no-live-test', '--delete-old'], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--delete-old and --no-live-test contradict/);
    expect(result.stderr).toMatch(/Drop --no-live-test/);
    expect(result.stderr).toMatch(/drop --delete-old/);
    expect(await inventory()).toEqual(before);

    const plan = path.join(dir, 'contradicting.yaml');
    await writeFile(plan, 'instanceName: cpi-inbound-mtls\noldKeyName: s4hana-sender-expiring\ncertificateSource: sap-generated\nliveTest: {run: false}\ndeleteOld: true\n');
    const fromPlan = await cli(['renew', '--demo', '--plan', plan], {CPI_MTLS_DEMO_HOME: home});
    expect(fromPlan.code).toBe(2);
    expect(fromPlan.stderr).toContain('deleteOld: true and liveTest.run: false contradict');
  }, 60_000);

  it('names that cf would read as options are usage errors naming the field', async () => {
    const before = await inventory();
    const newKey = await cli([...base, '--json', '--sap-generated', '--no-live-test', '--new-key=-rf'], {CPI_MTLS_DEMO_HOME: home});
    expect(newKey.code).toBe(2);
    expect(newKey.stderr).toContain('--new-key "-rf": "-rf" starts with "-"');
    const plan = path.join(dir, 'dash.yaml');
    await writeFile(plan, 'instanceName: "--help"\noldKeyName: s4hana-sender-expiring\ncertificateSource: sap-generated\nliveTest: {run: false}\n');
    const fromPlan = await cli(['renew', '--demo', '--plan', plan], {CPI_MTLS_DEMO_HOME: home});
    expect(fromPlan.code).toBe(2);
    expect(fromPlan.stderr).toContain('instanceName (plan) "--help"');
    expect(await inventory()).toEqual(before);
  }, 60_000);

  it('a certificate without clientAuth stops the run before any key, even with --accept-warnings', async () => {
    const before = await inventory();
    const result = await cli([...base, '--json', '--cert', files('s4hana-sender-no-clientauth.chain.pem'), '--accept-warnings', '--no-live-test', '--out', path.join(dir, 'no-clientauth')], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code, result.stderr).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.error.code).toBe('certificate-rejected');
    expect(json.newKey).toBeNull();
    expect(json.certificate.verdict).toBe('fail');
    expect(json.checklist.headline).toMatch(/^Renewal failed: no new key was created/);
    expect(json.checklist.cleanup).toEqual([]);
    expect(await inventory()).toEqual(before);
  }, 60_000);
});

describe('renew: the report says what happened', () => {
  it('a refused renewal is reported as failed, in the text and in renewal.json', async () => {
    // The certificate of the expiring key itself: already in a key, refused before any write.
    const out = path.join(dir, 'refused');
    const result = await cli([...base, '--cert', files('s4hana-sender-expiring.chain.pem'), '--no-live-test', '--out', out], {CPI_MTLS_DEMO_HOME: home});
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('✖ Renewal failed: no new key was created; the old key cpi-inbound-mtls/s4hana-sender-expiring is untouched.');
    expect(result.stdout).not.toContain('Renewal complete');
    const report = JSON.parse(await readFile(path.join(out, 'renewal.json'), 'utf8'));
    expect(report).toMatchObject({outcome: 'failed', status: 'failed'});
    expect(report.checklist.headline).not.toMatch(/complete/);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The flow and the report, without I/O.

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

function step(state: RenewState, value: string): RenewState {
  const outcome = answer(renewFlow, state, value);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.state;
}

function probed(success: boolean): RenewState {
  let state = initialState(renewFlow, {outputDir: '/tmp/x', startedAt: '2026-01-01T00:00:00Z'}, {instanceName: 'inst', oldKeyName: 'old', certificateSource: 'sap-generated'}) as RenewState;
  state = effectSucceeded(renewFlow, state, audit);
  for (const value of ['inst', 'old', 'sap-generated', '30', 'new']) state = step(state, value);
  state = effectSucceeded(renewFlow, state, {guid: 'k2', name: 'new', instanceName: 'inst', alreadyExisted: false, url: 'https://rt.example', files: {certificate: '/c', privateKey: '/k'}});
  for (const value of ['run', '/http/x']) state = step(state, value);
  const probe: ProbeFact = {url: 'https://rt.example/http/x', outcome: success ? 'success' : 'unauthorized', success, summary: success ? 'HTTP 200' : 'HTTP 401', causes: [], fix: [], docs: [], raw: null};
  state = effectSucceeded(renewFlow, state, probe);
  return step(state, 'continue');
}

function finished(state: RenewState): RenewState {
  expect(state.step).toBe('write-outputs');
  return effectSucceeded(renewFlow, state, {files: {}});
}

describe('renew flow: the old key', () => {
  it('the question preselects keeping the old key, also after a passing live test', () => {
    const deleteOld = renewFlow.steps['delete-old']!;
    if (deleteOld.kind !== 'question') throw new Error('question expected');
    for (const success of [true, false]) {
      const state = probed(success);
      expect(state.step).toBe('delete-old');
      const question = deleteOld.question(state);
      if (question.type !== 'select') throw new Error('select expected');
      expect(question.initial).toBe('keep');
      expect(question.choices[0]?.value).toBe('keep');
    }
  });

  it('after a passing test and the old key deleted, the report names no key to remove and says the renewal is complete', () => {
    const state = finished(effectSucceeded(renewFlow, step(probed(true), 'delete'), {existed: true}));
    expect(state.status).toBe('done');
    const checklist = renewChecklist(state, []);
    expect(checklist.cleanup).toEqual([]);
    expect(checklist.headline).toMatch(/^Renewal complete: the new key works and the old key is deleted/);
    expect(renewJson(state, [])).toMatchObject({outcome: 'complete', status: 'done'});
  });

  it('after a passing test with the old key kept, the new key is not offered for removal either', () => {
    const state = finished(step(probed(true), 'keep'));
    expect(renewChecklist(state, []).cleanup).toEqual([]);
    expect(renewChecklist(state, []).headline).toMatch(/^Renewal complete: the new key works\. Delete the old key once/);
  });

  it('after a failing test the unproven new key is the one to remove, and the headline says the renewal failed', () => {
    const state = finished(step(probed(false), 'keep'));
    expect(state.status).toBe('failed');
    const checklist = renewChecklist(state, []);
    expect(checklist.cleanup).toEqual(['cf delete-service-key inst new -f']);
    expect(checklist.headline).toBe('Renewal failed: the new key new did not pass the live test; the old key inst/old is kept.');
  });

  it('once the old key is deleted on insistence, the new key is never named for removal', () => {
    const insisted = step(step(probed(false), 'insist'), 'old');
    const state = finished(effectSucceeded(renewFlow, insisted, {existed: true}));
    expect(renewChecklist(state, []).cleanup).toEqual([]);
  });
});
