import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {Writable} from 'node:stream';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {CpiMtlsError} from '../../src/errors.js';
import {curlCommandLine, exportPkcs12, writeSapGeneratedKeyFiles, writeSecretFile, writeSenderPemFiles} from '../../src/certs/files.js';
import {generateKeyAndCsr} from '../../src/certs/generate.js';
import {inspectClientCertificate} from '../../src/certs/inspect.js';
import {loadCertificateInput, parseCertificatesFromText} from '../../src/certs/load.js';
import {runCertNew, runCertP12, type CommandIo} from '../../src/commands/cert-inspect.js';
import {buildPki, openssl, serviceKeyJson, type Pki} from './fixtures.js';

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
});
afterAll(() => pki?.cleanup());

const posix = process.platform !== 'win32';
const modeOf = (file: string): number => statSync(file).mode & 0o777;

function io(env: NodeJS.ProcessEnv = {}): {io: CommandIo; out: () => string; err: () => string} {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void): Writable => new Writable({write: (chunk, _e, done) => (append(String(chunk)), done())});
  return {io: {stdout: sink((t) => (out += t)), stderr: sink((t) => (err += t)), env}, out: () => out, err: () => err};
}

function publicKeyOf(args: string[]): string {
  return openssl(args);
}

describe('PKCS#12 export', () => {
  test.each([
    [false, /PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/, /MAC: sha256/],
    [true, /pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/, /MAC: sha1/],
  ])('legacy=%s: openssl 3 reads it without -legacy, chain leaf first, key intact', async (legacy, encryption, mac) => {
    const input = await loadCertificateInput(pki.file('chain-shuffled.pem'));
    const key = await loadCertificateInput(pki.file('leaf.key'));
    const result = exportPkcs12({privateKeyPem: key.privateKeyPem!, certificates: input.certificates, password: 'Export-Secret 1', legacy});
    expect(result.generatedPassword).toBe(false);
    const file = pki.file(`export-${legacy}.p12`);
    await writeSecretFile(file, result.der);
    if (posix) expect(modeOf(file)).toBe(0o600);
    // No -legacy: openssl 3's default provider must be able to open it. Algorithms go to stderr.
    const run = spawnSync('openssl', ['pkcs12', '-info', '-nokeys', '-in', file, '-passin', 'pass:Export-Secret 1'], {encoding: 'utf8'});
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(mac);
    expect(run.stderr).toMatch(encryption);
    expect(run.stdout).toContain('friendlyName: client');
    const subjects = [...run.stdout.matchAll(/^subject=(.*)$/gm)].map((match) => match[1]);
    expect(subjects).toHaveLength(3);
    expect(subjects[0]).toMatch(/CN ?= ?leaf-client/);
    expect(subjects[1]).toMatch(/CN ?= ?Test Issuing CA/);
    expect(subjects[2]).toMatch(/CN ?= ?Test Root CA/);
    // The key inside is the original key.
    const keyOut = pki.file(`export-${legacy}-key.pem`);
    openssl(['pkcs12', '-in', file, '-nocerts', '-nodes', '-passin', 'pass:Export-Secret 1', '-out', keyOut]);
    expect(publicKeyOf(['pkey', '-in', keyOut, '-pubout'])).toBe(publicKeyOf(['pkey', '-in', pki.file('leaf.key'), '-pubout']));
    // And cpi-mtls reads its own file back.
    const back = await loadCertificateInput(file, {password: 'Export-Secret 1'});
    expect(back.certificates).toHaveLength(3);
    expect(inspectClientCertificate(back).checks.find((check) => check.id === 'key-match')?.verdict).toBe('pass');
  });

  test('EC key and EC chain; generated password works once shown', async () => {
    const input = await loadCertificateInput(pki.file('ec-chain.pem'));
    const key = await loadCertificateInput(pki.file('ec-leaf.key'));
    const result = exportPkcs12({privateKeyPem: key.privateKeyPem!, certificates: input.certificates});
    expect(result.generatedPassword).toBe(true);
    expect(result.password).toMatch(/^[A-Za-z2-9]{24}$/);
    const file = pki.file('ec-export.p12');
    await writeSecretFile(file, result.der);
    expect(openssl(['pkcs12', '-info', '-nokeys', '-in', file, '-passin', `pass:${result.password}`])).toMatch(/CN ?= ?ec-sender/);
  });

  test('a key that does not belong to the certificate is refused before anything is written', async () => {
    const {io: commandIo, err} = io();
    const out = pki.file('mismatch.p12');
    const code = await runCertP12([pki.file('chain-ordered.pem'), '--key', pki.file('other.key'), '--out', out], commandIo);
    expect(code).toBe(1);
    expect(err()).toMatch(/does not belong/);
    expect(existsSync(out)).toBe(false);
  });

  test('cert p12 command: generated password shown once, PEM bundle and curl line', async () => {
    const jsonRun = io({CPI_MTLS_CERT_PASSWORD: 'key-secret'});
    const target = pki.file('cmd/sender.p12');
    const code = await runCertP12([pki.file('chain-shuffled.pem'), '--key', pki.file('leaf-encrypted.key'), '--out', target, '--url', 'https://demo.example.com/http/ping', '--json'], jsonRun.io);
    expect(code).toBe(0);
    const json = JSON.parse(jsonRun.out());
    expect(json.password).toMatch(/^[A-Za-z2-9]{24}$/);
    expect(json.curl).toBe(`curl --cert ${pki.file('cmd/sender-chain.pem')} --key ${pki.file('cmd/sender-key.pem')} https://demo.example.com/http/ping`);
    const {io: textIo, out: textOut} = io({CPI_MTLS_CERT_PASSWORD: 'key-secret'});
    expect(await runCertP12([pki.file('chain-ordered.pem'), '--key', pki.file('leaf-encrypted.key'), '--out', pki.file('cmd/text.p12'), '--pem'], textIo)).toBe(0);
    const password = /Password: +(\S+)/.exec(textOut())![1];
    expect(openssl(['pkcs12', '-info', '-nokeys', '-in', pki.file('cmd/text.p12'), '-passin', `pass:${password}`])).toMatch(/leaf-client/);
    expect(textOut().match(new RegExp(password, 'g'))).toHaveLength(1);
    expect(textOut()).not.toMatch(/PRIVATE KEY/);
    const chain = parseCertificatesFromText(readFileSync(pki.file('cmd/sender-chain.pem'), 'utf8'));
    expect(chain.map((certificate) => certificate.subject.split(', ')[0])).toEqual(['CN=leaf-client', 'CN=Test Issuing CA', 'C=DE']);
    if (posix) expect(modeOf(pki.file('cmd/sender-key.pem'))).toBe(0o600);
    if (posix) expect(modeOf(target)).toBe(0o600);
  });
});

