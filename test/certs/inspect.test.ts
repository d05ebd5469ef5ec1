import {X509Certificate} from 'node:crypto';
import {rootCertificates} from 'node:tls';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {formatCertificateReport} from '../../src/certs/format.js';
import {inspectClientCertificate, type CertificateReport} from '../../src/certs/inspect.js';
import {loadCertificateInput, parseCertificatesFromText} from '../../src/certs/load.js';
import {SAP_ROOT_CA_LIST} from '../../src/certs/sap-root-cas.js';
import {openssl, buildPki, serviceKeyJson, type Pki} from './fixtures.js';
import {writeFileSync} from 'node:fs';

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
});
afterAll(() => pki?.cleanup());

const verdictOf = (report: CertificateReport, id: string): string | undefined => report.checks.find((check) => check.id === id)?.verdict;

async function inspectFiles(files: string[], options: {key?: string; extraRoots?: string[]; password?: string; now?: Date; strictRoots?: boolean} = {}): Promise<CertificateReport> {
  const inputs = await Promise.all(files.map((name) => loadCertificateInput(pki.file(name), {password: options.password})));
  const key = options.key ? (await loadCertificateInput(pki.file(options.key))).privateKeyPem : inputs.find((input) => input.privateKeyPem)?.privateKeyPem;
  return inspectClientCertificate(
    {certificates: inputs.flatMap((input) => input.certificates), ...(key ? {privateKeyPem: key} : {})},
    {extraTrustedRootsPem: (options.extraRoots ?? []).map((name) => pki.read(name)), ...(options.now ? {now: options.now} : {}), strictRoots: options.strictRoots},
  );
}

