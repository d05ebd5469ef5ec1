/**
 * Every bad input a user can bring, with the error code or the verdict it must produce. No
 * input may crash (every error is a CpiMtlsError with a message and a fix).
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {CpiMtlsError} from '../../src/errors.js';
import {inspectClientCertificate} from '../../src/certs/inspect.js';
import {loadCertificateInput, type LoadOptions} from '../../src/certs/load.js';
import {buildPki, openssl, serviceKeyJson, type Pki} from './fixtures.js';

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
  const write = (name: string, content: string | Buffer): void => writeFileSync(pki.file(name), content);
  write('garbage.txt', 'this is not a certificate, just some notes\nline two\n');
  write('random.bin', Buffer.from(Array.from({length: 300}, (_, i) => (i * 151 + 7) % 256)));
  write('empty.pem', '');
  const leaf = pki.read('leaf-client.crt');
  write('truncated.pem', leaf.slice(0, Math.floor(leaf.length / 2)));
  const lines = leaf.split('\n');
  write('damaged.pem', [...lines.slice(0, 3), ...lines.slice(8)].join('\n'));
  write('truncated.der', readFileSync(pki.file('leaf-client.der')).subarray(0, 200));
  write('bare-garbage.b64', 'QUJD'.repeat(40));
  write('client-secret-key.json', JSON.stringify({credentials: {oauth: {clientid: 'sb-x', clientsecret: 'not-shown', url: 'https://x'}}}));
  write('broken.json', '{"credentials": {"oauth": {"certificate": "-----BEGIN CERTIFICATE-----\\nMIIB');
  write('damaged-key.json', serviceKeyJson('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', pki.read('leaf.key')));
  write('only-public-key.pem', openssl(['pkey', '-in', pki.file('leaf.key'), '-pubout']));
  openssl(['crl2pkcs7', '-nocrl', '-certfile', pki.file('chain-ordered.pem'), '-out', pki.file('bundle.p7b')]);
  mkdirSync(pki.file('a-folder'));
  write('ten-mb.pem', Buffer.alloc(10 * 1024 * 1024, 'A'));
  write('just-over-1mib.pem', `${pki.read('leaf-client.crt')}${'#'.repeat(1024 * 1024)}`);
  // Random bytes behind a DER SEQUENCE tag, so the DER, PKCS#12 and key parsers all get a go.
  write('random-der.bin', Buffer.concat([Buffer.from([0x30, 0x82, 0xff, 0xf0]), Buffer.from(Array.from({length: 64 * 1024}, (_, i) => (i * 7919 + 13) % 251))]));
  write('key-only.pem', pki.read('leaf.key'));
});
afterAll(() => pki?.cleanup());

interface Case {
  name: string;
  files: string[];
  options?: LoadOptions;
  key?: string;
  /** Expected CpiMtlsError code while loading. */
  error?: string;
  /** Or: expected verdict of one check after inspection. */
  check?: [id: string, verdict: 'pass' | 'warn' | 'fail'];
}

