import {X509Certificate} from 'node:crypto';
import {mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createCfAdapter, type CfAdapterOptions} from '../../src/cf/adapter.js';
import {CfError} from '../../src/cf/errors.js';
import {fakeCfMainPath} from '../../src/demo/fakecf/install.js';
import {generateDemoClientCa} from '../../src/demo/fakecf/state.js';
import type {CfPort} from '../../src/ports.js';
import {makeLandscape, manyInstances, type Landscape} from '../fakecf/fixture.js';

const ROLE_PARAMS = {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []};

let landscape: Landscape | undefined;
let tmp: string;
let previousTmp: string | undefined;

// Each test gets its own TMPDIR, so the adapter's parameter files can be watched.
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-cf-test-'));
  previousTmp = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
});
afterEach(async () => {
  if (previousTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previousTmp;
  await landscape?.dispose();
  landscape = undefined;
  await rm(tmp, {recursive: true, force: true});
});

async function setup(seed: Parameters<typeof makeLandscape>[0] = {}, options: CfAdapterOptions = {}, env: Record<string, string> = {}): Promise<{l: Landscape; cf: CfPort}> {
  landscape = await makeLandscape(seed);
  const cf = createCfAdapter({binary: landscape.cf, env: {CF_HOME: landscape.home, ...env}, pollIntervalMs: 10, defaultTimeoutMs: 20_000, ...options});
  return {l: landscape, cf};
}

async function failure(promise: Promise<unknown>): Promise<CfError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CfError);
    return error as CfError;
  }
  throw new Error('expected a CfError');
}

async function parameterFiles(): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('cpi-mtls-cf-'));
}

