import {X509Certificate, createPrivateKey} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {certificatePems, firstX509, normalisePemText} from '../../src/certs/pem-text.js';
import {openssl} from './fixtures.js';

let dir: string;
let cert: string;
let ca: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cpi-mtls-pem-text-'));
  const file = (name: string) => path.join(dir, name);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=pem-text ca', '-days', '2', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/O=Acme, Inc./CN=pem-text leaf', '-days', '2', '-keyout', file('leaf.key'), '-out', file('leaf.pem')]);
  [cert, ca, key] = [readFileSync(file('leaf.pem'), 'utf8'), readFileSync(file('ca.pem'), 'utf8'), readFileSync(file('leaf.key'), 'utf8')];
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const base64Of = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

describe('normalisePemText', () => {
  const shapes: Array<[string, (pem: string) => string]> = [
    ['as openssl writes it', (pem) => pem],
    ['literal \\n of a service key (JSON string content)', (pem) => JSON.stringify(pem).slice(1, -1)],
    ['literal \\r\\n', (pem) => pem.replace(/\n/g, '\\r\\n')],
    ['CRLF line ends', (pem) => pem.replace(/\n/g, '\r\n')],
    ['CR line ends', (pem) => pem.replace(/\n/g, '\r')],
    ['one line with spaces (copied from a web form)', (pem) => pem.replace(/\n/g, ' ')],
    ['no line breaks at all', (pem) => pem.replace(/\n/g, '')],
    ['base64 in 76-character lines', (pem) => `-----BEGIN CERTIFICATE-----\n${base64Of(pem).replace(/(.{76})/g, '$1\n')}\n-----END CERTIFICATE-----\n`],
    ['a byte-order mark and text around it', (pem) => `\uFEFFsubject=CN = pem-text leaf\n${pem}\ntrailing words`],
  ];
  for (const [name, shape] of shapes) {
    it(`repairs a certificate with ${name}`, () => {
      const blocks = certificatePems(shape(cert));
      expect(blocks).toHaveLength(1);
      expect(blocks[0]).toBe(cert);
      expect(new X509Certificate(blocks[0]!).fingerprint256).toBe(new X509Certificate(cert).fingerprint256);
    });
  }

  it('keeps every block of a chain in order, whatever the shape', () => {
    const chain = JSON.stringify(cert + ca).slice(1, -1);
    expect(certificatePems(chain)).toEqual([cert, ca]);
  });

  it('repairs a private key with literal \\n so node:crypto reads it', () => {
    const repaired = normalisePemText(JSON.stringify(key).slice(1, -1));
    expect(repaired.trim()).toBe(key.trim());
    expect(createPrivateKey(repaired).asymmetricKeyType).toBe('rsa');
  });

  it('leaves blocks with headers, text outside blocks and an unfinished block as they are', () => {
    const legacy = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----';
    expect(normalisePemText(legacy)).toBe(legacy);
    const cut = cert.slice(0, 120);
    expect(normalisePemText(`note\r\n${cut}`)).toBe(`note\n${cut}`);
    expect(certificatePems(cut)).toEqual([]);
  });
});

describe('firstX509', () => {
  it('parses the first certificate of a chain with literal \\n', () => {
    expect(firstX509(JSON.stringify(cert + ca).slice(1, -1))?.subject).toContain('CN=pem-text leaf');
  });

  it('answers null for no text, no certificate and a damaged certificate', () => {
    expect(firstX509(undefined)).toBeNull();
    expect(firstX509(42)).toBeNull();
    expect(firstX509(key)).toBeNull();
    expect(firstX509(cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'))).toBeNull();
  });
});