const CASES: Case[] = [
  {name: 'garbage text', files: ['garbage.txt'], error: 'unrecognized-format'},
  {name: 'random binary', files: ['random.bin'], error: 'unrecognized-format'},
  {name: 'bare base64 that is not a certificate', files: ['bare-garbage.b64'], error: 'unrecognized-format'},
  {name: 'empty file', files: ['empty.pem'], error: 'empty-file'},
  {name: 'truncated PEM (no END line)', files: ['truncated.pem'], error: 'truncated-pem'},
  {name: 'PEM with lines missing in the middle', files: ['damaged.pem'], error: 'invalid-certificate'},
  {name: 'truncated DER', files: ['truncated.der'], error: 'unrecognized-format'},
  {name: 'missing file', files: ['no-such-file.pem'], error: 'file-not-found'},
  {name: '10 MB file', files: ['ten-mb.pem'], error: 'file-too-large'},
  {name: 'file just over the 1 MiB cap', files: ['just-over-1mib.pem'], error: 'file-too-large'},
  {name: 'random bytes starting like DER', files: ['random-der.bin'], error: 'unrecognized-format'},
  {name: 'directory instead of file', files: ['a-folder'], error: 'not-a-file'},
  {name: 'PKCS#12 without password', files: ['client.p12'], error: 'password-required'},
  {name: 'PKCS#12 with wrong password', files: ['client.p12'], options: {password: 'nope'}, error: 'wrong-password'},
  {name: 'legacy PKCS#12 with wrong password', files: ['client-legacy.p12'], options: {password: 'nope'}, error: 'wrong-password'},
  {name: 'encrypted PKCS#8 key without passphrase', files: ['leaf-encrypted.key'], error: 'password-required'},
  {name: 'encrypted PKCS#8 key with wrong passphrase', files: ['leaf-encrypted.key'], options: {passphrase: 'nope'}, error: 'wrong-password'},
  {name: 'encrypted PKCS#1 key with wrong passphrase', files: ['leaf-pkcs1-encrypted.key'], options: {passphrase: 'nope'}, error: 'wrong-password'},
  {name: 'CSR instead of certificate', files: ['request.csr'], error: 'csr-not-certificate'},
  {name: 'PKCS#7 bundle', files: ['bundle.p7b'], error: 'pkcs7-not-supported'},
  {name: 'public key only', files: ['only-public-key.pem'], error: 'unrecognized-format'},
  {name: 'ClientId/Secret service key', files: ['client-secret-key.json'], error: 'no-certificate-in-key'},
  {name: 'broken JSON', files: ['broken.json'], error: 'invalid-json'},
  {name: 'service key with a damaged certificate', files: ['damaged-key.json'], error: 'invalid-certificate'},
  {name: 'key-only file given as certificate', files: ['leaf.key'], check: ['leaf', 'fail']},
  {name: 'root CA offered as the client certificate', files: ['root.crt'], check: ['leaf', 'fail']},
  {name: 'intermediate and root, no leaf', files: ['int.crt', 'root.crt'], check: ['leaf', 'fail']},
  {name: 'self-signed CA made with req -x509', files: ['self-default.crt'], check: ['leaf', 'fail']},
  {name: 'self-signed client certificate', files: ['self-client.crt'], check: ['root', 'fail']},
  {name: 'chain out of order', files: ['chain-shuffled.pem'], check: ['chain', 'warn']},
  {name: 'missing intermediate', files: ['leaf-client.crt', 'root.crt'], check: ['chain', 'fail']},
  {name: 'leaf alone', files: ['leaf-client.crt'], check: ['chain', 'fail']},
  {name: 'issuer with the same name but another key', files: ['leaf-client.crt', 'int-renamed.crt'], check: ['chain', 'fail']},
  {name: 'private root CA', files: ['chain-ordered.pem'], check: ['root', 'fail']},
  {name: 'mismatched private key', files: ['chain-ordered.pem'], key: 'other.key', check: ['key-match', 'fail']},
  {name: 'EKU serverAuth only', files: ['leaf-server-only.crt', 'int.crt'], check: ['eku', 'fail']},
  {name: 'no EKU extension', files: ['leaf-no-eku.crt', 'int.crt'], check: ['eku', 'fail']},
  {name: 'EKU anyExtendedKeyUsage only', files: ['leaf-any-eku.crt', 'int.crt'], check: ['eku', 'fail']},
  {name: 'expired leaf', files: ['leaf-expired.crt', 'int.crt'], check: ['validity', 'fail']},
  {name: 'leaf not yet valid', files: ['leaf-future.crt', 'int.crt'], check: ['validity', 'fail']},
  {name: 'leaf expiring in 10 days', files: ['leaf-expiring.crt', 'int.crt'], check: ['validity', 'warn']},
  {name: 'SHA-1 signature', files: ['leaf-sha1.crt', 'int.crt'], check: ['key-strength', 'fail']},
  {name: 'RSA 1024 key', files: ['leaf-rsa1024.crt', 'int.crt'], check: ['key-strength', 'fail']},
];

export const BAD_INPUT_CASE_COUNT = CASES.length;

describe(`bad inputs (${CASES.length} cases)`, () => {
  test.each(CASES.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    let error: unknown;
    let loadMs = 0;
    try {
      const inputs = [];
      for (const name of entry.files) {
        const started = performance.now();
        try {
          inputs.push(await loadCertificateInput(pki.file(name), entry.options ?? {}));
        } finally {
          loadMs = performance.now() - started;
        }
      }
      const keyPem = entry.key ? (await loadCertificateInput(pki.file(entry.key))).privateKeyPem : inputs.find((input) => input.privateKeyPem)?.privateKeyPem;
      const report = inspectClientCertificate({certificates: inputs.flatMap((input) => input.certificates), ...(keyPem ? {privateKeyPem: keyPem} : {})});
      expect(entry.error, `expected error ${entry.error}, got a report`).toBeUndefined();
      const [id, verdict] = entry.check!;
      const found = report.checks.find((check) => check.id === id);
      expect(found?.verdict, JSON.stringify(report.checks, null, 1)).toBe(verdict);
      if (verdict !== 'pass') expect(found?.fix).toBeTruthy();
      expect(report.verdict).not.toBe('pass');
    } catch (caught) {
      error = caught;
      if (!(caught instanceof CpiMtlsError)) throw caught;
    }
    if (entry.error) {
      expect(error).toBeInstanceOf(CpiMtlsError);
      const problem = error as CpiMtlsError;
      expect(problem.code).toBe(entry.error);
      expect(problem.message.length).toBeGreaterThan(10);
      expect(problem.fix.length, `no fix for ${problem.code}`).toBeGreaterThan(0);
      // Bad input fails fast: no parser may spin on it.
      expect(loadMs).toBeLessThan(1000);
      // Secrets from the input never appear in messages.
      expect(problem.message).not.toMatch(/not-shown|p12-secret|key-secret|PRIVATE KEY/);
    } else if (error) {
      throw error;
    }
  });

  test('the size cap message says what was expected', async () => {
    const error = (await loadCertificateInput(pki.file('ten-mb.pem')).catch((caught: unknown) => caught)) as CpiMtlsError;
    expect(error.message).toMatch(/ten-mb\.pem is 10\.0 MiB, too large for a certificate file: expected a certificate, chain, private key, PKCS#12 or service key file of a few kilobytes \(at most 1 MiB\)/);
  });

  test('a key-only PEM still loads as a key where keys are welcome', async () => {
    const input = await loadCertificateInput(pki.file('key-only.pem'));
    expect(input.kind).toBe('private-key');
    expect(input.certificates).toEqual([]);
  });

  test('the table covers at least 35 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(35);
  });
});