describe('Option 1 happy path', () => {
  it('targets, checks the plan, creates instance and certificate key, and reads everything back', async () => {
    const {l, cf} = await setup({asyncPolls: 3});
    const version = await cf.version();
    expect(version).toMatchObject({major: 8, minor: 18, patch: 4});
    expect(version.raw).toBe('cf version 8.18.4+3fcd823.2026-06-29');
    const target = await cf.target();
    const state = l.state();
    expect(target).toEqual({apiEndpoint: 'https://api.cf.eu10.hana.ondemand.com', user: 'demo.user@example.com', org: {guid: state.orgs[0]!.guid, name: 'demo-org'}, space: {guid: state.orgs[0]!.spaces[0]!.guid, name: 'dev'}});
    expect(await cf.hasPlan('it-rt', 'integration-flow')).toBe(true);
    expect(await cf.hasPlan('it-rt', 'premium')).toBe(false);
    expect(await cf.findInstance('pi-rt-iflow')).toBeNull();

    const created = await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'pi-rt-iflow', parameters: ROLE_PARAMS});
    expect(created.alreadyExisted).toBe(false);
    expect(created.instance).toMatchObject({name: 'pi-rt-iflow', planName: 'integration-flow', offeringName: 'it-rt', spaceGuid: target.space.guid, lastOperation: {type: 'create', state: 'succeeded'}});
    // The broker needed three polls; the adapter polled until it finished.
    const polls = cf.log.filter((e) => e.args[0] === 'curl' && e.args[1]!.startsWith('/v3/service_instances?names=pi-rt-iflow'));
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(await cf.instanceParameters(created.instance.guid)).toEqual(ROLE_PARAMS);

    const key = await cf.createKey({instanceName: 'pi-rt-iflow', keyName: 'sender-cert', parameters: {'key-type': 'certificate', validity: 365, 'key-length': 2048}});
    expect(key.alreadyExisted).toBe(false);
    expect(key.key).toMatchObject({name: 'sender-cert', instanceGuid: created.instance.guid, lastOperation: {state: 'succeeded'}});
    const credentials = await cf.keyCredentials(key.key.guid);
    const oauth = credentials.oauth as Record<string, unknown>;
    expect(oauth.url).toBe('https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com');
    expect(typeof oauth.tokenvalidity).toBe('number');
    expect(new X509Certificate(String(oauth.certificate)).keyUsage).toContain('1.3.6.1.5.5.7.3.2');

    const listed = await cf.listInstances({planNames: ['integration-flow']});
    expect(listed.map((i) => i.name)).toEqual(['pi-rt-iflow']);
    expect(listed[0]).toMatchObject({planName: 'integration-flow', offeringName: 'it-rt'});
    const keys = await cf.listKeys(listed.map((i) => i.guid));
    expect(keys.map((k) => k.name)).toEqual(['sender-cert']);

    // Writes are logged as such, with secrets out of the parameters.
    const writes = cf.log.filter((e) => e.write);
    expect(writes.map((e) => e.args)).toEqual([
      ['create-service', 'it-rt', 'integration-flow', 'pi-rt-iflow', '-c', '<parameters.json>'],
      ['create-service-key', 'pi-rt-iflow', 'sender-cert', '-c', '<parameters.json>'],
    ]);
    expect(writes.every((e) => e.exitCode === 0 && e.durationMs >= 0)).toBe(true);
    expect(await parameterFiles()).toEqual([]);
  });

  it('recognises "already exists" for instances and keys and returns the existing objects', async () => {
    const {cf} = await setup({instances: [{name: 'si', parameters: ROLE_PARAMS}], keys: [{instance: 'si', name: 'k'}]});
    const instance = await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'si', parameters: {roles: ['Other']}});
    expect(instance.alreadyExisted).toBe(true);
    expect(await cf.instanceParameters(instance.instance.guid)).toEqual(ROLE_PARAMS);
    const key = await cf.createKey({instanceName: 'si', keyName: 'k'});
    expect(key.alreadyExisted).toBe(true);
    expect(key.key.name).toBe('k');
  });

  it('updates and deletes, telling existing from missing objects', async () => {
    const {l, cf} = await setup({asyncPolls: 2, instances: [{name: 'si', parameters: {roles: ['A'], 'grant-types': ['client_x509']}}], keys: [{instance: 'si', name: 'k', credentials: {oauth: {clientid: 'x'}}}]});
    const updated = await cf.updateInstance({name: 'si', parameters: ROLE_PARAMS});
    expect(updated.lastOperation).toMatchObject({type: 'update', state: 'succeeded'});
    expect(await cf.instanceParameters(updated.guid)).toEqual(ROLE_PARAMS);
    expect(await cf.deleteKey('si', 'k')).toEqual({existed: true});
    expect(await cf.deleteKey('si', 'k')).toEqual({existed: false});
    expect(await cf.deleteInstance('si')).toEqual({existed: true});
    expect(l.state().instances).toHaveLength(0);
    expect(await cf.deleteInstance('si')).toEqual({existed: false});
    expect(cf.log.filter((e) => e.args[0]?.startsWith('delete')).every((e) => e.args.includes('-f'))).toBe(true);
  });
});

