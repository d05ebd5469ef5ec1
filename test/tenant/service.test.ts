/**
 * The tenant checks as the setup flow runs them: the real TenantService, the real cf adapter and
 * the stand-in cf, against the demo tenant whose API clients are the stand-in's `api` keys (with
 * the roles of their instance).
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {createCfAdapter} from '../../src/cf/adapter.js';
import {readSimState, type SimState} from '../../src/demo/fakecf/state.js';
import {apiClientsFromState} from '../../src/demo/landscape.js';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {startDemoTenant, type DemoIflow, type DemoTenant} from '../../src/demo/tenant.js';
import {createTenantService} from '../../src/engine/services.js';
import {isCancellation} from '../../src/errors.js';
import type {Effect} from '../../flows/types.js';
import {makeLandscape, type Landscape} from '../fakecf/fixture.js';

type TenantRequest = Extract<Effect, {type: 'tenant-checks'}>;

let pki: DemoPki;
let tenant: DemoTenant;
let landscape: Landscape | undefined;
let tmp: string;
/** Called whenever the demo tenant lists its iFlows (ServiceEndpoints, runtime status, export). */
let onIflows: (() => void) | undefined;
const keystore: {sapKeyPairPresent: boolean; failing?: boolean} = {sapKeyPairPresent: true};

const IFLOWS: DemoIflow[] = [{id: 'Demo_Orders', name: 'Demo Orders', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'ESBMessaging.send'}];

beforeAll(async () => {
  pki = await createDemoPki();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-tenant-service-'));
  tenant = await startDemoTenant({
    pki,
    resolveCertificate: () => ({keys: []}),
    iflows: () => {
      onIflows?.();
      return IFLOWS;
    },
    keystore: () => {
      if (keystore.failing) throw new Error('keystore service unavailable');
      return {sapKeyPairPresent: keystore.sapKeyPairPresent};
    },
    apiClients: () => (landscape ? apiClientsFromState(readSimState(landscape.stateFile)) : []),
  });
});

afterAll(async () => {
  await tenant?.close();
  await rm(tmp, {recursive: true, force: true});
});

afterEach(async () => {
  onIflows = undefined;
  keystore.sapKeyPairPresent = true;
  delete keystore.failing;
  await landscape?.dispose();
  landscape = undefined;
});

async function setup(seed: Parameters<typeof makeLandscape>[0] = {}) {
  landscape = await makeLandscape({runtimeUrl: tenant.runtimeUrl, apiUrl: tenant.apiUrl, tokenUrl: tenant.tokenUrl, ...seed});
  const cf = createCfAdapter({binary: landscape.cf, env: {CF_HOME: landscape.home}, pollIntervalMs: 10, defaultTimeoutMs: 20_000});
  return {l: landscape, service: createTenantService({cf, extraServerCaPems: [tenant.serverCaPem]})};
}

function request(overrides: Partial<TenantRequest> = {}): TenantRequest {
  return {type: 'tenant-checks', mode: 'create', keepApiInstance: false, option: 1, instanceRoles: ['ESBMessaging.send'], runtimeUrl: tenant.runtimeUrl, ...overrides};
}

function apiInstances(state: SimState) {
  const apiPlans = new Set(state.plans.filter(plan => plan.name === 'api').map(plan => plan.guid));
  return state.instances.filter(instance => apiPlans.has(instance.plan_guid));
}

/** Writes the credentials of a seeded key as `cf service-key` prints them. */
async function keyFile(l: Landscape, keyName: string): Promise<string> {
  const key = l.state().keys.find(k => k.name === keyName)!;
  const file = path.join(tmp, `${keyName}.json`);
  await writeFile(file, JSON.stringify({credentials: key.credentials}));
  return file;
}