describe('reading every input format openssl produces', () => {
  test('PEM chain: summaries match what openssl prints', async () => {
    const input = await loadCertificateInput(pki.file('chain-ordered.pem'));
    expect(input.kind).toBe('pem');
    expect(input.certificates).toHaveLength(3);
    const leaf = input.certificates[0];
    const fingerprint = openssl(['x509', '-in', pki.file('leaf-client.crt'), '-noout', '-fingerprint', '-sha256']).trim().split('=')[1];
    const serial = openssl(['x509', '-in', pki.file('leaf-client.crt'), '-noout', '-serial']).trim().split('=')[1];
    const subject = openssl(['x509', '-in', pki.file('leaf-client.crt'), '-noout', '-subject', '-nameopt', 'compat']).trim().replace(/^subject=\//, '').split('/').join(', ');
    expect(leaf.fingerprint256).toBe(fingerprint);
    expect(leaf.serialNumber).toBe(serial);
    expect(leaf.subject).toBe(subject);
    expect(leaf.subject).toBe('CN=leaf-client, O=Acme, C=DE');
    expect(leaf.extendedKeyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']));
    expect(leaf.subjectAltNames).toEqual(['DNS:sender.example.com']);
    expect(leaf.publicKey).toEqual({type: 'RSA', bits: 2048});
    expect(leaf.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(leaf.isCA).toBe(false);
    expect(input.certificates[2].selfSigned).toBe(true);
  });

  test('PEM with text around and CRLF line ends', async () => {
    const input = await loadCertificateInput(pki.file('chain-with-text.pem'));
    expect(input.certificates.map((certificate) => certificate.subject)).toEqual(['CN=leaf-client, O=Acme, C=DE', 'CN=Test Issuing CA, O=Test PKI, C=DE']);
  });

  test('DER certificate and DER key', async () => {
    expect((await loadCertificateInput(pki.file('leaf-client.der'))).kind).toBe('der');
    const key = await loadCertificateInput(pki.file('leaf-key.der'));
    expect(key.kind).toBe('private-key');
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  test.each([
    ['leaf.key', undefined],
    ['leaf-pkcs1.key', undefined],
    ['leaf-encrypted.key', 'key-secret'],
    ['leaf-pkcs1-encrypted.key', 'key-secret'],
    ['ec-leaf.key', undefined],
    ['ec-leaf-sec1.key', undefined],
  ])('private key %s', async (name, passphrase) => {
    const input = await loadCertificateInput(pki.file(name), passphrase ? {passphrase} : {});
    expect(input.kind).toBe('private-key');
    expect(input.certificates).toEqual([]);
    expect(input.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  test.each([
    ['client.p12', 'p12-secret', 2],
    ['client-legacy.p12', 'p12-secret', 2],
    ['client-nopass.p12', undefined, 1],
    ['ec-client.p12', 'p12-secret', 2],
  ])('PKCS#12 %s', async (name, password, count) => {
    const input = await loadCertificateInput(pki.file(name), password ? {password} : {});
    expect(input.kind).toBe('pkcs12');
    expect(input.certificates).toHaveLength(count);
    expect(input.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const report = inspectClientCertificate(input);
    expect(verdictOf(report, 'key-match')).toBe('pass');
  });

  test('service key: cf v8 output with header, literal \\n, chain and PKCS#1 key', async () => {
    const json = serviceKeyJson(pki.read('chain-ordered.pem'), pki.read('leaf-pkcs1.key'), {literalNewlines: true, cfHeader: true});
    writeFileSync(pki.file('service-key.txt'), json);
    const input = await loadCertificateInput(pki.file('service-key.txt'));
    expect(input.kind).toBe('service-key');
    expect(input.certificates).toHaveLength(3);
    expect(input.privateKeyPem).toBeDefined();
    const report = inspectClientCertificate(input, {extraTrustedRootsPem: [pki.read('root.crt')]});
    expect(report.verdict).toBe('pass');
  });

  test('service key: credentials object without wrapper, real newlines', async () => {
    writeFileSync(pki.file('credentials.json'), serviceKeyJson(pki.read('leaf-and-int.pem'), pki.read('leaf.key'), {wrap: false}));
    const input = await loadCertificateInput(pki.file('credentials.json'));
    expect(input.certificates).toHaveLength(2);
  });

  test('PowerShell-style UTF-16 file with BOM', async () => {
    const text = serviceKeyJson(pki.read('leaf-and-int.pem'), pki.read('leaf.key'), {cfHeader: true});
    writeFileSync(pki.file('utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect((await loadCertificateInput(pki.file('utf16.json'))).certificates).toHaveLength(2);
  });

  test('parseCertificatesFromText takes any order and ignores text', () => {
    const certificates = parseCertificatesFromText(`hello\n${pki.read('root.crt')}\nmiddle\n${pki.read('leaf-client.crt')}`);
    expect(certificates.map((certificate) => certificate.isCA)).toEqual([true, false]);
    expect(parseCertificatesFromText('no certificates here')).toEqual([]);
  });
});

describe('verdicts', () => {
  test('complete chain with clientAuth, matching key and the CA as extra root: pass', async () => {
    const report = await inspectFiles(['chain-ordered.pem'], {key: 'leaf.key', extraRoots: ['root.crt']});
    expect(report.verdict).toBe('pass');
    expect(report.leaf?.subject).toContain('CN=leaf-client');
    expect(report.intermediates.map((certificate) => certificate.subject)).toEqual(['CN=Test Issuing CA, O=Test PKI, C=DE']);
    expect(report.root?.subject).toBe('C=DE, O=Test PKI, CN=Test Root CA');
    expect(report.rootSource).toBe('user-trusted');
    expect(report.checks.find((check) => check.id === 'root')?.message).toMatch(/trusted by your choice, not on SAP's list/);
    expect(report.chainInOrder).toHaveLength(3);
    expect(report.checks.map((check) => check.id)).toEqual(['leaf', 'chain', 'root', 'eku', 'validity', 'key-match', 'key-strength']);
  });

  test('root not supplied but given as extra root: chain complete, rootSource user-trusted', async () => {
    const report = await inspectFiles(['leaf-and-int.pem'], {extraRoots: ['root.crt']});
    expect(verdictOf(report, 'chain')).toBe('pass');
    expect(report.rootSource).toBe('user-trusted');
    const root = report.checks.find((check) => check.id === 'root');
    expect(root?.verdict).toBe('pass');
    expect(root?.message).toMatch(/"Test Root CA" is trusted by your choice, not on SAP's list/);
    expect(formatCertificateReport(report)).toMatch(/Root: trusted by your choice, not on SAP's list/);
    expect(report.root?.subject).toContain('Test Root CA');
  });

  test('private CA without extra roots fails the root check', async () => {
    const report = await inspectFiles(['chain-ordered.pem']);
    expect(report.rootSource).toBe('supplied');
    expect(verdictOf(report, 'root')).toBe('fail');
    expect(report.checks.find((check) => check.id === 'root')?.fix).toMatch(/SAP-generated certificate/);
  });

  test('EC chain (P-256) from a PKCS#12: pass', async () => {
    const report = await inspectFiles(['ec-client.p12'], {password: 'p12-secret', extraRoots: ['ec-root.crt']});
    expect(report.verdict).toBe('pass');
    expect(report.leaf?.publicKey).toEqual({type: 'EC', curve: 'P-256', bits: 256});
    expect(report.leaf?.signatureAlgorithm).toBe('ecdsa-with-SHA256');
  });

  test('shuffled chain: complete but out of order is a warning', async () => {
    const report = await inspectFiles(['chain-shuffled.pem'], {extraRoots: ['root.crt']});
    expect(verdictOf(report, 'chain')).toBe('warn');
    expect(report.chainInOrder.map((certificate) => certificate.subject)).toEqual([
      'CN=leaf-client, O=Acme, C=DE',
      'CN=Test Issuing CA, O=Test PKI, C=DE',
      'C=DE, O=Test PKI, CN=Test Root CA',
    ]);
    expect(report.verdict).toBe('warn');
  });

  test('missing intermediate names the issuer DN it needs', async () => {
    const report = await inspectFiles(['leaf-client.crt', 'root.crt'], {extraRoots: ['root.crt']});
    const chain = report.checks.find((check) => check.id === 'chain');
    expect(chain?.verdict).toBe('fail');
    expect(chain?.message).toContain('"CN=Test Issuing CA, O=Test PKI, C=DE"');
    expect(verdictOf(report, 'unrelated')).toBe('warn');
  });

  test('server-only EKU fails with the 2025-26 explanation', async () => {
    const report = await inspectFiles(['leaf-server-only.crt', 'int.crt'], {extraRoots: ['root.crt']});
    const eku = report.checks.find((check) => check.id === 'eku');
    expect(eku?.verdict).toBe('fail');
    expect(eku?.message).toMatch(/TLS handshake/);
    expect(eku?.message).toMatch(/September 2025/);
  });

  test('no EKU extension fails and says so', async () => {
    const report = await inspectFiles(['leaf-no-eku.crt', 'int.crt'], {extraRoots: ['root.crt']});
    const eku = report.checks.find((check) => check.id === 'eku');
    expect(eku?.verdict).toBe('fail');
    expect(eku?.message).toMatch(/no extended key usage extension/);
    expect(eku?.message).toMatch(/clientAuth, 1\.3\.6\.1\.5\.5\.7\.3\.2\) is not listed/);
    expect(eku?.fix).toMatch(/TLS Web Client Authentication/);
    expect(report.verdict).toBe('fail');
  });

  test('only anyExtendedKeyUsage fails and names what it saw', async () => {
    const report = await inspectFiles(['leaf-any-eku.crt', 'int.crt'], {extraRoots: ['root.crt']});
    const eku = report.checks.find((check) => check.id === 'eku');
    expect(eku?.verdict).toBe('fail');
    expect(eku?.message).toMatch(/lists only Any Extended Key Usage \(2\.5\.29\.37\.0\)/);
    expect(eku?.fix).toBeTruthy();
  });

  test('serverAuth only names the EKU it saw', async () => {
    const report = await inspectFiles(['leaf-server-only.crt', 'int.crt'], {extraRoots: ['root.crt']});
    expect(report.checks.find((check) => check.id === 'eku')?.message).toMatch(/lists only TLS Web Server Authentication \(1\.3\.6\.1\.5\.5\.7\.3\.1\)/);
  });

  test.each([
    ['leaf-expired.crt', 'fail', /expired on 2021-01-01/],
    ['leaf-future.crt', 'fail', /not valid before/],
    ['leaf-expiring.crt', 'warn', /expires on .* \(in (9|10) days\)/],
  ])('validity of %s', async (name, verdict, pattern) => {
    const report = await inspectFiles([name, 'int.crt'], {extraRoots: ['root.crt']});
    const validity = report.checks.find((check) => check.id === 'validity');
    expect(validity?.verdict).toBe(verdict);
    expect(validity?.message).toMatch(pattern);
  });

  test('expiry warning days are configurable', async () => {
    const input = await loadCertificateInput(pki.file('leaf-and-int.pem'));
    const extra = [pki.read('root.crt')];
    expect(verdictOf(inspectClientCertificate(input, {extraTrustedRootsPem: extra, expiryWarningDays: 400}), 'validity')).toBe('warn');
    expect(verdictOf(inspectClientCertificate(input, {extraTrustedRootsPem: extra, expiryWarningDays: 30}), 'validity')).toBe('pass');
    expect(verdictOf(inspectClientCertificate(input, {extraTrustedRootsPem: extra, now: new Date(Date.now() + 2 * 365 * 86_400_000)}), 'validity')).toBe('fail');
  });

  test('SHA-1 signature and RSA 1024 fail the strength check', async () => {
    expect(verdictOf(await inspectFiles(['leaf-sha1.crt', 'int.crt'], {extraRoots: ['root.crt']}), 'key-strength')).toBe('fail');
    const weak = await inspectFiles(['leaf-rsa1024.crt', 'int.crt'], {extraRoots: ['root.crt']});
    expect(weak.checks.find((check) => check.id === 'key-strength')?.message).toMatch(/1024 bits/);
  });

  test('self-signed client certificate fails the root check with SAP alternatives', async () => {
    const report = await inspectFiles(['self-client.crt']);
    expect(verdictOf(report, 'leaf')).toBe('pass');
    const root = report.checks.find((check) => check.id === 'root');
    expect(root?.verdict).toBe('fail');
    expect(root?.fix).toMatch(/SAP Cloud Root CA/);
  });

  test('a CA offered as the client certificate fails and explains where each certificate goes', async () => {
    const report = await inspectFiles(['int.crt', 'root.crt']);
    const leaf = report.checks.find((check) => check.id === 'leaf');
    expect(leaf?.verdict).toBe('fail');
    expect(leaf?.fix).toMatch(/service key takes the client \(leaf\) certificate only/);
    expect(leaf?.fix).toMatch(/trust store/);
  });

  test('mismatched key fails; the matching key picks the leaf', async () => {
    expect(verdictOf(await inspectFiles(['chain-ordered.pem'], {key: 'other.key'}), 'key-match')).toBe('fail');
    expect(verdictOf(await inspectFiles(['chain-ordered.pem'], {key: 'leaf-pkcs1.key'}), 'key-match')).toBe('pass');
  });

  test('issuer with the same name but another key: signature failure', async () => {
    const report = await inspectFiles(['leaf-client.crt', 'int-renamed.crt']);
    const chain = report.checks.find((check) => check.id === 'chain');
    expect(chain?.verdict).toBe('fail');
    expect(chain?.message).toMatch(/does not verify/);
  });

  test('a root on SAP\'s list is matched by fingerprint', () => {
    const isrg = rootCertificates.map((pem) => new X509Certificate(pem)).find((x509) => x509.subject.includes('CN=ISRG Root X1'));
    expect(isrg).toBeDefined();
    const certificates = parseCertificatesFromText(isrg!.toString());
    const report = inspectClientCertificate({certificates});
    expect(report.rootSource).toBe('sap-list');
    expect(verdictOf(report, 'root')).toBe('pass');
    expect(verdictOf(report, 'leaf')).toBe('fail');
  });

  test('a public root that is not on SAP\'s list is a warning (fail with strictRoots)', () => {
    const listed = new Set(SAP_ROOT_CA_LIST.roots.map((root) => root.fingerprint256));
    const unlisted = rootCertificates.map((pem) => new X509Certificate(pem)).find((x509) => !listed.has(x509.fingerprint256));
    const certificates = parseCertificatesFromText(unlisted!.toString());
    expect(verdictOf(inspectClientCertificate({certificates}), 'root')).toBe('warn');
    expect(verdictOf(inspectClientCertificate({certificates}, {strictRoots: true}), 'root')).toBe('fail');
  });

  test('chain ending at an intermediate whose issuer is on SAP\'s list by name: root not supplied', async () => {
    const report = await inspectFiles(['sapnamed-leaf.crt', 'sapnamed-int.crt']);
    expect(report.rootSource).toBe('sap-list');
    expect(report.root).toBeNull();
    expect(report.checks.find((check) => check.id === 'root')?.message).toMatch(/not supplied; matched by the issuer's name only/);
  });

  test('the shipped root list is the 57 roots of btp-trust-store v3.0.0 with valid fingerprints', () => {
    expect(SAP_ROOT_CA_LIST.version).toBe('v3.0.0');
    expect(SAP_ROOT_CA_LIST.date).toBe('2026-06-03');
    expect(SAP_ROOT_CA_LIST.roots).toHaveLength(57);
    expect(SAP_ROOT_CA_LIST.roots.filter((root) => root.required)).toHaveLength(10);
    for (const root of SAP_ROOT_CA_LIST.roots) expect(root.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(new Set(SAP_ROOT_CA_LIST.roots.map((root) => root.fingerprint256)).size).toBe(57);
  });
});

describe('format', () => {
  test('report text: aligned checks, markers, fixes indented, no key material', async () => {
    const report = await inspectFiles(['leaf-server-only.crt', 'int.crt'], {key: 'leaf.key', extraRoots: ['root.crt']});
    const text = formatCertificateReport(report);
    expect(text).toMatch(/^Client certificate\n {2}Subject {4}CN=leaf-server-only, O=Acme, C=DE$/m);
    expect(text).toMatch(/^✖ Extended key usage: clientAuth {2}/m);
    expect(text).toMatch(/^✔ Private key matches/m);
    expect(text).toMatch(/^ {4}Fix: /m);
    expect(text).toMatch(/Not ready for SAP Cloud Integration: 1 failed/);
    expect(text).not.toMatch(/PRIVATE KEY/);
    const titles = text.split('\n').filter((line) => /^[✔⚠✖] /.test(line));
    const messageColumns = new Set(titles.map((line) => line.search(/ {2}\S/, )));
    expect(messageColumns.size).toBe(1);
    expect(formatCertificateReport(report, {ascii: true})).toMatch(/^\[FAIL\] Extended key usage/m);
  });
});