describe('pagination and batching', () => {
  it('follows next hrefs across pages and batches instance guids for keys', async () => {
    const keys = Array.from({length: 7}, (_, i) => ({instance: `iflow-${i + 1}`, name: `key-${i + 1}`, credentials: {oauth: {clientid: `c${i}`}}}));
    const {cf} = await setup({instances: [...manyInstances(7), {name: 'api-client', plan: 'api'}], keys}, {perPage: 2, guidBatchSize: 3});
    const instances = await cf.listInstances({planNames: ['integration-flow']});
    expect(instances.map((i) => i.name)).toEqual(['iflow-1', 'iflow-2', 'iflow-3', 'iflow-4', 'iflow-5', 'iflow-6', 'iflow-7']);
    expect(instances.every((i) => i.planName === 'integration-flow' && i.offeringName === 'it-rt')).toBe(true);
    const instancePages = cf.log.filter((e) => e.args[0] === 'curl' && e.args[1]!.startsWith('/v3/service_instances?'));
    expect(instancePages).toHaveLength(4);
    expect(instancePages.slice(1).every((e) => /[?&]page=/.test(e.args[1]!))).toBe(true);
    expect((await cf.listInstances({planNames: ['integration-flow', 'api']})).map((i) => i.planName)).toContain('api');

    const before = cf.log.length;
    const listed = await cf.listKeys(instances.map((i) => i.guid));
    expect(listed.map((k) => k.name).sort()).toEqual(keys.map((k) => k.name).sort());
    const keyCalls = cf.log.slice(before).filter((e) => e.args[1]!.startsWith('/v3/service_credential_bindings?'));
    // 7 guids in batches of 3 → 3 queries; 3 keys per batch at 2 per page → 2 pages each (1 for the last).
    expect(keyCalls).toHaveLength(5);
    expect(keyCalls.filter((e) => !/[?&]page=/.test(e.args[1]!)).map((e) => decodeURIComponent(e.args[1]!).match(/service_instance_guids=([^&]*)/)![1]!.split(',').length)).toEqual([3, 3, 1]);
  });

  it('finds the targeted space on a later page when many orgs have a space of that name', async () => {
    const {l, cf} = await setup();
    const state = l.state();
    // 60 other orgs with a "dev" space come first: the targeted one is on the second page of 50.
    const others = Array.from({length: 60}, (_, i) => ({guid: `org-${i}`, name: `org-${i}`, spaces: [{guid: `space-${i}`, name: 'dev'}]}));
    await writeFile(l.stateFile, JSON.stringify({...state, orgs: [...others, ...state.orgs]}));
    const target = await cf.target();
    expect(target.org.name).toBe('demo-org');
    expect(target.space.guid).toBe(state.target.space!.guid);
    expect(cf.log.filter((e) => e.args[1]?.startsWith('/v3/spaces?'))).toHaveLength(2);
  });

  it('lists the whole org when asked', async () => {
    const {cf} = await setup({extraSpaces: ['test'], instances: [{name: 'a'}, {name: 'b', space: 'test'}]});
    expect((await cf.listInstances({planNames: ['integration-flow']})).map((i) => i.name)).toEqual(['a']);
    expect((await cf.listInstances({planNames: ['integration-flow'], scope: 'org'})).map((i) => i.name)).toEqual(['a', 'b']);
  });
});

