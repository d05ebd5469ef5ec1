import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {unzipSync, strFromU8} from 'fflate';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {startDemoTenant, type DemoTenant} from '../../src/demo/tenant.js';
import {basic, call} from './client.js';

const HEX_ALIAS = '7361705f636c6f7564696e746567726174696f6e6365727469666963617465';
let pki: DemoPki;
let tenant: DemoTenant;
const keystore: {sapKeyPairPresent: boolean; notAfter?: Date} = {sapKeyPairPresent: true};

beforeAll(async () => {
  pki = await createDemoPki();
  tenant = await startDemoTenant({
    pki,
    resolveCertificate: () => ({keys: []}),
    resolveBasic: (clientId, secret) => (clientId === 'sb-flow' && secret === 'flow-secret' ? {instanceName: 'pi-rt-basic', roles: ['ESBMessaging.send']} : null),
    iflows: [
      {id: 'Demo_Orders', name: 'Demo Orders', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'OrderSender', xsrfProtection: true},
      {id: 'Demo_Soap', name: 'Demo SOAP', path: '/demo/soap', adapter: 'SOAP', senderAuthType: 'RoleBased'},
      {id: 'Demo_Legacy', name: 'Demo Legacy', path: '/demo/legacy', adapter: 'HTTPS', senderAuthType: 'ClientCertificate', allowedCertificates: [{subjectDN: 'CN=s4hana-sender,O=Demo Customer,C=DE', issuerDN: 'CN=cpi-mtls Demo Client Issuing CA,O=Demo Customer,C=DE'}]},
      {id: 'Demo_Draft', name: 'Draft', path: '/demo/draft', adapter: 'HTTPS', senderAuthType: 'RoleBased', deployed: false},
    ],
    keystore,
    apiClients: [
      {clientId: 'sb-api', clientSecret: 'api-secret'},
      {clientId: 'sb-api-noroles', clientSecret: 'api-secret', roles: []},
      {clientId: 'sb-api-monitoring', clientSecret: 'api-secret', roles: ['MonitoringDataRead']},
      {clientId: 'sb-api-workspace', clientSecret: 'api-secret', roles: ['WorkspacePackagesRead']},
    ],
  });
});

afterAll(async () => {
  await tenant?.close();
});

beforeEach(() => {
  keystore.sapKeyPairPresent = true;
  delete keystore.notAfter;
});

async function token(clientId = 'sb-api', secret = 'api-secret'): Promise<string> {
  const result = await call(`${tenant.tokenUrl}?grant_type=client_credentials`, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: basic(clientId, secret)}});
  expect(result.status).toBe(200);
  return (JSON.parse(result.text) as {access_token: string}).access_token;
}

async function odata(path: string, bearer?: string, accept = 'application/json') {
  return call(`${tenant.apiUrl}/api/v1/${path}`, {ca: tenant.serverCaPem, headers: {...(bearer ? {authorization: `Bearer ${bearer}`} : {}), accept}});
}

describe('demo tenant token endpoint', () => {
  it('issues a bearer token for client credentials', async () => {
    const result = await call(`${tenant.tokenUrl}?grant_type=client_credentials`, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: basic('sb-api', 'api-secret')}});
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text) as Record<string, unknown>;
    expect(body).toMatchObject({token_type: 'bearer', expires_in: 3600});
    expect(typeof body.access_token).toBe('string');
  });

  it('answers 401 JSON for wrong credentials', async () => {
    const result = await call(`${tenant.tokenUrl}?grant_type=client_credentials`, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: basic('sb-api', 'wrong')}});
    expect(result.status).toBe(401);
    expect(JSON.parse(result.text)).toEqual({error: 'unauthorized', error_description: 'Bad credentials'});
  });

  it('accepts the grant type in the form body and rejects other grants', async () => {
    const ok = await call(tenant.tokenUrl, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: basic('sb-api', 'api-secret'), 'content-type': 'application/x-www-form-urlencoded'}, body: 'grant_type=client_credentials'});
    expect(ok.status).toBe(200);
    const bad = await call(`${tenant.tokenUrl}?grant_type=password`, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: basic('sb-api', 'api-secret')}});
    expect(bad.status).toBe(400);
  });

  it('issues runtime tokens to integration-flow clients, usable on the runtime host only', async () => {
    const flowToken = await token('sb-flow', 'flow-secret');
    expect((await odata(`KeystoreEntries('${HEX_ALIAS}')`, flowToken)).status).toBe(403);
    const runtimeCall = await call(`${tenant.runtimeUrl}/cxf/demo/soap`, {ca: tenant.serverCaPem, method: 'POST', headers: {authorization: `Bearer ${flowToken}`}, body: '<x/>'});
    expect(runtimeCall.status).toBe(200);
  });
});

