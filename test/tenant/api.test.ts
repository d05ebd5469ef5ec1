import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {startDemoTenant, type DemoTenant} from '../../src/demo/tenant.js';
import {API_CHECK_ROLES, API_READS, apiInstanceParameters, createTenantApi, hexAlias, parseODataDate} from '../../src/tenant/api.js';
import {readIflowArchive} from '../../src/tenant/iflw.js';
import {judgeKeystoreEntry} from '../../src/tenant/checks.js';
import {CancelledError, CpiMtlsError} from '../../src/errors.js';

let pki: DemoPki;
let tenant: DemoTenant;
const keystore: {sapKeyPairPresent: boolean; notAfter?: Date} = {sapKeyPairPresent: true};
let tokenRequests = 0;

beforeAll(async () => {
  pki = await createDemoPki();
  const countedClient = {
    clientId: 'sb-api!b1|it!b2',
    get clientSecret() {
      tokenRequests++;
      return 'api$secret=1';
    },
  };
  tenant = await startDemoTenant({
    pki,
    resolveCertificate: () => ({keys: []}),
    iflows: [
      {id: 'Demo_Orders', name: 'Demo Orders', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'Orders.Send'},
      {id: 'Demo_Draft', name: 'Draft', path: '/demo/draft', adapter: 'HTTPS', senderAuthType: 'RoleBased', deployed: false},
    ],
    keystore,
    apiClients: [countedClient, {clientId: 'sb-noroles', clientSecret: 'x', roles: []}, {clientId: 'sb-monitoring', clientSecret: 'y', roles: ['MonitoringDataRead']}],
  });
});

afterAll(async () => {
  await tenant?.close();
});

beforeEach(() => {
  keystore.sapKeyPairPresent = true;
  delete keystore.notAfter;
});

const api = (overrides: Partial<Parameters<typeof createTenantApi>[0]> = {}) =>
  createTenantApi({apiUrl: tenant.apiUrl, tokenUrl: tenant.tokenUrl, clientId: 'sb-api!b1|it!b2', clientSecret: 'api$secret=1', extraCaPems: [tenant.serverCaPem], ...overrides});

async function errorOf(promise: Promise<unknown>): Promise<CpiMtlsError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(CpiMtlsError);
  return error as CpiMtlsError;
}