describe('errors', () => {
  it('cf-not-installed points to the download page', async () => {
    const cf = createCfAdapter({binary: path.join(tmp, 'no-such-cf')});
    const error = await failure(cf.version());
    expect(error.kind).toBe('cf-not-installed');
    expect(error.fix.join(' ')).toContain('https://github.com/cloudfoundry/cli');
  });

  it('no-api, not-logged-in (with the exact login command), no-org, no-space', async () => {
    const noApi = await setup({apiEndpoint: null});
    expect((await failure(noApi.cf.target())).kind).toBe('no-api');
    await noApi.l.dispose();

    const loggedOut = await setup({loggedIn: false});
    const notLoggedIn = await failure(loggedOut.cf.target());
    expect(notLoggedIn.kind).toBe('not-logged-in');
    expect(notLoggedIn.fix.join('\n')).toContain('cf login -a https://api.cf.eu10.hana.ondemand.com');
    await loggedOut.l.dispose();

    const noOrg = await setup({targeted: false});
    const orgError = await failure(noOrg.cf.target());
    expect(orgError.kind).toBe('no-org');
    expect(orgError.fix.join('\n')).toContain('cf target -o ORG -s SPACE');
    await noOrg.l.run(['target', '-o', 'other-org']);
    expect((await failure(createCfAdapter({binary: noOrg.l.cf, env: {CF_HOME: noOrg.l.home}}).target())).kind).toBe('no-space');
  });

  it('token-expired from the first call on, including through cf curl', async () => {
    const {cf} = await setup({faults: {target: {type: 'expire-login', once: true}}});
    const error = await failure(cf.target());
    expect(error.kind).toBe('token-expired');
    expect(error.fix.join('\n')).toContain('cf login -a https://api.cf.eu10.hana.ondemand.com');
    const curlExpired = await setup({faults: {curl: {type: 'expire-login'}}});
    expect((await failure(curlExpired.cf.target())).kind).toBe('token-expired');
  });

  it('not-found for a key of a missing instance; broker texts for rejected parameters', async () => {
    const {cf} = await setup();
    const missing = await failure(cf.createKey({instanceName: 'nope', keyName: 'k'}));
    expect(missing.kind).toBe('not-found');
    const broker = await failure(cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'bad', parameters: {roles: ['has space']}}));
    expect(broker.kind).toBe('broker');
    expect(broker.brokerMessage).toMatch(/^Invalid parameter "roles"/);
    expect(broker.message).toContain('Invalid parameter "roles"');
    const plan = await failure(cf.createInstance({offering: 'it-rt', plan: 'gold', name: 'x', parameters: {}}));
    expect(plan.kind).toBe('not-found');
    expect(plan.message).toBe("The plan 'gold' could not be found for service offering 'it-rt'.");
  });

  it('reports the last operation description when an async create fails', async () => {
    const {cf} = await setup({faults: {'create-service': {type: 'async-fail', message: 'Entitlement it-rt/integration-flow exhausted'}}});
    const error = await failure(cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'x', parameters: ROLE_PARAMS}));
    expect(error.kind).toBe('broker');
    expect(error.brokerMessage).toBe('Entitlement it-rt/integration-flow exhausted');
  });

  it('treats an errors array from cf curl as failure, and crashes as failed', async () => {
    const {cf} = await setup({faults: {version: {type: 'crash'}}});
    const crash = await failure(cf.version());
    expect(crash.kind).toBe('failed');
    expect(crash.message).toContain('cf crashed (exit code 2)');
    const other = await setup();
    const notFound = await failure(other.cf.keyCredentials('00000000-0000-4000-8000-000000000000'));
    expect(notFound.kind).toBe('not-found');
    expect(notFound.message).toContain('Service credential binding not found');
  });

  it('ignores stderr warnings on success and strips colour a wrapper forces on', async () => {
    const {l, cf} = await setup({faults: {'create-service': {type: 'warn', message: 'Warning: deprecated API'}}}, {}, {CF_COLOR: 'true', CF_TRACE: 'true'});
    // A wrapper that ignores the environment and forces colour on.
    const wrapper = path.join(l.bin, 'cf-colour');
    await writeFile(wrapper, `#!/usr/bin/env node\nprocess.env.CF_COLOR = 'true';\nimport(${JSON.stringify('file://' + fakeCfMainPath())});\n`, {mode: 0o755});
    const colourful = createCfAdapter({binary: wrapper, env: {CF_HOME: l.home}, pollIntervalMs: 10});
    await colourful.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'x', parameters: ROLE_PARAMS});
    expect((await colourful.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'x', parameters: ROLE_PARAMS})).alreadyExisted).toBe(true);
    // The adapter forces CF_TRACE=false, so curl output stays plain JSON despite the option env.
    expect((await cf.findInstance('x'))?.name).toBe('x');
  });
});