describe('demo tenant OData API', () => {
  it('requires a bearer token', async () => {
    expect((await odata(`KeystoreEntries('${HEX_ALIAS}')`)).status).toBe(401);
    expect((await odata(`KeystoreEntries('${HEX_ALIAS}')`, 'not-a-token')).status).toBe(401);
  });

  it('answers 403 when the client lacks MonitoringDataRead', async () => {
    const result = await odata('ServiceEndpoints', await token('sb-api-noroles'));
    expect(result.status).toBe(403);
    expect(result.text).toContain('MonitoringDataRead');
  });

  it('checks the role each resource needs: MonitoringDataRead for monitoring data, WorkspacePackagesRead for the iFlow export', async () => {
    const monitoring = await token('sb-api-monitoring');
    expect((await odata(`KeystoreEntries('${HEX_ALIAS}')`, monitoring)).status).toBe(200);
    expect((await odata('ServiceEndpoints?$expand=EntryPoints', monitoring)).status).toBe(200);
    expect((await odata("IntegrationRuntimeArtifacts('Demo_Orders')", monitoring)).status).toBe(200);
    const download = await odata("IntegrationDesigntimeArtifacts(Id='Demo_Orders',Version='active')/$value", monitoring, 'application/zip');
    expect(download.status).toBe(403);
    expect(download.text).toContain('WorkspacePackagesRead');

    const workspace = await token('sb-api-workspace');
    expect((await odata("IntegrationDesigntimeArtifacts(Id='Demo_Orders',Version='active')/$value", workspace, 'application/zip')).status).toBe(200);
    const keystoreRead = await odata(`KeystoreEntries('${HEX_ALIAS}')`, workspace);
    expect(keystoreRead.status).toBe(403);
    expect(keystoreRead.text).toContain('MonitoringDataRead');
  });

  it('returns the SAP key pair entry with the documented fields', async () => {
    keystore.notAfter = new Date('2031-05-04T00:00:00Z');
    const result = await odata(`KeystoreEntries('${HEX_ALIAS}')`, await token());
    expect(result.status).toBe(200);
    const entry = (JSON.parse(result.text) as {d: Record<string, unknown>}).d;
    expect(entry.Alias).toBe('sap_cloudintegrationcertificate');
    expect(entry.Hexalias).toBe(HEX_ALIAS);
    expect(entry.ValidNotAfter).toBe(`/Date(${keystore.notAfter.getTime()})/`);
    for (const field of ['KeyType', 'KeySize', 'ValidNotBefore', 'SerialNumber', 'SignatureAlgorithm', 'Validity', 'SubjectDN', 'IssuerDN', 'Version', 'FingerprintSha1', 'FingerprintSha256', 'FingerprintSha512', 'Type', 'Owner', 'LastModifiedBy', 'LastModifiedTime', 'CreatedBy', 'CreatedTime', 'Status']) {
      expect(entry, field).toHaveProperty(field);
    }
    expect(entry.FingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 404 for the key pair on a trial tenant and for unknown aliases', async () => {
    const bearer = await token();
    keystore.sapKeyPairPresent = false;
    expect((await odata(`KeystoreEntries('${HEX_ALIAS}')`, bearer)).status).toBe(404);
    keystore.sapKeyPairPresent = true;
    expect((await odata(`KeystoreEntries('${Buffer.from('my_key').toString('hex')}')`, bearer)).status).toBe(404);
  });

  it('answers 406 when the client does not ask for JSON', async () => {
    expect((await odata('ServiceEndpoints', await token(), 'application/atom+xml')).status).toBe(406);
  });

  it('lists the endpoints of deployed iFlows with their URLs', async () => {
    const result = await odata('ServiceEndpoints?$expand=EntryPoints', await token());
    expect(result.status).toBe(200);
    const endpoints = (JSON.parse(result.text) as {d: {results: Array<Record<string, any>>}}).d.results;
    expect(endpoints.map((endpoint) => endpoint.Name).sort()).toEqual(['Demo_Legacy', 'Demo_Orders', 'Demo_Soap']);
    const orders = endpoints.find((endpoint) => endpoint.Name === 'Demo_Orders')!;
    expect(orders.Id).toBe('Demo_Orders$endpointAddress=/demo/orders');
    expect(orders.Protocol).toBe('REST');
    expect(orders.EntryPoints.results[0].Url).toBe(`${tenant.runtimeUrl}/http/demo/orders`);
    const soap = endpoints.find((endpoint) => endpoint.Name === 'Demo_Soap')!;
    expect(soap.Protocol).toBe('SOAP');
    expect(soap.EntryPoints.results[0].Url).toBe(`${tenant.runtimeUrl}/cxf/demo/soap`);
  });

  it('reports the runtime status of deployed iFlows and 404 otherwise', async () => {
    const bearer = await token();
    const deployed = await odata("IntegrationRuntimeArtifacts('Demo_Orders')", bearer);
    expect(deployed.status).toBe(200);
    expect((JSON.parse(deployed.text) as {d: {Status: string; Id: string}}).d).toMatchObject({Id: 'Demo_Orders', Status: 'STARTED'});
    expect((await odata("IntegrationRuntimeArtifacts('Demo_Draft')", bearer)).status).toBe(404);
    expect((await odata("IntegrationRuntimeArtifacts('Nope')", bearer)).status).toBe(404);
  });

  it('exports an iFlow as a zip with the .iflw and parameters.prop', async () => {
    const bearer = await token();
    const result = await odata("IntegrationDesigntimeArtifacts(Id='Demo_Orders',Version='active')/$value", bearer, '*/*');
    expect(result.status).toBe(200);
    const files = unzipSync(new Uint8Array(result.body));
    const iflw = strFromU8(files['src/main/resources/scenarioflows/integrationflow/Demo_Orders.iflw']!);
    const parameters = strFromU8(files['src/main/resources/parameters.prop']!);
    expect(iflw).toContain('<bpmn2:messageFlow');
    expect(iflw).toMatch(/<key>senderAuthType<\/key>\s*<value>RoleBased<\/value>/);
    expect(iflw).toMatch(/<key>userRole<\/key>\s*<value>\{\{SenderRole\}\}<\/value>/);
    expect(iflw).toMatch(/<key>urlPath<\/key>\s*<value>\/demo\/orders<\/value>/);
    expect(iflw).toMatch(/<key>xsrfProtection<\/key>\s*<value>1<\/value>/);
    expect(parameters).toMatch(/^SenderRole=OrderSender$/m);

    const legacy = await odata("IntegrationDesigntimeArtifacts(Id='Demo_Legacy',Version='active')/$value", bearer, '*/*');
    const legacyIflw = strFromU8(unzipSync(new Uint8Array(legacy.body))['src/main/resources/scenarioflows/integrationflow/Demo_Legacy.iflw']!);
    expect(legacyIflw).toMatch(/<key>senderAuthType<\/key>\s*<value>ClientCertificate<\/value>/);
    expect(legacyIflw).toMatch(/<key>clientCertificates<\/key>\s*<value>[^<]+s4hana-sender/);

    expect((await odata("IntegrationDesigntimeArtifacts(Id='Nope',Version='active')/$value", bearer, '*/*')).status).toBe(404);
  });
});