describe('tenant API client against the demo tenant', () => {
  it('reads the SAP key pair and judges it valid', async () => {
    keystore.notAfter = new Date(Date.now() + 200 * 86_400_000);
    const entry = await api().getKeystoreEntry();
    expect(entry).not.toBeNull();
    expect(entry!.alias).toBe('sap_cloudintegrationcertificate');
    expect(entry!.hexAlias).toBe(hexAlias('sap_cloudintegrationcertificate'));
    expect(Math.abs(entry!.validNotAfter!.getTime() - keystore.notAfter.getTime())).toBeLessThan(1000);
    expect(judgeKeystoreEntry(entry, new Date()).verdict).toBe('pass');
  });

  it('reports an expired SAP key pair', async () => {
    keystore.notAfter = new Date(Date.now() - 5 * 86_400_000);
    const entry = await api().getKeystoreEntry();
    expect(judgeKeystoreEntry(entry, new Date()).verdict).toBe('fail');
  });

  it('returns null when the key pair is missing (trial)', async () => {
    keystore.sapKeyPairPresent = false;
    const entry = await api().getKeystoreEntry();
    expect(entry).toBeNull();
    expect(judgeKeystoreEntry(entry, new Date()).verdict).toBe('fail');
  });

  it('lists service endpoints of deployed iFlows', async () => {
    const endpoints = await api().listServiceEndpoints();
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({name: 'Demo_Orders', protocol: 'REST', entryPoints: [{url: `${tenant.runtimeUrl}/http/demo/orders`, type: 'PROD'}]});
  });

  it('reads the runtime status and returns null for an iFlow that is not deployed', async () => {
    const client = api();
    const started = await client.getRuntimeArtifact('Demo_Orders');
    expect(started).toMatchObject({id: 'Demo_Orders', status: 'STARTED'});
    expect(started!.deployedOn).toBeInstanceOf(Date);
    expect(await client.getRuntimeArtifact('Demo_Draft')).toBeNull();
  });

  it('downloads an iFlow whose sender channel can be read', async () => {
    const archive = readIflowArchive(await api().downloadIflow('Demo_Orders'));
    expect(archive.senderChannels[0]).toMatchObject({senderAuthType: 'RoleBased', userRole: 'Orders.Send', urlPath: '/demo/orders'});
    const missing = await errorOf(api().downloadIflow('Nope'));
    expect(missing.code).toBe('iflow-not-found');
  });

  it('fetches the token once and reuses it', async () => {
    const client = api();
    const before = tokenRequests;
    await client.getKeystoreEntry();
    await Promise.all([client.listServiceEndpoints(), client.getRuntimeArtifact('Demo_Orders')]);
    await client.getKeystoreEntry();
    expect(tokenRequests - before).toBe(1);
  });

  it('reports wrong credentials without revealing the secret', async () => {
    const error = await errorOf(api({clientSecret: 'wrong-secret-value'}).getKeystoreEntry());
    expect(error.code).toBe('tenant-api-credentials');
    expect(error.message).toContain('401');
    expect(JSON.stringify(error.toJSON())).not.toContain('wrong-secret-value');
    expect(error.fix.join(' ')).toContain('cf service-key');
  });

  it('reports a missing MonitoringDataRead role as 403', async () => {
    const error = await errorOf(api({clientId: 'sb-noroles', clientSecret: 'x'}).listServiceEndpoints());
    expect(error.code).toBe('tenant-api-forbidden');
    expect(error.message).toContain('MonitoringDataRead');
    expect(error.message).not.toContain('WorkspacePackagesRead');
  });

  it('names WorkspacePackagesRead when a MonitoringDataRead-only key downloads an iFlow', async () => {
    const client = api({clientId: 'sb-monitoring', clientSecret: 'y'});
    // The monitoring reads work with MonitoringDataRead alone.
    expect(await client.getKeystoreEntry()).not.toBeNull();
    expect((await client.listServiceEndpoints()).length).toBeGreaterThan(0);
    expect(await client.getRuntimeArtifact('Demo_Orders')).not.toBeNull();
    const error = await errorOf(client.downloadIflow('Demo_Orders'));
    expect(error.code).toBe('tenant-api-forbidden');
    expect(error.message).toContain('lacks the role WorkspacePackagesRead');
    expect(error.message).not.toContain('MonitoringDataRead');
    expect(error.details).toMatchObject({status: 403, role: 'WorkspacePackagesRead'});
    const fix = error.fix.join('\n');
    // The full parameter set, not just the missing role (update-service may replace the parameters).
    expect(fix).toContain(`cf update-service <api-instance> -c '${JSON.stringify(apiInstanceParameters())}'`);
    expect(fix).toContain('"grant-types":["client_credentials"]');
    expect(fix).toMatch(/Windows.*file/);
  });

  it('derives the roles of the temporary api instance from the per-resource table', () => {
    expect(API_READS['keystore-entry'].role).toBe('MonitoringDataRead');
    expect(API_READS['service-endpoints'].role).toBe('MonitoringDataRead');
    expect(API_READS['runtime-artifact'].role).toBe('MonitoringDataRead');
    expect(API_READS['iflow-download'].role).toBe('WorkspacePackagesRead');
    expect([...API_CHECK_ROLES].sort()).toEqual(['MonitoringDataRead', 'WorkspacePackagesRead']);
    expect(apiInstanceParameters()).toEqual({roles: [...API_CHECK_ROLES], 'grant-types': ['client_credentials'], 'redirect-uris': []});
  });

  it('reports an untrusted server certificate when the demo CA is not added', async () => {
    const error = await errorOf(api({extraCaPems: []}).getKeystoreEntry());
    expect(error.code).toBe('tenant-api-tls');
  });
});