describe('process control', () => {
  it('stops a hanging cf at the timeout', async () => {
    const {cf} = await setup({faults: {target: {type: 'hang'}}}, {defaultTimeoutMs: 1500});
    const started = Date.now();
    const error = await failure(cf.target());
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('cancels through the AbortSignal', async () => {
    const {cf} = await setup({faults: {target: {type: 'hang'}}});
    const controller = new AbortController();
    const pending = cf.target({signal: controller.signal});
    setTimeout(() => controller.abort(), 300);
    const error = await failure(pending);
    expect(error.kind).toBe('cancelled');
    expect(error.exitCode).toBe(130);
  });

  it('writes -c parameters to a 0600 file and removes it after success and failure', async () => {
    const {cf} = await setup({faults: {'create-service': {type: 'slow', ms: 1500}}});
    const pending = cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'slow', parameters: ROLE_PARAMS});
    const deadline = Date.now() + 10_000;
    let file: string | undefined;
    while (!file && Date.now() < deadline) {
      const dirs = await parameterFiles();
      if (dirs.length) {
        const inner = await readdir(path.join(tmp, dirs[0]!)).catch(() => []);
        if (inner.length) file = path.join(tmp, dirs[0]!, inner[0]!);
      }
      if (!file) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(file).toBeDefined();
    if (process.platform !== 'win32') expect((await stat(file!)).mode & 0o777).toBe(0o600);
    await pending;
    expect(await parameterFiles()).toEqual([]);
    await failure(cf.createKey({instanceName: 'slow', keyName: 'k', parameters: {'key-type': 'certificate', validity: 0}}));
    expect(await parameterFiles()).toEqual([]);
  });
});

describe('cf v7', () => {
  it('reads the v7 forms: failures on stdout, "already exists", pretty curl output', async () => {
    const {cf} = await setup({instances: [{name: 'si', parameters: ROLE_PARAMS}]}, {}, {CF_SIM_VERSION: '7.7.0'});
    expect((await cf.version()).major).toBe(7);
    const existing = await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'si', parameters: ROLE_PARAMS});
    expect(existing.alreadyExisted).toBe(true);
    const created = await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'new', parameters: ROLE_PARAMS});
    expect(created.instance.lastOperation?.state).toBe('succeeded');
    await cf.createKey({instanceName: 'new', keyName: 'k'});
    expect((await cf.createKey({instanceName: 'new', keyName: 'k'})).alreadyExisted).toBe(true);
    const missing = await failure(cf.createKey({instanceName: 'nope', keyName: 'k'}));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toBe('Service instance nope not found');
    const taken = await failure(cf.createInstance({offering: 'it-rt', plan: 'api', name: 'si', parameters: {}}));
    expect(taken.kind).toBe('already-exists');
    const broker = await failure(cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'bad', parameters: {'grant-types': ['nope']}}));
    expect(broker.kind).toBe('broker');
    expect(broker.brokerMessage).toContain('Invalid grant type "nope"');
    expect(await cf.deleteKey('new', 'k')).toEqual({existed: true});
    expect(await cf.deleteInstance('gone')).toEqual({existed: false});
  });
});

describe('dry run', () => {
  it('records writes without running them, still reading the landscape', async () => {
    const {l, cf} = await setup({instances: [{name: 'si', parameters: ROLE_PARAMS}]}, {dryRun: true});
    const created = await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'new', parameters: ROLE_PARAMS});
    expect(created).toMatchObject({alreadyExisted: false, instance: {guid: '(dry-run)', name: 'new'}});
    expect((await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'si', parameters: ROLE_PARAMS})).alreadyExisted).toBe(true);
    const ca = generateDemoClientCa();
    const key = await cf.createKey({instanceName: 'si', keyName: 'ext', parameters: {'key-type': 'certificate_external', 'X.509': ca.certPem, clientsecret: 'hush', key: 'private'}});
    expect(key.key.guid).toBe('(dry-run)');
    expect(l.state().instances.map((i) => i.name)).toEqual(['si']);
    expect(l.state().keys).toHaveLength(0);
    const writes = cf.log.filter((e) => e.write);
    expect(writes).toHaveLength(3);
    expect(writes.every((e) => e.exitCode === null)).toBe(true);
    const logged = writes[2]!.parameters!;
    expect(logged.clientsecret).toBe('[REDACTED]');
    expect(logged.key).toBe('[REDACTED]');
    expect(String(logged['X.509'])).toMatch(/^-----BEGIN CERTIFICATE----- … \(\d+ characters\)$/);
    expect(JSON.stringify(cf.log)).not.toContain('hush');
  });
});
