import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {execFile} from 'node:child_process';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {INVALID_CLIENT_BODY, startDemoTenant, type DemoTenant, type DemoTenantEvent, type ServiceKeyMatch} from '../../src/demo/tenant.js';
import {basic, call} from './client.js';

let pki: DemoPki;
let tenant: DemoTenant;
const keysByFingerprint = new Map<string, ServiceKeyMatch[]>();
let dnClones: ServiceKeyMatch[] = [];
const keystore = {sapKeyPairPresent: true};
const events: DemoTenantEvent[] = [];
const basicClients = new Map<string, {secret: string; instanceName: string; roles: string[]}>();

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const senderInstance = (keyName = 's4hana-cert', roles = ['ESBMessaging.send']): ServiceKeyMatch => ({instanceName: 'pi-rt-s4hana', keyName, roles});

beforeAll(async () => {
  pki = await createDemoPki();
  tenant = await startDemoTenant({
    pki,
    resolveCertificate: (_leafPem, fp) => ({keys: keysByFingerprint.get(fp) ?? [], dnMatches: dnClones}),
    resolveBasic: (clientId, secret) => {
      const client = basicClients.get(clientId);
      return client && client.secret === secret ? {instanceName: client.instanceName, roles: client.roles} : null;
    },
    iflows: [
      {id: 'Demo_Orders', name: 'Demo Orders', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'ESBMessaging.send'},
      {id: 'Demo_Invoices', name: 'Demo Invoices', path: '/demo/invoices', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'Invoice.send'},
      {
        id: 'Demo_Legacy', name: 'Demo Legacy (Option 2)', path: '/demo/legacy', adapter: 'HTTPS', senderAuthType: 'ClientCertificate',
        allowedCertificates: [{subjectDN: 'C=DE, O=Demo Customer, CN=s4hana-sender', issuerDN: 'C=DE, O=Demo Customer, CN=cpi-mtls Demo Client Issuing CA'}],
      },
      {
        id: 'Demo_Other', name: 'Option 2, other partner', path: '/demo/other', adapter: 'HTTPS', senderAuthType: 'ClientCertificate',
        allowedCertificates: [{subjectDN: 'CN=partner-system,O=Partner,C=FR', issuerDN: 'CN=Partner CA,O=Partner,C=FR'}],
      },
      {id: 'Demo_Csrf', name: 'CSRF protected', path: '/demo/csrf', adapter: 'HTTPS', senderAuthType: 'RoleBased', xsrfProtection: true},
      {id: 'Demo_Soap', name: 'SOAP orders', path: '/demo/soap', adapter: 'SOAP', senderAuthType: 'RoleBased'},
      {id: 'Demo_Draft', name: 'Not deployed', path: '/demo/draft', adapter: 'HTTPS', senderAuthType: 'RoleBased', deployed: false},
    ],
    keystore,
    apiClients: [],
    onEvent: (event) => events.push(event),
  });
});

afterAll(async () => {
  await tenant?.close();
});

beforeEach(() => {
  keysByFingerprint.clear();
  dnClones = [];
  keystore.sapKeyPairPresent = true;
  events.length = 0;
  basicClients.clear();
  keysByFingerprint.set(fingerprint(pki.clientLeaf.certPem), [senderInstance()]);
});

const runtime = (path: string) => `${tenant.runtimeUrl}${path}`;