describe('tenant checks with a temporary api instance', () => {
  it('creates the instance with MonitoringDataRead and WorkspacePackagesRead, judges the channel and removes the instance', async () => {
    const {l, service} = await setup();
    let rolesDuringChecks: unknown;
    onIflows = () => {
      rolesDuringChecks ??= apiInstances(l.state())[0]?.parameters?.roles;
    };
    const result = await service.check(request(), new AbortController().signal);
    expect(rolesDuringChecks).toEqual(['MonitoringDataRead', 'WorkspacePackagesRead']);
    expect(result.reachable).toBe(true);
    expect(result.keystore?.verdict).toBe('pass');
    expect(result.endpoints).toHaveLength(1);
    expect(result.endpoints[0]!.channel).toMatchObject({verdict: 'pass', userRole: 'ESBMessaging.send'});
    expect(result.temporary).toMatchObject({keyName: 'cpi-mtls-check', removed: true});
    expect(apiInstances(l.state())).toEqual([]);
    expect(l.state().keys).toEqual([]);
  }, 60_000);

  it('removes the instance when the run is cancelled in the middle of the checks, then reports the cancellation', async () => {
    const {l, service} = await setup();
    const controller = new AbortController();
    let created: string | undefined;
    onIflows = () => {
      created ??= apiInstances(l.state())[0]?.name;
      controller.abort();
    };
    const error = await service.check(request(), controller.signal).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(created).toMatch(/^cpi-mtls-check-/);
    expect(isCancellation(error)).toBe(true);
    expect(apiInstances(readSimState(l.stateFile)!)).toEqual([]);
    expect(l.state().keys).toEqual([]);
  }, 60_000);

  it('reports removed: false when the delete fails, and leaves the checks intact', async () => {
    const {l, service} = await setup({faults: {'delete-service': {type: 'broker-error', message: 'simulated deprovision failure'}}});
    const result = await service.check(request(), new AbortController().signal);
    expect(result.reachable).toBe(true);
    expect(result.temporary?.removed).toBe(false);
    expect(apiInstances(l.state()).map(i => i.name)).toEqual([result.temporary!.instanceName]);
  }, 60_000);

  it('keeps the instance when asked to', async () => {
    const {l, service} = await setup();
    const result = await service.check(request({keepApiInstance: true}), new AbortController().signal);
    expect(result.temporary?.removed).toBe(false);
    expect(apiInstances(l.state())).toHaveLength(1);
  }, 60_000);
});

describe('tenant checks with a key file', () => {
  it('reports the sender channel as not checked, naming WorkspacePackagesRead, when the key has MonitoringDataRead only', async () => {
    const {l, service} = await setup({
      instances: [{name: 'api-monitoring', plan: 'api', parameters: {roles: ['MonitoringDataRead'], 'grant-types': ['client_credentials']}}],
      keys: [{instance: 'api-monitoring', name: 'k'}],
    });
    const result = await service.check(request({mode: 'file', apiKeyPath: await keyFile(l, 'k')}), new AbortController().signal);
    expect(result.reachable).toBe(true);
    expect(result.keystore?.verdict).toBe('pass');
    expect(result.endpoints[0]!.runtimeStatus).toBe('STARTED');
    const channel = result.endpoints[0]!.channel!;
    expect(channel.verdict).toBe('not-checked');
    expect(channel.message).toContain('WorkspacePackagesRead');
    expect(channel.fix).toContain('cf update-service');
    expect(result.temporary).toBeUndefined();
  }, 60_000);

  it('reports the keystore as not checked when its read fails for another reason than a missing entry', async () => {
    const {l, service} = await setup({
      instances: [{name: 'api-full', plan: 'api', parameters: {roles: ['MonitoringDataRead', 'WorkspacePackagesRead']}}],
      keys: [{instance: 'api-full', name: 'k'}],
    });
    keystore.failing = true;
    const result = await service.check(request({mode: 'file', apiKeyPath: await keyFile(l, 'k')}), new AbortController().signal);
    expect(result.reachable).toBe(true);
    expect(result.keystore?.verdict).toBe('not-checked');
    expect(result.keystore?.message).toMatch(/^Not checked/);
    expect(result.keystore?.fix).toContain('Keystore');
    expect(result.endpoints[0]!.channel?.verdict).toBe('pass');

    // A missing entry (404) stays a failed check.
    keystore.failing = false;
    keystore.sapKeyPairPresent = false;
    const missing = await service.check(request({mode: 'file', apiKeyPath: await keyFile(l, 'k')}), new AbortController().signal);
    expect(missing.keystore?.verdict).toBe('fail');
  }, 60_000);

  it('gives up within the probe timeout when the tenant never answers', async () => {
    const held = new Set<tls.TLSSocket>();
    const silent = tls.createServer({cert: pki.serverLeaf.chainPem, key: pki.serverLeaf.keyPem}, socket => void held.add(socket));
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const base = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const {l} = await setup();
      const cf = createCfAdapter({binary: l.cf, env: {CF_HOME: l.home}});
      const service = createTenantService({cf, extraServerCaPems: [tenant.serverCaPem], probeTimeoutMs: 300});
      const file = path.join(tmp, 'silent-key.json');
      await writeFile(file, JSON.stringify({credentials: {oauth: {clientid: 'sb-x', clientsecret: 's', url: base, tokenurl: `${base}/oauth/token`}}}));
      const started = Date.now();
      const result = await service.check(request({mode: 'file', apiKeyPath: file}), new AbortController().signal);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.reachable).toBe(false);
      expect(result.error?.message).toMatch(/did not answer within/);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>(resolve => silent.close(() => resolve()));
    }
  }, 60_000);
});
