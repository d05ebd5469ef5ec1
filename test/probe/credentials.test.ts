import {execFileSync} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CpiMtlsError} from '../../src/errors.js';
import {clientEku, deriveLocalFacts, loadPemClient, loadPkcs12Client} from '../../src/probe/credentials.js';
import {describeEku} from '../../src/probe/format.js';
import {runProbe} from '../../src/probe/probe.js';
import {extraCaPool} from '../../src/probe/trust-anchors.js';
import {createTestPki, type TestPki} from './pki.js';
import {startRuntime} from './servers.js';

let pki: TestPki;
let dir: string;

beforeAll(async () => {
  pki = createTestPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-probe-cred-'));
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('client certificate material', () => {
  it('orders a chain given in any order, leaf first, and accepts literal \\n from cockpit copies', () => {
    const scrambled = pki.intermediate.certPem + pki.client.certPem;
    const material = loadPemClient(scrambled.replace(/\n/g, '\\n'), pki.client.keyPem);
    expect(material.chain.map((c) => c.subject.split('\n').pop())).toEqual(['CN=sender-ok', 'CN=Probe Test Intermediate CA']);
    expect(material.certPem.indexOf('-----BEGIN CERTIFICATE-----')).toBe(0);
  });

  it('rejects a key that belongs to another certificate, and a file without certificates', () => {
    expect(() => loadPemClient(pki.client.certPem, pki.otherClient.keyPem)).toThrow(/belongs to none of the certificates/);
    try {
      loadPemClient('not a certificate', pki.client.keyPem, {cert: 'sender.pem', key: 'sender.key'});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CpiMtlsError);
      expect((error as CpiMtlsError).message).toMatch(/sender\.pem contains no PEM certificate/);
      expect((error as CpiMtlsError).fix.join()).toMatch(/--p12/);
    }
  });

  it('derives EKU and chain completeness from the files', () => {
    const extra = extraCaPool([pki.root.certPem]);
    const none = extraCaPool([]);
    expect(deriveLocalFacts(loadPemClient(pki.client.certPem + pki.intermediate.certPem, pki.client.keyPem), extra)).toEqual({ekuClientAuth: true, chainComplete: true});
    expect(deriveLocalFacts(loadPemClient(pki.client.certPem, pki.client.keyPem), none)).toEqual({ekuClientAuth: true, chainComplete: false});
    expect(deriveLocalFacts(loadPemClient(pki.clientServerAuthOnly.certPem + pki.intermediate.certPem, pki.clientServerAuthOnly.keyPem), none)).toEqual({ekuClientAuth: false});
    // SAP requires clientAuth to be listed: no EKU extension at all does not count.
    expect(deriveLocalFacts(loadPemClient(pki.clientNoEku.certPem + pki.intermediate.certPem + pki.root.certPem, pki.clientNoEku.keyPem), none)).toEqual({ekuClientAuth: false, chainComplete: true});
  });

  it('reports the EKU the certificate actually carries', () => {
    expect(clientEku(loadPemClient(pki.client.certPem, pki.client.keyPem))).toEqual(['clientAuth']);
    expect(clientEku(loadPemClient(pki.clientServerAuthOnly.certPem, pki.clientServerAuthOnly.keyPem))).toEqual(['serverAuth']);
    expect(clientEku(loadPemClient(pki.clientNoEku.certPem, pki.clientNoEku.keyPem))).toEqual([]);
    expect(describeEku(['serverAuth'])).toBe('serverAuth (no clientAuth)');
    expect(describeEku([])).toBe('no EKU extension (no clientAuth)');
    expect(describeEku(['clientAuth', 'serverAuth'])).toBe('clientAuth, serverAuth');
  });

  it('reads an EC PKCS#12 made by OpenSSL 3 (AES-256, which node-forge cannot turn into objects)', async () => {
    const key = path.join(dir, 'ec.key');
    const cert = path.join(dir, 'ec.pem');
    const p12 = path.join(dir, 'ec.p12');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    execFileSync('openssl', ['req', '-x509', '-key', key, '-out', cert, '-subj', '/CN=ec-sender', '-days', '1', '-addext', 'extendedKeyUsage=clientAuth']);
    execFileSync('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, '-out', p12, '-passout', 'pass:ec-pass']);
    const material = await loadPkcs12Client(await readFile(p12), 'ec-pass');
    expect(material.leaf.subject).toBe('CN=ec-sender');
    expect(material.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const started = performance.now();
    const error = await loadPkcs12Client(await readFile(p12), 'wrong').catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(CpiMtlsError);
    expect((error as CpiMtlsError).message).toMatch(/wrong password/);
    expect((error as CpiMtlsError).fix.join(' ')).toMatch(/--p12-password-file/);
  });

  it('connects with an EC key PKCS#12 made by openssl (its CA in the file) to a TLS server that requires the client certificate', async () => {
    const file = (name: string) => path.join(dir, name);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-subj', '/CN=EC Test Root', '-days', '2', '-keyout', file('ec-root.key'), '-out', file('ec-root.pem'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/O=cpi-mtls test/CN=ec-p12-sender', '-keyout', file('ec-leaf.key'), '-out', file('ec-leaf.csr')]);
    await writeFile(file('ec-leaf.ext'), 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    execFileSync('openssl', ['x509', '-req', '-in', file('ec-leaf.csr'), '-CA', file('ec-root.pem'), '-CAkey', file('ec-root.key'), '-CAcreateserial', '-days', '2', '-extfile', file('ec-leaf.ext'), '-out', file('ec-leaf.pem')]);
    execFileSync('openssl', ['pkcs12', '-export', '-in', file('ec-leaf.pem'), '-inkey', file('ec-leaf.key'), '-certfile', file('ec-root.pem'), '-out', file('ec-leaf.p12'), '-passout', 'pass:p12-pass']);
    const material = await loadPkcs12Client(await readFile(file('ec-leaf.p12')), 'p12-pass', 'ec-leaf.p12');
    expect(material.leaf.publicKey.asymmetricKeyType).toBe('ec');
    expect(material.chain.map((cert) => cert.subject.split('\n').pop())).toEqual(['CN=ec-p12-sender', 'CN=EC Test Root']);
    const server = await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem, ca: [await readFile(file('ec-root.pem'), 'utf8')], requireClientCert: true});
    try {
      const result = await runProbe({url: `https://localhost:${server.port}/http/ok`, client: material, extraCaPems: [pki.root.certPem], env: {}, fetchIssuers: false});
      expect(result.client).toMatchObject({outcome: 'success', status: 200, clientCertificate: 'O=cpi-mtls test, CN=ec-p12-sender'});
      expect(server.requests.at(-1)).toMatchObject({path: '/http/ok', clientCert: 'ec-p12-sender'});
    } finally {
      await server.close();
    }
  });
});
