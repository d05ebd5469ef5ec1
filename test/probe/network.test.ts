import tls from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runProbe} from '../../src/probe/probe.js';
import {bypassesProxy} from '../../src/probe/proxy.js';
import {createTestPki, derOf, issue, type Issued, type TestPki} from './pki.js';
import {startConnectProxy, startFileServer, startRuntime, type ProxyServer, type Running, type RuntimeServer} from './servers.js';

let pki: TestPki;
let runtime: RuntimeServer;
let proxy: ProxyServer;
const cleanup: Running[] = [];

function clientOf(leaf: Issued, ...chain: Issued[]) {
  return {certPem: leaf.certPem + chain.map((c) => c.certPem).join(''), keyPem: leaf.keyPem};
}

beforeAll(async () => {
  pki = createTestPki();
  runtime = await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem, basic: {clientId: 'sb-basic', clientSecret: 'basic-secret'}});
  proxy = await startConnectProxy();
  cleanup.push(runtime, proxy);
});

afterAll(async () => {
  await Promise.all(cleanup.map((server) => server.close()));
});

describe('corporate proxy (HTTP CONNECT)', () => {
  it('tunnels both the server capture and the certificate call through HTTPS_PROXY', async () => {
    const before = proxy.tunnels.length;
    const result = await runProbe({
      url: `https://127.0.0.1:${runtime.port}/http/ok`,
      client: clientOf(pki.client, pki.intermediate),
      extraCaPems: [pki.root.certPem],
      env: {HTTPS_PROXY: `http://user:proxy-pass@127.0.0.1:${proxy.port}`},
    });
    expect(proxy.tunnels.slice(before)).toEqual([`127.0.0.1:${runtime.port}`, `127.0.0.1:${runtime.port}`]);
    expect(result.server.via).toBe(`http://127.0.0.1:${proxy.port}`);
    expect(JSON.stringify(result)).not.toContain('proxy-pass');
    expect(result.server.trustedBySystem).toBe(true);
    expect(result.client).toMatchObject({outcome: 'success', status: 200});
  });

  it('honours lower-case https_proxy and NO_PROXY', async () => {
    const before = proxy.tunnels.length;
    const viaProxy = await runProbe({url: `https://127.0.0.1:${runtime.port}/`, env: {https_proxy: `127.0.0.1:${proxy.port}`}});
    expect(viaProxy.server.via).toBeDefined();
    expect(proxy.tunnels.length).toBe(before + 1);
    const direct = await runProbe({url: `https://127.0.0.1:${runtime.port}/`, env: {HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, no_proxy: 'localhost,127.0.0.1'}});
    expect(direct.server.via).toBeUndefined();
    expect(direct.server.error).toBeUndefined();
    expect(proxy.tunnels.length).toBe(before + 1);
  });

  it('a proxy that refuses the tunnel is reported at the proxy stage', async () => {
    const refusing = await startConnectProxy({refuseWith: 407});
    cleanup.push(refusing);
    const result = await runProbe({url: `https://127.0.0.1:${runtime.port}/http/ok`, client: clientOf(pki.client, pki.intermediate), env: {HTTPS_PROXY: `http://127.0.0.1:${refusing.port}`}});
    expect(result.server.error).toMatchObject({stage: 'proxy', kind: 'proxy', code: 'HTTP_407'});
    expect(result.server.error!.message).toMatch(/refused the tunnel to 127\.0\.0\.1:\d+: 407.*wants credentials/);
    expect(result.client!.outcome).toBe('network-error');
  });

  it('an unreachable proxy names the proxy host and port', async () => {
    const gone = await startConnectProxy();
    const port = gone.port;
    await gone.close();
    const result = await runProbe({url: `https://127.0.0.1:${runtime.port}/`, env: {HTTPS_PROXY: `http://127.0.0.1:${port}`}});
    expect(result.server.error).toMatchObject({stage: 'proxy', code: 'ECONNREFUSED', port});
  });

  it('NO_PROXY matching follows curl: suffixes, leading dots, ports, *', () => {
    expect(bypassesProxy('abc.it-cpi018-rt.cfapps.eu10.hana.ondemand.com', 443, '.hana.ondemand.com')).toBe(true);
    expect(bypassesProxy('abc.hana.ondemand.com', 443, 'hana.ondemand.com')).toBe(true);
    expect(bypassesProxy('evilhana.ondemand.com', 443, 'hana.ondemand.com')).toBe(false);
    expect(bypassesProxy('host.example', 443, 'host.example:8443')).toBe(false);
    expect(bypassesProxy('host.example', 8443, 'host.example:8443')).toBe(true);
    expect(bypassesProxy('10.0.0.1', 443, '10.0.0.1')).toBe(true);
    expect(bypassesProxy('anything', 443, '*')).toBe(true);
    expect(bypassesProxy('anything', 443, undefined)).toBe(false);
  });
});

