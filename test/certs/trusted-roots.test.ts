/**
 * Loading the client roots a user trusts in addition to SAP's list: good files load, every bad
 * one fails at once with the file named and a fix.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {CpiMtlsError} from '../../src/errors.js';
import {inspectClientCertificate} from '../../src/certs/inspect.js';
import {loadCertificateInput} from '../../src/certs/load.js';
import {loadTrustedRootFiles} from '../../src/certs/trusted-roots.js';
import {buildPki, openssl, type Pki} from './fixtures.js';

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
  openssl(['x509', '-in', pki.file('root.crt'), '-outform', 'DER', '-out', pki.file('root.der')]);
  writeFileSync(pki.file('roots.pem'), pki.read('root.crt') + pki.read('ec-root.crt'));
  writeFileSync(pki.file('notes.txt'), 'the root is on the wiki\n');
  writeFileSync(pki.file('empty.pem'), '');
  writeFileSync(pki.file('root-and-leaf.pem'), pki.read('root.crt') + pki.read('leaf-client.crt'));
  mkdirSync(pki.file('folder'));
});
afterAll(() => pki?.cleanup());

describe('loadTrustedRootFiles', () => {
  test('PEM (several roots), DER, one path or many', async () => {
    const [bundle] = await loadTrustedRootFiles(pki.file('roots.pem'));
    expect(bundle.path).toBe(pki.file('roots.pem'));
    expect(bundle.certificates.map((certificate) => certificate.subject)).toEqual(['C=DE, O=Test PKI, CN=Test Root CA', 'C=DE, O=Test PKI, CN=Test EC Root']);
    expect(bundle.pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    const both = await loadTrustedRootFiles([pki.file('root.der'), pki.file('ec-root.crt')]);
    expect(both.map((file) => file.certificates.length)).toEqual([1, 1]);
    expect(both[0].pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test('the loaded PEM feeds the inspection: rootSource user-trusted', async () => {
    const roots = await loadTrustedRootFiles([pki.file('root.der')], {label: '--trust-root'});
    const input = await loadCertificateInput(pki.file('leaf-and-int.pem'));
    const report = inspectClientCertificate({certificates: input.certificates}, {extraTrustedRootsPem: roots.map((file) => file.pem)});
    expect(report.rootSource).toBe('user-trusted');
    expect(report.checks.find((check) => check.id === 'root')).toMatchObject({verdict: 'pass', message: expect.stringMatching(/trusted by your choice, not on SAP's list/)});
  });

  test.each([
    ['a missing file', 'no-such-root.pem', 'file-not-found', /--trust-root .*no-such-root\.pem: File not found/],
    ['a folder', 'folder', 'not-a-file', /is a folder/],
    ['an empty file', 'empty.pem', 'empty-file', /is empty/],
    ['text without PEM', 'notes.txt', 'trusted-root-not-pem', /is not a PEM certificate file/],
    ['a private key', 'leaf.key', 'trusted-root-not-pem', /holds a private key and no certificate/],
    ['a PKCS#12 file', 'client.p12', 'trusted-root-not-pem', /is not a PEM certificate file/],
    ['a leaf certificate', 'leaf-client.crt', 'trusted-root-not-ca', /holds "leaf-client", an end-entity \(leaf\) certificate, not a CA certificate/],
    ['a root together with a leaf', 'root-and-leaf.pem', 'trusted-root-not-ca', /"leaf-client"/],
  ])('%s fails with a clear error', async (_name, file, code, pattern) => {
    const error = await loadTrustedRootFiles([pki.file('root.crt'), pki.file(file)], {label: '--trust-root'}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CpiMtlsError);
    const problem = error as CpiMtlsError;
    expect(problem.code).toBe(code);
    expect(problem.message).toMatch(pattern);
    expect(problem.message).toContain(pki.file(file));
    expect(problem.fix.length).toBeGreaterThan(0);
    expect(problem.message).not.toMatch(/PRIVATE KEY|p12-secret/);
  });
});