describe('demo tenant runtime with client certificates (Option 1)', () => {
  it('answers 200 when the certificate is in exactly one key of an instance with the channel role', async () => {
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf, method: 'POST', body: '<order/>'});
    expect(result.status).toBe(200);
    expect(result.text).toContain('Demo_Orders');
    expect(result.text).toContain('pi-rt-s4hana/s4hana-cert');
  });

  it('matches the address case-insensitively', async () => {
    const result = await call(runtime('/http/DEMO/Orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(200);
  });

  it('answers 401 invalid_client when no service key holds the certificate', async () => {
    keysByFingerprint.clear();
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(401);
    expect(result.text).toBe(INVALID_CLIENT_BODY);
    expect(result.text).toContain('<error>invalid_client</error>');
    expect(result.text).toContain('not configured exactly once in a service key of a Process Integration Runtime service instance');
  });

  it('answers 401 invalid_client when two keys hold the same certificate', async () => {
    keysByFingerprint.set(fingerprint(pki.clientLeaf.certPem), [senderInstance('a'), {instanceName: 'pi-rt-other', keyName: 'b', roles: ['ESBMessaging.send']}]);
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(401);
    expect(result.text).toContain('invalid_client');
  });

  it('answers 401 invalid_client when an unpinned key with the same DNs exists (clone)', async () => {
    dnClones = [{instanceName: 'pi-rt-old', keyName: 'renewed-unpinned', roles: ['ESBMessaging.send']}];
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(401);
    expect(result.text).toContain('invalid_client');
  });

  it('accepts a certificate known only through one unpinned key with the same DNs', async () => {
    keysByFingerprint.clear();
    dnClones = [{instanceName: 'pi-rt-s4hana', keyName: 'unpinned', roles: ['ESBMessaging.send']}];
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(200);
  });

  it('answers 401 invalid_client on a tenant without the SAP key pair (trial)', async () => {
    keystore.sapKeyPairPresent = false;
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(401);
    expect(result.text).toContain('invalid_client');
  });

  it('answers 403 when the instance lacks the channel role', async () => {
    const result = await call(runtime('/http/demo/invoices'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(403);
    expect(result.text).toContain('Invoice.send');
  });

  it('serves SOAP channels under /cxf only', async () => {
    expect((await call(runtime('/cxf/demo/soap'), {ca: tenant.serverCaPem, client: pki.clientLeaf, method: 'POST', body: '<soap/>'})).status).toBe(200);
    expect((await call(runtime('/http/demo/soap'), {ca: tenant.serverCaPem, client: pki.clientLeaf})).status).toBe(404);
  });

  it('answers 404 for an unknown address and for an iFlow that is not deployed', async () => {
    expect((await call(runtime('/http/demo/nothing'), {ca: tenant.serverCaPem, client: pki.clientLeaf})).status).toBe(404);
    expect((await call(runtime('/http/demo/draft'), {ca: tenant.serverCaPem, client: pki.clientLeaf})).status).toBe(404);
  });

  it('answers 401 without any credentials', async () => {
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem});
    expect(result.status).toBe(401);
    expect(result.text).not.toContain('invalid_client');
  });
});

describe('demo load balancer', () => {
  it('sends leaf and intermediate but not the root', async () => {
    const port = new URL(tenant.runtimeUrl).port;
    // Async on purpose: the server runs in this process and must keep serving while openssl waits.
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts', '-servername', 'localhost'], {timeout: 10_000}, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin?.end();
    });
    const blocks = output.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(blocks.length).toBe(2);
    expect(output).toContain('cpi-mtls Demo Load Balancer TLS CA');
    expect(output).not.toMatch(/s:.*CN ?= ?cpi-mtls Demo Load Balancer Root CA/);
  });

  it('rejects a certificate without EKU clientAuth before any HTTP response', async () => {
    keysByFingerprint.set(fingerprint(pki.clientLeafNoClientAuth.certPem), [senderInstance()]);
    const error = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeafNoClientAuth}).then(
      (result): NodeJS.ErrnoException => new Error(`unexpected HTTP ${result.status}`),
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    expect(['ECONNRESET', 'EPIPE']).toContain(error.code);
    expect(events.some((event) => event.kind === 'handshake-rejected' && event.message.includes('clientAuth'))).toBe(true);
    expect(events.some((event) => event.kind === 'request')).toBe(false);
  });

  it('rejects an expired client certificate in the handshake', async () => {
    keysByFingerprint.set(fingerprint(pki.clientLeafExpired.certPem), [senderInstance()]);
    await expect(call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeafExpired})).rejects.toMatchObject({code: expect.stringMatching(/ECONNRESET|EPIPE/)});
    expect(events.some((event) => event.kind === 'handshake-rejected' && event.message.includes('CERT_HAS_EXPIRED'))).toBe(true);
  });

  it('accepts a certificate that expires soon', async () => {
    keysByFingerprint.set(fingerprint(pki.clientLeafExpiring.certPem), [senderInstance()]);
    expect((await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeafExpiring})).status).toBe(200);
  });

  it('does not pass on a certificate from an untrusted CA: the call behaves as if none was sent', async () => {
    keysByFingerprint.set(fingerprint(pki.clientLeafUntrusted.certPem), [senderInstance()]);
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeafUntrusted});
    expect(result.status).toBe(401);
    expect(result.text).not.toContain('invalid_client');
    expect(events.some((event) => event.kind === 'certificate-not-passed-on')).toBe(true);

    basicClients.set('sb-basic', {secret: 's3cret', instanceName: 'pi-rt-basic', roles: ['ESBMessaging.send']});
    const withBasic = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeafUntrusted, headers: {authorization: basic('sb-basic', 's3cret')}});
    expect(withBasic.status).toBe(200);
    expect(withBasic.text).toContain('Basic auth');
  });

  it('does not pass on a trusted leaf sent without its intermediate', async () => {
    const result = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, client: pki.clientLeaf, chain: false});
    expect(result.status).toBe(401);
    expect(result.text).not.toContain('invalid_client');
    expect(events.some((event) => event.kind === 'certificate-not-passed-on')).toBe(true);
  });
});