describe('SAP-generated key files', () => {
  test('literal \\n, chain split, files verified with openssl', async () => {
    const credentials = JSON.parse(serviceKeyJson(pki.read('chain-ordered.pem'), pki.read('leaf-pkcs1.key'), {literalNewlines: true}));
    const dir = pki.file('sap-files');
    const files = await writeSapGeneratedKeyFiles(credentials, dir);
    expect(Object.values(files).every((value) => typeof value === 'string')).toBe(true);
    expect(readFileSync(files.keyPath, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(readFileSync(files.chainPath, 'utf8')).not.toContain('\\n');
    if (posix) expect(modeOf(files.keyPath)).toBe(0o600);
    expect(openssl(['verify', '-CAfile', pki.file('root.crt'), '-untrusted', files.chainPath, files.certificatePath])).toMatch(/OK/);
    expect(publicKeyOf(['x509', '-in', files.certificatePath, '-noout', '-pubkey'])).toBe(publicKeyOf(['pkey', '-in', files.keyPath, '-pubout']));
  });

  test('a key without private key or with a foreign key writes nothing', async () => {
    const dir = pki.file('sap-bad');
    const noKey = {credentials: {oauth: {certificate: pki.read('leaf-client.crt')}}};
    await expect(writeSapGeneratedKeyFiles(noKey, dir)).rejects.toMatchObject({code: 'no-certificate-in-key'});
    const foreign = JSON.parse(serviceKeyJson(pki.read('chain-ordered.pem'), pki.read('other.key')));
    await expect(writeSapGeneratedKeyFiles(foreign, dir)).rejects.toMatchObject({code: 'key-mismatch'});
    expect(existsSync(dir)).toBe(false);
  });

  test('when a later file cannot be written, the key written before is removed', async () => {
    const dir = pki.file('sap-partial');
    mkdirSync(path.join(dir, 'client-chain.pem'), {recursive: true});
    const credentials = JSON.parse(serviceKeyJson(pki.read('chain-ordered.pem'), pki.read('leaf.key')));
    await expect(writeSapGeneratedKeyFiles(credentials, dir)).rejects.toMatchObject({code: 'write-failed'});
    expect(readdirSync(dir)).toEqual(['client-chain.pem']);
  });
});

describe('atomic writes', () => {
  test('writing over a folder fails cleanly, leaving no temp file', async () => {
    const dir = pki.file('atomic');
    mkdirSync(path.join(dir, 'target.key'), {recursive: true});
    const error = await writeSecretFile(path.join(dir, 'target.key'), 'secret').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CpiMtlsError);
    expect((error as CpiMtlsError).code).toBe('write-failed');
    expect(readdirSync(dir)).toEqual(['target.key']);
  });

  test('replacing an existing public file with a secret tightens its mode', async () => {
    const file = pki.file('atomic-replace.pem');
    writeFileSync(file, 'old', {mode: 0o644});
    await writeSecretFile(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    if (posix) expect(modeOf(file)).toBe(0o600);
  });

  test('writeSenderPemFiles writes leaf first and the key 0600', async () => {
    const input = await loadCertificateInput(pki.file('chain-shuffled.pem'));
    const key = await loadCertificateInput(pki.file('leaf.key'));
    const files = await writeSenderPemFiles({privateKeyPem: key.privateKeyPem!, certificates: input.certificates, dir: pki.file('pem-out')});
    expect(openssl(['verify', '-CAfile', pki.file('root.crt'), '-untrusted', files.chainPath, files.chainPath])).toMatch(/OK/);
    if (posix) expect(modeOf(files.keyPath)).toBe(0o600);
  });
});

describe('key and CSR generation', () => {
  test.each([
    [{keyType: 'rsa', bits: 2048} as const, /Public-Key: \(2048 bit\)/, /sha256WithRSAEncryption/],
    [{keyType: 'ec', curve: 'P-256'} as const, /NIST CURVE: P-256/, /ecdsa-with-SHA256/],
  ])('%j: openssl verifies the CSR; subject, SANs and clientAuth are in it', async (request, keyPattern, signaturePattern) => {
    const {privateKeyPem, csrPem} = await generateKeyAndCsr(request, {CN: 'sender.example.com', O: 'Acme AG', OU: 'Integration', L: 'Walldorf', ST: 'BW', C: 'DE'}, ['sender.example.com', 'IP:10.1.2.3', 'email:ops@example.com']);
    const csr = pki.file(`new-${request.keyType}.csr`);
    writeFileSync(csr, csrPem);
    const verify = spawnSync('openssl', ['req', '-in', csr, '-noout', '-verify', '-text'], {encoding: 'utf8'});
    expect(verify.status).toBe(0);
    expect(verify.stderr + verify.stdout).toMatch(/verify OK/i);
    expect(verify.stdout).toMatch(/Subject: C ?= ?DE, ST ?= ?BW, L ?= ?Walldorf, O ?= ?Acme AG, OU ?= ?Integration, CN ?= ?sender.example.com/);
    expect(verify.stdout).toMatch(/DNS:sender.example.com, IP Address:10.1.2.3, email:ops@example.com/);
    expect(verify.stdout).toMatch(/TLS Web Client Authentication/);
    expect(verify.stdout).toMatch(keyPattern);
    expect(verify.stdout).toMatch(signaturePattern);
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  test('a CSR signed by a CA with copied extensions passes the inspection', async () => {
    const {privateKeyPem, csrPem} = await generateKeyAndCsr({keyType: 'ec', curve: 'P-256'}, {CN: 'roundtrip'}, ['roundtrip.example.com']);
    writeFileSync(pki.file('roundtrip.csr'), csrPem);
    openssl(['x509', '-req', '-in', pki.file('roundtrip.csr'), '-CA', pki.file('int.crt'), '-CAkey', pki.file('int.key'), '-CAcreateserial', '-days', '90', '-copy_extensions', 'copy', '-out', pki.file('roundtrip.crt')]);
    const certificates = parseCertificatesFromText(pki.read('roundtrip.crt') + pki.read('int.crt'));
    const report = inspectClientCertificate({certificates, privateKeyPem}, {extraTrustedRootsPem: [pki.read('root.crt')]});
    expect(report.checks.filter((check) => check.verdict !== 'pass')).toEqual([]);
  });

  test('RSA 4096 generation leaves the event loop free', async () => {
    let last = Date.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    try {
      await generateKeyAndCsr({keyType: 'rsa', bits: 4096}, {CN: 'slow'});
    } finally {
      clearInterval(timer);
    }
    expect(maxGap).toBeLessThan(150);
  });

  test('abort: an aborted signal stops at once', async () => {
    const controller = new AbortController();
    const pending = generateKeyAndCsr({keyType: 'rsa', bits: 4096}, {CN: 'aborted'}, [], controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({code: 'cancelled'});
    await expect(generateKeyAndCsr({keyType: 'rsa', bits: 2048}, {CN: 'x'}, [], controller.signal)).rejects.toMatchObject({code: 'cancelled'});
  });

  test.each([
    [{CN: ''}, [], 'invalid-subject'],
    [{CN: 'x', C: 'Germany'}, [], 'invalid-subject'],
    [{CN: 'x'.repeat(65)}, [], 'invalid-subject'],
    [{CN: 'x'}, ['IP:999.1.1.1'], 'invalid-subject'],
    [{CN: 'x'}, ['bad host name!'], 'invalid-subject'],
  ])('invalid subject %j %j is refused', async (subject, sans, code) => {
    await expect(generateKeyAndCsr({keyType: 'ec', curve: 'P-256'}, subject, sans)).rejects.toMatchObject({code});
  });

  test('cert new command: key 0600, CSR, refuses to overwrite the key without --force', async () => {
    const dir = pki.file('new-cmd');
    const first = io();
    expect(await runCertNew(['--cn', 'sender.example.com', '--key-type', 'ec', '--san', 'sender.example.com', '--out', dir], first.io)).toBe(0);
    expect(first.out()).not.toMatch(/PRIVATE KEY/);
    if (posix) expect(modeOf(path.join(dir, 'client.key'))).toBe(0o600);
    expect(openssl(['req', '-in', path.join(dir, 'client.csr'), '-noout', '-subject'])).toMatch(/sender.example.com/);
    const second = io();
    expect(await runCertNew(['--cn', 'other', '--out', dir], second.io)).toBe(1);
    expect(second.err()).toMatch(/exists already/);
    expect(await runCertNew(['--cn', 'other', '--bits', '1024'], io().io)).toBe(2);
  });
});

describe('curl command line', () => {
  test('POSIX quoting and the Windows form', () => {
    const posixLine = curlCommandLine({url: 'https://t.it-cpi001-rt.cfapps.eu10.hana.ondemand.com/http/ping', certificatePath: '/home/me/my certs/client-chain.pem', keyPath: '/home/me/client-key.pem', platform: 'linux'});
    expect(posixLine.command).toBe("curl --cert '/home/me/my certs/client-chain.pem' --key /home/me/client-key.pem https://t.it-cpi001-rt.cfapps.eu10.hana.ondemand.com/http/ping");
    const windowsLine = curlCommandLine({url: 'https://x/http/ping?a=1&b=2', certificatePath: 'C:\\certs\\client-chain.pem', keyPath: 'C:\\certs\\client-key.pem', platform: 'win32'});
    expect(windowsLine.command).toBe('curl.exe --cert "C:\\certs\\client-chain.pem" --key "C:\\certs\\client-key.pem" "https://x/http/ping?a=1&b=2"');
    expect(windowsLine.note).toMatch(/curl\.exe/);
  });
});
