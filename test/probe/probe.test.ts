import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runProbe} from '../../src/probe/probe.js';
import {CancelledError} from '../../src/errors.js';
import {classifyError} from '../../src/probe/connect.js';
import {createTestPki, issue, type TestPki} from './pki.js';
import {startRuntime, startSilentTcp, startSilentTls, type RuntimeServer, type Running} from './servers.js';

const NO_PROXY_ENV = {} as NodeJS.ProcessEnv;
let pki: TestPki;
let runtime: RuntimeServer; // accepts any client certificate at TLS level, answers per path
let strict: RuntimeServer; // rejects client certificates the CA does not vouch for
let strictTls12: RuntimeServer;
let selfSigned: RuntimeServer;
const cleanup: Running[] = [];

function url(server: Running, path: string): string {
  return `https://127.0.0.1:${server.port}${path}`;
}

beforeAll(async () => {
  pki = createTestPki();
  const chain = pki.server.certPem + pki.intermediate.certPem;
  runtime = await startRuntime({key: pki.server.keyPem, cert: chain});
  strict = await startRuntime({key: pki.server.keyPem, cert: chain, ca: [pki.root.certPem], requireClientCert: true});
  strictTls12 = await startRuntime({key: pki.server.keyPem, cert: chain, ca: [pki.root.certPem], requireClientCert: true, maxVersion: 'TLSv1.2'});
  selfSigned = await startRuntime({key: pki.selfSignedServer.keyPem, cert: pki.selfSignedServer.certPem});
  cleanup.push(runtime, strict, strictTls12, selfSigned);
});

afterAll(async () => {
  await Promise.all(cleanup.map((server) => server.close()));
});

function clientOf(leaf: {certPem: string; keyPem: string}, ...chain: Array<{certPem: string}>) {
  return {certPem: leaf.certPem + chain.map((c) => c.certPem).join(''), keyPem: leaf.keyPem};
}