describe('root completion from the issuer URL (AIA)', () => {
  it('downloads a root (DER) the server does not send, and a missing intermediate (PEM), and says so', async () => {
    const root = issue({cn: 'AIA Root CA', ca: true});
    const files = await startFileServer({'/root.cer': derOf(root)});
    cleanup.push(files);
    const rootUrl = `http://127.0.0.1:${files.port}/root.cer`;

    // Case 1: leaf + intermediate sent; the root is only reachable through the intermediate's issuer URL.
    const intermediate = issue({cn: 'AIA Intermediate CA', ca: true, issuer: root, aiaIssuerUrl: rootUrl});
    const leaf = issue({cn: 'localhost', issuer: intermediate, eku: ['serverAuth'], ips: ['127.0.0.1']});
    const sendsIntermediate = await startRuntime({key: leaf.keyPem, cert: leaf.certPem + intermediate.certPem});
    cleanup.push(sendsIntermediate);
    const rootOnly = await runProbe({url: `https://127.0.0.1:${sendsIntermediate.port}/`, env: {}});
    expect(rootOnly.server.root).toMatchObject({found: true, source: 'aia', aiaUrl: rootUrl, subject: 'O=cpi-mtls test, CN=AIA Root CA'});
    expect(rootOnly.server.chain.map((c) => c.source)).toEqual(['sent-by-server', 'sent-by-server', 'aia']);
    expect(rootOnly.server.trustedBySystem).toBe(false);
    expect(rootOnly.server.warnings.join(' ')).toMatch(/fetched from the issuer URL/);

    // Case 2: only the leaf is sent; the intermediate comes as PEM from the leaf's issuer URL, the root from the extra CAs.
    const intermediateFiles = await startFileServer({'/intermediate.pem': intermediate.certPem});
    cleanup.push(intermediateFiles);
    const leafWithAia = issue({cn: 'localhost', issuer: intermediate, eku: ['serverAuth'], ips: ['127.0.0.1'], aiaIssuerUrl: `http://127.0.0.1:${intermediateFiles.port}/intermediate.pem`});
    const leafOnly = await startRuntime({key: leafWithAia.keyPem, cert: leafWithAia.certPem});
    cleanup.push(leafOnly);
    const result = await runProbe({url: `https://127.0.0.1:${leafOnly.port}/`, extraCaPems: [root.certPem], env: {}});
    expect(result.server.chain.map((c) => [c.subject.replace('O=cpi-mtls test, ', ''), c.source])).toEqual([
      ['CN=localhost', 'sent-by-server'],
      ['CN=AIA Intermediate CA', 'aia'],
      ['CN=AIA Root CA', 'extra-ca'],
    ]);
    expect(result.server.trustedBySystem).toBe(false);
    expect(result.server.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(result.server.warnings.join(' ')).toMatch(/did not send the intermediate .*AIA Intermediate CA/);
    expect(intermediateFiles.hits).toEqual(['/intermediate.pem']);
  });

  it('an issuer URL that fails is a warning, never a hang; --no-aia skips it', async () => {
    const files = await startFileServer({});
    cleanup.push(files);
    const root = issue({cn: 'Lost Root CA', ca: true});
    const intermediate = issue({cn: 'Lost Intermediate', ca: true, issuer: root, aiaIssuerUrl: `http://127.0.0.1:${files.port}/gone.cer`});
    const leaf = issue({cn: 'localhost', issuer: intermediate, ips: ['127.0.0.1']});
    const server = await startRuntime({key: leaf.keyPem, cert: leaf.certPem + intermediate.certPem});
    cleanup.push(server);
    const result = await runProbe({url: `https://127.0.0.1:${server.port}/`, env: {}});
    expect(result.server.root).toMatchObject({found: false, source: 'not-found'});
    expect(result.server.warnings.join(' ')).toMatch(/gone\.cer: .*HTTP 404/);
    const before = files.hits.length;
    await runProbe({url: `https://127.0.0.1:${server.port}/`, env: {}, fetchIssuers: false});
    expect(files.hits.length).toBe(before);
  });

  it('plain-HTTP issuer downloads go through HTTP_PROXY', async () => {
    const root = issue({cn: 'Proxied Root CA', ca: true});
    const files = await startFileServer({'/root.cer': derOf(root)});
    cleanup.push(files);
    const intermediate = issue({cn: 'Proxied Intermediate', ca: true, issuer: root, aiaIssuerUrl: `http://127.0.0.1:${files.port}/root.cer`});
    const leaf = issue({cn: 'localhost', issuer: intermediate, ips: ['127.0.0.1']});
    const server = await startRuntime({key: leaf.keyPem, cert: leaf.certPem + intermediate.certPem});
    cleanup.push(server);
    const before = proxy.forwarded.length;
    const result = await runProbe({url: `https://127.0.0.1:${server.port}/`, env: {HTTP_PROXY: `http://127.0.0.1:${proxy.port}`}});
    expect(result.server.root.source).toBe('aia');
    expect(proxy.forwarded.slice(before)).toEqual([`http://127.0.0.1:${files.port}/root.cer`]);
  });
});

describe('trust verdict agrees with Node\'s own verification', () => {
  async function nodeVerdict(port: number, ca: string[] | undefined): Promise<{authorized: boolean; error?: string}> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({host: '127.0.0.1', port, ca: ca ? [...tls.rootCertificates, ...ca] : undefined, rejectUnauthorized: false}, () => {
        const error = socket.authorizationError;
        resolve({authorized: socket.authorized, ...(error ? {error: String((error as unknown as {code?: string}).code ?? error)} : {})});
        socket.destroy();
      });
      socket.once('error', reject);
    });
  }

  it('for complete, rootless, leaf-only, self-signed, expired and wrong-name servers', async () => {
    const expired = issue({cn: 'localhost', issuer: pki.intermediate, ips: ['127.0.0.1'], notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000)});
    const wrongName = issue({cn: 'other.example', issuer: pki.intermediate, dnsNames: ['other.example']});
    const servers: Array<[string, RuntimeServer, string[] | undefined]> = [
      ['complete chain, root as extra CA', runtime, [pki.root.certPem]],
      ['no root anywhere', runtime, undefined],
      ['leaf only', await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem}), [pki.root.certPem]],
      ['self-signed', await startRuntime({key: pki.selfSignedServer.keyPem, cert: pki.selfSignedServer.certPem}), undefined],
      ['root sent but untrusted', await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem + pki.root.certPem}), undefined],
      ['expired', await startRuntime({key: expired.keyPem, cert: expired.certPem + pki.intermediate.certPem}), [pki.root.certPem]],
      ['wrong name', await startRuntime({key: wrongName.keyPem, cert: wrongName.certPem + pki.intermediate.certPem}), [pki.root.certPem]],
    ];
    for (const [, server] of servers.slice(2)) cleanup.push(server);
    const seen = new Set<string>();
    for (const [name, server, ca] of servers) {
      const expected = await nodeVerdict(server.port, ca);
      const result = await runProbe({url: `https://127.0.0.1:${server.port}/`, extraCaPems: ca, env: {}, fetchIssuers: false});
      expect({name, trusted: result.server.trustedBySystem, error: result.server.authorizationError}).toEqual({name, trusted: expected.authorized, error: expected.error});
      seen.add(expected.error ?? 'ok');
    }
    expect(seen.size).toBe(7); // every case exercises a different verdict
  });
});