describe('demo tenant runtime: Basic auth, Option 2, CSRF', () => {
  it('accepts Basic auth with client id and secret and checks the role', async () => {
    basicClients.set('sb-basic', {secret: 's3cret', instanceName: 'pi-rt-basic', roles: ['ESBMessaging.send']});
    expect((await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, headers: {authorization: basic('sb-basic', 's3cret')}})).status).toBe(200);
    expect((await call(runtime('/http/demo/invoices'), {ca: tenant.serverCaPem, headers: {authorization: basic('sb-basic', 's3cret')}})).status).toBe(403);
    const wrong = await call(runtime('/http/demo/orders'), {ca: tenant.serverCaPem, headers: {authorization: basic('sb-basic', 'wrong')}});
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Bad credentials');
  });

  it('Option 2: accepts a certificate whose subject and issuer are in the channel list', async () => {
    const result = await call(runtime('/http/demo/legacy'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(200);
  });

  it('Option 2: answers 403 with SAP\'s text when the DNs are not in the list', async () => {
    const result = await call(runtime('/http/demo/other'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(403);
    expect(result.text).toContain('Subject and issuer (subject: cn=s4hana-sender,o=demo customer,c=de; issuer: cn=cpi-mtls demo client issuing ca,o=demo customer,c=de) of the provided certificate is not contained in the accepted subjectAndIssuers list of the integration flow.');
  });

  it('Option 2: still needs the certificate in a service key', async () => {
    keysByFingerprint.clear();
    const result = await call(runtime('/http/demo/legacy'), {ca: tenant.serverCaPem, client: pki.clientLeaf});
    expect(result.status).toBe(401);
    expect(result.text).toContain('invalid_client');
  });

  it('CSRF protection: 403 for POST without token, 200 after fetching one', async () => {
    const denied = await call(runtime('/http/demo/csrf'), {ca: tenant.serverCaPem, client: pki.clientLeaf, method: 'POST', body: 'x'});
    expect(denied.status).toBe(403);
    expect(denied.headers['x-csrf-token']).toBe('Required');
    const fetched = await call(runtime('/http/demo/csrf'), {ca: tenant.serverCaPem, client: pki.clientLeaf, headers: {'x-csrf-token': 'Fetch'}});
    expect(fetched.status).toBe(200);
    const token = String(fetched.headers['x-csrf-token']);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const accepted = await call(runtime('/http/demo/csrf'), {ca: tenant.serverCaPem, client: pki.clientLeaf, method: 'POST', body: 'x', headers: {'x-csrf-token': token}});
    expect(accepted.status).toBe(200);
  });
});