describe('server side', () => {
  it('records TLS, the chain as sent (leaf + intermediate) and completes the root from the extra CAs', async () => {
    const result = await runProbe({url: url(runtime, '/http/ok'), extraCaPems: [pki.root.certPem], env: NO_PROXY_ENV});
    const server = result.server;
    expect(server.error).toBeUndefined();
    expect(server.tls.protocol).toBe('TLSv1.3');
    expect(server.tls.cipher).toMatch(/^TLS_/);
    expect(server.chain.map((c) => [c.subject, c.source])).toEqual([
      ['O=cpi-mtls test, CN=localhost', 'sent-by-server'],
      ['O=cpi-mtls test, CN=Probe Test Intermediate CA', 'sent-by-server'],
      ['O=cpi-mtls test, CN=Probe Test Root CA', 'extra-ca'],
    ]);
    expect(server.chain[2].fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(server.root).toMatchObject({found: true, source: 'extra-ca', publicCa: false});
    expect(server.trustedBySystem).toBe(true);
    expect(server.authorizationError).toBeUndefined();
    expect(server.hostnameMatches).toBe(true);
    expect(server.interception).toBe(false);
    expect(result.client).toBeUndefined();
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reports an untrusted chain without the CA, and flags a non-public root as possible interception', async () => {
    const result = await runProbe({url: url(runtime, '/'), env: NO_PROXY_ENV, fetchIssuers: false});
    expect(result.server.trustedBySystem).toBe(false);
    expect(result.server.authorizationError).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    expect(result.server.root).toMatchObject({found: false, source: 'not-found'});
    expect(result.server.interception).toBe(true);
    expect(result.server.warnings.join(' ')).toMatch(/proxy's, not SAP's/);
  });

  it('reports a self-signed server certificate as untrusted', async () => {
    const result = await runProbe({url: url(selfSigned, '/'), env: NO_PROXY_ENV});
    expect(result.server.trustedBySystem).toBe(false);
    expect(result.server.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(result.server.root).toMatchObject({found: true, source: 'sent-by-server', publicCa: false});
    expect(result.server.interception).toBe(true);
  });

  it('reports a host name the certificate does not cover', async () => {
    const other = issue({cn: 'other.example', issuer: pki.intermediate, eku: ['serverAuth'], dnsNames: ['other.example']});
    const server = await startRuntime({key: other.keyPem, cert: other.certPem + pki.intermediate.certPem});
    cleanup.push(server);
    const result = await runProbe({url: url(server, '/'), extraCaPems: [pki.root.certPem], env: NO_PROXY_ENV});
    expect(result.server.hostnameMatches).toBe(false);
    expect(result.server.trustedBySystem).toBe(false);
    expect(result.server.authorizationError).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(result.server.warnings.join(' ')).toMatch(/does not name 127\.0\.0\.1/);
  });
});

describe('server side: NODE_EXTRA_CA_CERTS from the env', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-probe-env-ca-'));
    await writeFile(file('root.pem'), pki.root.certPem);
    await writeFile(file('bundle.pem'), pki.otherRoot.certPem + pki.root.certPem);
    await writeFile(file('not-pem.txt'), 'just some text, no certificate\n');
    await mkdir(file('a-folder'));
  });
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  it('completes the chain with the root from the file: identified, trusted, no interception warning', async () => {
    const result = await runProbe({url: url(runtime, '/http/ok'), env: {NODE_EXTRA_CA_CERTS: file('bundle.pem')}, fetchIssuers: false});
    const server = result.server;
    expect(server.chain.map((c) => c.source)).toEqual(['sent-by-server', 'sent-by-server', 'extra-ca']);
    expect(server.root).toMatchObject({found: true, source: 'extra-ca', subject: 'O=cpi-mtls test, CN=Probe Test Root CA', extraCaOrigin: 'NODE_EXTRA_CA_CERTS', publicCa: false});
    expect(server.root.note).toContain(`NODE_EXTRA_CA_CERTS (${file('bundle.pem')})`);
    expect(server.trustedBySystem).toBe(true);
    expect(server.authorizationError).toBeUndefined();
    expect(server.interception).toBe(false);
    expect(server.nodeExtraCaCerts).toEqual({file: file('bundle.pem'), certificates: 2});
    expect(server.warnings.join(' ')).not.toMatch(/proxy/);
  });

  it('a root the server sends itself is not taken for a proxy when the file vouches for it', async () => {
    const fullChain = await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem + pki.root.certPem});
    cleanup.push(fullChain);
    const trusted = await runProbe({url: url(fullChain, '/'), env: {NODE_EXTRA_CA_CERTS: file('root.pem')}, fetchIssuers: false});
    expect(trusted.server.root).toMatchObject({found: true, source: 'sent-by-server', extraCaOrigin: 'NODE_EXTRA_CA_CERTS'});
    expect(trusted.server.trustedBySystem).toBe(true);
    expect(trusted.server.interception).toBe(false);
    const untrusted = await runProbe({url: url(fullChain, '/'), env: NO_PROXY_ENV, fetchIssuers: false});
    expect(untrusted.server.trustedBySystem).toBe(false);
    expect(untrusted.server.interception).toBe(true);
  });

  it('the wizard path (no env given) reads process.env', async () => {
    const before = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = file('root.pem');
    try {
      const result = await runProbe({url: url(runtime, '/http/ok'), fetchIssuers: false});
      expect(result.server.root).toMatchObject({found: true, extraCaOrigin: 'NODE_EXTRA_CA_CERTS'});
      expect(result.server.trustedBySystem).toBe(true);
    } finally {
      if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = before;
    }
  });

  it.each([
    ['missing', () => file('no-such.pem'), /does not exist/],
    ['not PEM', () => file('not-pem.txt'), /holds no PEM certificate/],
    ['a folder', () => file('a-folder'), /is a folder/],
  ])('an unusable file (%s) is a warning naming the variable and the file, not a crash', async (_name, target, reason) => {
    const result = await runProbe({url: url(runtime, '/http/ok'), env: {NODE_EXTRA_CA_CERTS: target()}, fetchIssuers: false});
    expect(result.server.warnings[0]).toContain(`NODE_EXTRA_CA_CERTS points to ${target()}`);
    expect(result.server.warnings[0]).toMatch(reason);
    expect(result.server.nodeExtraCaCerts).toEqual({file: target(), certificates: 0});
    // Otherwise as without the variable.
    expect(result.server.trustedBySystem).toBe(false);
    expect(result.server.root.found).toBe(false);
  });

  it('extraCaPems and NODE_EXTRA_CA_CERTS together: the caller\'s copy is named', async () => {
    const result = await runProbe({url: url(runtime, '/http/ok'), extraCaPems: [pki.root.certPem], env: {NODE_EXTRA_CA_CERTS: file('root.pem')}, fetchIssuers: false});
    expect(result.server.root).toMatchObject({found: true, extraCaOrigin: 'caller'});
    expect(result.server.interception).toBe(false);
  });
});

