import {X509Certificate} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {dnEquals, dnKey, formatSapDn, parseDn} from '../../flows/dn.js';
import {certificateKey, duplicateGroups, duplicateMatch, subjectIssuerKey} from '../../flows/duplicates.js';
import {openssl} from '../certs/fixtures.js';

let dir: string;
const certs: Record<string, X509Certificate> = {};
const printed: Record<string, {rfc2253: string; oneline: string}> = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cpi-mtls-dn-'));
  const make = (name: string, subject: string) => {
    const file = path.join(dir, `${name}.pem`);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-days', '2', '-keyout', path.join(dir, `${name}.key`), '-out', file]);
    certs[name] = new X509Certificate(readFileSync(file));
    const subjectLine = (option: string) => openssl(['x509', '-in', file, '-noout', '-subject', '-nameopt', option]).replace(/^subject=\s*/, '').trim();
    printed[name] = {rfc2253: subjectLine('RFC2253'), oneline: subjectLine('oneline')};
  };
  make('acme', '/C=DE/O=Acme, Inc./OU=Integration/CN=sender.acme.example');
  make('acme2', '/C=DE/O=Acme, Inc./OU=Integration/CN=sender.acme.example');
  make('other', '/C=DE/O=Acme/CN=other.acme.example');
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('DN parsing and comparison', () => {
  it("reads Node's line form, openssl's RFC 2253 and one-line forms and SAP's form as the same DN", () => {
    const node = certs.acme!.subject;
    const sap = formatSapDn(node);
    expect(sap).toBe('CN=sender.acme.example,OU=Integration,O=Acme\\, Inc.,C=DE');
    expect(sap).toBe(printed.acme!.rfc2253);
    for (const other of [sap, printed.acme!.rfc2253, printed.acme!.oneline, sap.toLowerCase(), '/C=DE/O=Acme, Inc./OU=Integration/CN=sender.acme.example']) {
      expect(dnEquals(node, other), other).toBe(true);
    }
    expect(dnEquals(node, certs.other!.subject)).toBe(false);
  });

  it('keeps a comma inside a value that was written without escaping', () => {
    expect(parseDn('C=DE, O=Acme, Inc., CN=x')).toEqual([{type: 'C', value: 'DE'}, {type: 'O', value: 'Acme, Inc.'}, {type: 'CN', value: 'x'}]);
    expect(dnKey('CN=x,O=Acme\\, Inc.,C=DE')).toBe(dnKey('c = de, o = ACME,  INC., cn = X'));
  });

  it('gives keys that are DNs with the same key, and aliases emailAddress', () => {
    const key = dnKey(certs.acme!.subject);
    expect(dnKey(key)).toBe(key);
    expect(dnEquals('emailAddress=a@b.example,CN=x', 'CN=x, E=A@B.example')).toBe(true);
    expect(dnEquals('', '')).toBe(false);
  });
});

describe('duplicate certificates', () => {
  it('matches the same certificate by fingerprint in any spelling, then by subject and issuer DN', () => {
    const identity = (c: X509Certificate) => ({fingerprint256: c.fingerprint256, subject: c.subject, issuer: c.issuer});
    const acme = identity(certs.acme!);
    expect(duplicateMatch({...acme, fingerprint256: acme.fingerprint256.replace(/:/g, '').toLowerCase(), subject: formatSapDn(acme.subject)}, acme)).toBe('certificate');
    expect(duplicateMatch({...identity(certs.acme2!), subject: printed.acme2!.rfc2253, issuer: printed.acme2!.oneline}, acme)).toBe('subject-and-issuer');
    expect(duplicateMatch(identity(certs.other!), acme)).toBeNull();
    expect(certificateKey({fingerprint256: null})).toBe('');
  });

  it('groups keys that share a certificate or a subject and issuer, leaving single ones out', () => {
    const keys = [
      {name: 'a', fingerprint256: certs.acme!.fingerprint256, subject: certs.acme!.subject, issuer: certs.acme!.issuer},
      {name: 'b', fingerprint256: certs.acme!.fingerprint256.toLowerCase(), subject: formatSapDn(certs.acme!.subject), issuer: formatSapDn(certs.acme!.issuer)},
      {name: 'c', fingerprint256: certs.acme2!.fingerprint256, subject: certs.acme2!.subject, issuer: certs.acme2!.issuer},
      {name: 'd', fingerprint256: certs.other!.fingerprint256, subject: certs.other!.subject, issuer: certs.other!.issuer},
    ];
    expect(duplicateGroups(keys, certificateKey).map((group) => group.map((key) => key.name))).toEqual([['a', 'b']]);
    expect(duplicateGroups(keys, subjectIssuerKey).map((group) => group.map((key) => key.name))).toEqual([['a', 'b', 'c']]);
  });
});