describe('tenant API client failures', () => {
  it('reports an unreachable API', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await errorOf(api({apiUrl: `https://127.0.0.1:${port}`, tokenUrl: `https://127.0.0.1:${port}/oauth/token`}).getKeystoreEntry());
    expect(error.code).toBe('tenant-api-unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('times out when the API does not answer, and honours an abort signal', async () => {
    const held = new Set<tls.TLSSocket>();
    const silent = tls.createServer({cert: pki.serverLeaf.chainPem, key: pki.serverLeaf.keyPem}, (socket) => {
      // Accept the TLS connection and never answer.
      held.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const base = `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const started = Date.now();
      const error = await errorOf(api({apiUrl: base, tokenUrl: `${base}/oauth/token`, timeoutMs: 300}).getKeystoreEntry());
      expect(error.code).toBe('tenant-api-timeout');
      expect(Date.now() - started).toBeLessThan(5000);

      const controller = new AbortController();
      const pending = api({apiUrl: base, tokenUrl: `${base}/oauth/token`, timeoutMs: 10_000, signal: controller.signal}).getKeystoreEntry();
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toBeInstanceOf(CancelledError);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('rejects configuration mistakes up front', () => {
    expect(() => createTenantApi({apiUrl: 'http://tenant.example.com', tokenUrl: 'https://x/oauth/token', clientId: 'a', clientSecret: 'b'})).toThrow(/https/);
    expect(() => createTenantApi({apiUrl: 'https://tenant.example.com', tokenUrl: 'not a url', clientId: 'a', clientSecret: 'b'})).toThrow(/not a URL/);
    expect(() => createTenantApi({apiUrl: 'https://tenant.example.com', tokenUrl: 'https://x/oauth/token', clientId: 'a', clientSecret: ''})).toThrow(/empty/);
  });

  it('parses OData and ISO dates', () => {
    expect(parseODataDate('/Date(1700000000000)/')?.getTime()).toBe(1700000000000);
    expect(parseODataDate('/Date(1700000000000+0000)/')?.getTime()).toBe(1700000000000);
    expect(parseODataDate('2026-01-02T03:04:05Z')?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parseODataDate(null)).toBeNull();
    expect(parseODataDate('garbage')).toBeNull();
  });
});

describe('tenant API client behind a corporate proxy', () => {
  it('tunnels token and API calls through HTTPS_PROXY, goes direct for NO_PROXY hosts, and names a refusing proxy', async () => {
    const {startConnectProxy} = await import('../probe/servers.js');
    const proxy = await startConnectProxy();
    const refusing = await startConnectProxy({refuseWith: 403});
    try {
      const apiHost = new URL(tenant.apiUrl);
      const tokenHost = new URL(tenant.tokenUrl);
      const env = {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`};
      keystore.notAfter = new Date(Date.now() + 200 * 86_400_000);
      expect((await api({env}).getKeystoreEntry())?.alias).toBe('sap_cloudintegrationcertificate');
      expect(proxy.tunnels).toEqual(expect.arrayContaining([`${tokenHost.hostname}:${tokenHost.port}`, `${apiHost.hostname}:${apiHost.port}`]));
      const tunnelled = proxy.tunnels.length;
      expect(await api({env: {...env, NO_PROXY: `${apiHost.hostname},${tokenHost.hostname}`}}).getKeystoreEntry()).not.toBeNull();
      expect(proxy.tunnels).toHaveLength(tunnelled);
      const error = await errorOf(api({env: {https_proxy: `http://127.0.0.1:${refusing.port}`}}).getKeystoreEntry());
      expect(refusing.tunnels.length).toBeGreaterThan(0);
      expect(error.message).toMatch(/refused the tunnel.*403/);
    } finally {
      await proxy.close();
      await refusing.close();
    }
  });
});
