/**
 * Many client certificates quickly, for the audit landscapes (1,000 keys): X.509 v3 assembled
 * with the project's DER writer and signed natively, about 1 ms each. All share one key pair;
 * the audit reads certificates, not keys.
 */
import {createPrivateKey, createPublicKey, sign, X509Certificate} from 'node:crypto';
import {der, parseDer, tlv, TAG} from '../src/certs/der.js';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'latin1'));
}

function name(parts: Array<[string, string]>): Buffer {
  return der.sequence(...parts.map(([oid, value]) => der.set(der.sequence(der.oid(oid), oid === '2.5.4.6' ? der.printable(value) : der.utf8(value)))));
}

function pem(body: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export interface LeafIssuer {
  issue(request: {commonName: string; serial: number; notBefore: Date; notAfter: Date}): string;
}

/** An issuer that signs clientAuth leaves carrying `subjectKeyPem`'s public key. */
export function leafIssuer(options: {issuerCertPem: string; issuerKeyPem: string; subjectKeyPem: string; organization: string}): LeafIssuer {
  const issuerKey = createPrivateKey(options.issuerKeyPem);
  const spki = createPublicKey(options.subjectKeyPem).export({type: 'spki', format: 'der'});
  // TBSCertificate children: [0] version, serial, signature, issuer, validity, subject, ...
  const issuerTbs = parseDer(new X509Certificate(options.issuerCertPem).raw).children[0]!;
  const issuerName = issuerTbs.children[issuerTbs.children[0]!.tag === 0xa0 ? 5 : 4]!.raw;
  const extensions = der.explicit(
    3,
    der.sequence(
      der.sequence(der.oid('2.5.29.19'), der.boolean(true), der.octetString(der.sequence())),
      der.sequence(der.oid('2.5.29.15'), der.boolean(true), der.octetString(tlv(TAG.BIT_STRING, Buffer.from([5, 0xa0])))),
      der.sequence(der.oid('2.5.29.37'), der.octetString(der.sequence(der.oid('1.3.6.1.5.5.7.3.2')))),
    ),
  );
  return {
    issue({commonName, serial, notBefore, notAfter}) {
      const tbs = der.sequence(
        der.explicit(0, der.integer(2)),
        der.integer(serial),
        der.algorithm(SHA256_WITH_RSA, null),
        issuerName,
        der.sequence(utcTime(notBefore), utcTime(notAfter)),
        name([['2.5.4.6', 'DE'], ['2.5.4.10', options.organization], ['2.5.4.3', commonName]]),
        spki,
        extensions,
      );
      return pem(der.sequence(tbs, der.algorithm(SHA256_WITH_RSA, null), der.bitString(sign('sha256', tbs, issuerKey))));
    },
  };
}