describe('client side', () => {
  it('200: success with the full chain', async () => {
    const result = await runProbe({url: url(strict, '/http/ok'), client: clientOf(pki.client, pki.intermediate), extraCaPems: [pki.root.certPem], env: NO_PROXY_ENV});
    expect(result.client).toMatchObject({outcome: 'success', status: 200, bodyExcerpt: 'OK from the iflow', clientCertificate: 'O=cpi-mtls test, CN=sender-ok'});
    expect(result.client!.localFacts).toMatchObject({ekuClientAuth: true, chainComplete: true});
    expect(strict.requests.at(-1)).toMatchObject({path: '/http/ok', clientCert: 'sender-ok'});
  });

  it('POST sends a small body', async () => {
    const result = await runProbe({url: url(runtime, '/http/ok'), method: 'POST', client: clientOf(pki.client, pki.intermediate), env: NO_PROXY_ENV});
    expect(result.client).toMatchObject({outcome: 'success', method: 'POST'});
    expect(runtime.requests.at(-1)).toMatchObject({method: 'POST'});
  });

  it('500: the iflow failed, which counts as a working connection', async () => {
    const result = await runProbe({url: url(runtime, '/http/fail'), client: clientOf(pki.client, pki.intermediate), env: NO_PROXY_ENV});
    expect(result.client).toMatchObject({outcome: 'server-error', status: 500});
    expect(result.client!.diagnosis.summary).toMatch(/connection works/);
  });

  it('401 invalid_client: names the cross-check count', async () => {
    const base = {url: url(runtime, '/http/invalid-client'), client: clientOf(pki.client, pki.intermediate), env: NO_PROXY_ENV};
    const none = await runProbe({...base, crossCheck: {keysWithThisCertificate: 0}});
    expect(none.client).toMatchObject({outcome: 'unauthorized', status: 401});
    expect(none.client!.bodyExcerpt).toContain('invalid_client');
    expect(none.client!.diagnosis.causes[0]).toMatch(/No service key holds this certificate/);
    const two = await runProbe({...base, crossCheck: {keysWithThisCertificate: 2}});
    expect(two.client!.diagnosis.causes[0]).toMatch(/2 service keys/);
    const one = await runProbe({...base, crossCheck: {keysWithThisCertificate: 1}});
    expect(one.client!.diagnosis.causes[0]).toMatch(/sap_cloudintegrationcertificate/);
    expect(one.client!.diagnosis.docs.join()).toContain('3224701');
  });

  it('403: role first for GET, CSRF first for POST, Option 2 text recognised', async () => {
    const client = clientOf(pki.client, pki.intermediate);
    const get = await runProbe({url: url(runtime, '/http/forbidden'), client, env: NO_PROXY_ENV});
    expect(get.client).toMatchObject({outcome: 'forbidden', status: 403});
    expect(get.client!.diagnosis.causes[0]).toMatch(/role/);
    expect(get.client!.diagnosis.causes.join()).toMatch(/up to an hour/);
    const post = await runProbe({url: url(runtime, '/http/forbidden'), method: 'POST', client, env: NO_PROXY_ENV});
    expect(post.client!.diagnosis.causes[0]).toMatch(/CSRF/);
    const option2 = await runProbe({url: url(runtime, '/http/option2'), client, env: NO_PROXY_ENV});
    expect(option2.client!.diagnosis.summary).toMatch(/Client Certificate" authorization/);
    expect(option2.client!.diagnosis.docs.join()).toContain('3538749');
  });

  it('404: path or deployment; a path outside /http and /cxf is called out', async () => {
    const client = clientOf(pki.client, pki.intermediate);
    const missing = await runProbe({url: url(runtime, '/http/nothing-here'), client, env: NO_PROXY_ENV});
    expect(missing.client).toMatchObject({outcome: 'not-found', status: 404});
    expect(missing.client!.diagnosis.causes.join()).toMatch(/not deployed/);
    const wrongPrefix = await runProbe({url: url(runtime, '/orders'), client, env: NO_PROXY_ENV});
    expect(wrongPrefix.client!.diagnosis.causes[0]).toMatch(/neither \/http\/ .* nor \/cxf\//);
  });

  for (const [name, server] of [['TLS 1.3', () => strict], ['TLS 1.2', () => strictTls12]] as const) {
    it(`handshake rejected (${name}): certificate without EKU clientAuth, facts point to EKU`, async () => {
      const result = await runProbe({url: url(server(), '/http/ok'), client: clientOf(pki.clientServerAuthOnly, pki.intermediate), env: NO_PROXY_ENV});
      expect(result.client!.outcome).toBe('handshake-rejected');
      expect(result.client!.status).toBeUndefined();
      expect(result.client!.localFacts).toMatchObject({ekuClientAuth: false, derived: expect.arrayContaining(['ekuClientAuth'])});
      expect(result.client!.diagnosis.summary).toMatch(/point to: missing EKU clientAuth/);
      expect(result.client!.clientCertificateEku).toEqual(['serverAuth']);
      expect(result.client!.diagnosis.causes.join(' ')).toMatch(/it lists only serverAuth/);
    });

    it(`handshake rejected (${name}): certificate from a CA the server does not trust`, async () => {
      const result = await runProbe({
        url: url(server(), '/http/ok'),
        client: clientOf(pki.otherClient, pki.otherRoot),
        localFacts: {rootTrustedBySap: false},
        env: NO_PROXY_ENV,
      });
      expect(result.client!.outcome).toBe('handshake-rejected');
      expect(result.client!.localFacts).toMatchObject({rootTrustedBySap: false, ekuClientAuth: true, chainComplete: true});
      expect(result.client!.diagnosis.summary).toMatch(/point to: root not trusted by SAP/);
      if (name === 'TLS 1.3') {
        // TLS 1.3 finishes the client's handshake before the server judges the certificate.
        expect(result.server.chain.length).toBe(2);
      } else {
        // TLS 1.2 with a mandatory certificate: no handshake completes, and that is reported.
        expect(result.server.error).toMatchObject({stage: 'tls', host: '127.0.0.1', port: strictTls12.port});
      }
    });
  }

  it('TLS 1.2 server that demands a certificate: the chain is taken from the accepted certificate call', async () => {
    const result = await runProbe({url: url(strictTls12, '/http/ok'), client: clientOf(pki.client, pki.intermediate), extraCaPems: [pki.root.certPem], env: NO_PROXY_ENV});
    expect(result.client).toMatchObject({outcome: 'success', status: 200, tls: {protocol: 'TLSv1.2'}});
    expect(result.server.error).toBeUndefined();
    expect(result.server.tls.protocol).toBe('TLSv1.2');
    expect(result.server.chain.map((c) => c.source)).toEqual(['sent-by-server', 'sent-by-server', 'extra-ca']);
    expect(result.server.warnings[0]).toMatch(/Without a client certificate the server ended the handshake/);
  });

  it('a leaf without its intermediate is rejected and the facts say the chain is incomplete', async () => {
    const result = await runProbe({url: url(strict, '/http/ok'), client: clientOf(pki.client), env: NO_PROXY_ENV});
    expect(result.client!.outcome).toBe('handshake-rejected');
    expect(result.client!.localFacts).toMatchObject({chainComplete: false});
    expect(result.client!.diagnosis.summary).toMatch(/incomplete chain/);
  });

  it('a certificate without an EKU extension is reported as it is: no clientAuth, a local finding in the diagnosis', async () => {
    const result = await runProbe({url: url(strict, '/http/ok'), client: clientOf(pki.clientNoEku, pki.intermediate), env: NO_PROXY_ENV});
    expect(result.client!.clientCertificateEku).toEqual([]);
    expect(result.client!.localFacts).toMatchObject({ekuClientAuth: false, derived: expect.arrayContaining(['ekuClientAuth'])});
    // A server that does not check EKU accepts it; the result still says what the certificate carries.
    const accepted = await runProbe({url: url(runtime, '/http/ok'), client: clientOf(pki.clientNoEku, pki.intermediate), env: NO_PROXY_ENV});
    expect(accepted.client).toMatchObject({outcome: 'success', clientCertificateEku: [], localFacts: {ekuClientAuth: false}});
  });

  it('a 401 without invalid_client names the missing clientAuth first, with what the certificate lists', async () => {
    const result = await runProbe({url: url(runtime, '/http/echo-secret'), client: clientOf(pki.clientServerAuthOnly, pki.intermediate), env: NO_PROXY_ENV});
    expect(result.client).toMatchObject({outcome: 'unauthorized', clientCertificateEku: ['serverAuth']});
    expect(result.client!.diagnosis.summary).toMatch(/point to: missing EKU clientAuth/);
    expect(result.client!.diagnosis.causes[0]).toMatch(/it lists only serverAuth/);
    expect(result.client!.diagnosis.fix[0]).toMatch(/EKU clientAuth/);
    const good = await runProbe({url: url(runtime, '/http/echo-secret'), client: clientOf(pki.client, pki.intermediate), env: NO_PROXY_ENV});
    expect(good.client!.diagnosis.summary).toBe('HTTP 401: the runtime did not accept the client certificate.');
    expect(good.client!.clientCertificateEku).toEqual(['clientAuth']);
  });

  it('caller facts override derived ones', async () => {
    const result = await runProbe({url: url(runtime, '/http/ok'), client: clientOf(pki.clientServerAuthOnly, pki.intermediate), localFacts: {ekuClientAuth: true}, env: NO_PROXY_ENV});
    expect(result.client!.localFacts).toMatchObject({ekuClientAuth: true});
    expect(result.client!.localFacts!.derived).not.toContain('ekuClientAuth');
  });
});

describe('bounded', () => {
  it('times out in the TLS stage against a server that accepts TCP and never speaks', async () => {
    const silent = await startSilentTcp();
    cleanup.push(silent);
    const started = Date.now();
    const result = await runProbe({url: url(silent, '/http/ok'), client: clientOf(pki.client, pki.intermediate), timeoutMs: 400, env: NO_PROXY_ENV});
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.server.error).toMatchObject({stage: 'tls', kind: 'timeout', host: '127.0.0.1', port: silent.port});
    expect(result.server.error!.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${silent.port} did not complete the TLS handshake within 400 ms`));
    expect(result.client).toMatchObject({outcome: 'timeout'});
  });

  it('times out waiting for the response against a server that completes TLS and never answers', async () => {
    const silent = await startSilentTls(pki.server.keyPem, pki.server.certPem + pki.intermediate.certPem);
    cleanup.push(silent);
    const result = await runProbe({url: url(silent, '/http/ok'), client: clientOf(pki.client, pki.intermediate), timeouts: {responseMs: 400}, env: NO_PROXY_ENV});
    expect(result.server.error).toBeUndefined();
    expect(result.client).toMatchObject({outcome: 'timeout', failure: {stage: 'response', kind: 'timeout'}});
    expect(result.client!.diagnosis.summary).toMatch(/wait for the HTTP response within 400 ms/);
  });

  it('a refused connection names host, port and stage', async () => {
    const closed = await startSilentTcp();
    const port = closed.port;
    await closed.close();
    const result = await runProbe({url: `https://127.0.0.1:${port}/http/ok`, client: clientOf(pki.client, pki.intermediate), env: NO_PROXY_ENV});
    expect(result.server.error).toMatchObject({stage: 'connect', code: 'ECONNREFUSED'});
    expect(result.client!.outcome).toBe('network-error');
    expect(result.client!.diagnosis.summary).toContain(`127.0.0.1:${port} was refused (connect)`);
  });

  it('a DNS failure names the host (classification only: tests make no DNS queries)', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND no-such-host.invalid'), {code: 'ENOTFOUND'});
    const failure = classifyError(error, 'dns', 'no-such-host.invalid', 443);
    expect(failure).toMatchObject({stage: 'dns', kind: 'network', host: 'no-such-host.invalid', port: 443});
    expect(failure.message).toMatch(/DNS lookup of no-such-host\.invalid failed \(ENOTFOUND\)/);
  });

  it('an aborted signal cancels a hanging call promptly', async () => {
    const silent = await startSilentTls(pki.server.keyPem, pki.server.certPem);
    cleanup.push(silent);
    const controller = new AbortController();
    const pending = runProbe({url: url(silent, '/http/ok'), client: clientOf(pki.client, pki.intermediate), signal: controller.signal, env: NO_PROXY_ENV});
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a pre-aborted signal does not connect', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = runtime.requests.length;
    await expect(runProbe({url: url(runtime, '/http/ok'), signal: controller.signal, env: NO_PROXY_ENV})).rejects.toBeInstanceOf(CancelledError);
    expect(runtime.requests.length).toBe(before);
  });
});