describe('Basic-auth comparison', () => {
  it('both 403 point to the role; both 404 to the path', async () => {
    const basic = {clientId: 'sb-basic', clientSecret: 'basic-secret'};
    const forbidden = await runProbe({url: `https://127.0.0.1:${runtime.port}/http/forbidden`, client: clientOf(pki.client, pki.intermediate), basic, env: {}});
    expect(forbidden.basic).toMatchObject({outcome: 'forbidden', clientId: 'sb-basic'});
    expect(forbidden.comparison).toMatch(/Both are forbidden \(403\).*role/);
    const missing = await runProbe({url: `https://127.0.0.1:${runtime.port}/http/nope`, client: clientOf(pki.client, pki.intermediate), basic, env: {}});
    expect(missing.comparison).toMatch(/Both get 404/);
    const ok = await runProbe({url: `https://127.0.0.1:${runtime.port}/http/ok`, client: clientOf(pki.client, pki.intermediate), basic, env: {}});
    expect(ok.comparison).toMatch(/Both the certificate and Basic auth reach the iflow/);
    expect(JSON.stringify([forbidden, missing, ok])).not.toContain('basic-secret');
  });

  it('wrong Basic credentials are diagnosed as such', async () => {
    const result = await runProbe({url: `https://127.0.0.1:${runtime.port}/http/basic-only`, client: clientOf(pki.client, pki.intermediate), basic: {clientId: 'sb-basic', clientSecret: 'wrong'}, env: {}});
    expect(result.basic!.diagnosis.summary).toMatch(/Bad credentials/);
    expect(result.comparison).toMatch(/Basic auth was rejected too \(401\)/);
  });
});
