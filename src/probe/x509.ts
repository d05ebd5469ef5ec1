/**
 * Certificate helpers for the probe, on node:crypto X509Certificate (node-forge cannot read EC
 * certificates, and many CA certificates on SAP's path are EC).
 */
import {X509Certificate, createHash} from 'node:crypto';
import tls from 'node:tls';
import {certificatePems} from '../certs/pem-text.js';
import {extendedKeyUsage, safeVerify} from '../certs/x509.js';
import {oneLineDn} from '../../flows/dn.js';
import type {CertificateSource, ProbeCertificate} from './types.js';

export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';


export function commonName(name: string): string | undefined {
  const cn = name.split('\n').find((part) => part.startsWith('CN='));
  return cn?.slice(3);
}

export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && safeVerify(cert, cert);
}

/** `issuer` issued `cert`: names and key identifiers match (OpenSSL X509_check_issued) and the signature verifies. */
export function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.issuer === issuer.subject && cert.checkIssued(issuer) && safeVerify(cert, issuer);
}


export function findIssuer(cert: X509Certificate, candidates: Iterable<X509Certificate>): X509Certificate | undefined {
  for (const candidate of candidates) if (isIssuedBy(cert, candidate)) return candidate;
  return undefined;
}


/** CA Issuers URLs from the Authority Information Access extension. */
export function issuerUrls(cert: X509Certificate): string[] {
  const info = cert.infoAccess ?? '';
  const urls: string[] = [];
  for (const match of info.matchAll(/CA Issuers - URI:"?([^"\n]+)"?/g)) urls.push(match[1].trim());
  return urls.filter((url) => /^https?:\/\//i.test(url));
}

export function toPem(cert: X509Certificate): string {
  const text = cert.toString();
  return text.endsWith('\n') ? text : text + '\n';
}

export function describeCertificate(cert: X509Certificate, source: CertificateSource): ProbeCertificate {
  return {
    subject: oneLineDn(cert.subject),
    issuer: oneLineDn(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
    selfSigned: isSelfSigned(cert),
    isCA: cert.ca,
    source,
    pem: toPem(cert),
  };
}

/** Where an extra trust anchor came from: the caller (--ca, extraCaPems) or NODE_EXTRA_CA_CERTS. */
export type ExtraCaOrigin = 'caller' | 'NODE_EXTRA_CA_CERTS';

/** A set of trust anchors, indexed by subject for quick issuer lookup. */
export class CertificatePool {
  private readonly bySubject = new Map<string, X509Certificate[]>();
  private readonly fingerprints = new Map<string, ExtraCaOrigin | undefined>();

  constructor(certs: Iterable<X509Certificate>, origin?: ExtraCaOrigin) {
    for (const cert of certs) this.add(cert, origin);
  }

  /** Adds a certificate; one already in the pool keeps its first origin. */
  add(cert: X509Certificate, origin?: ExtraCaOrigin): void {
    if (this.fingerprints.has(cert.fingerprint256)) return;
    this.fingerprints.set(cert.fingerprint256, origin);
    const list = this.bySubject.get(cert.subject) ?? [];
    list.push(cert);
    this.bySubject.set(cert.subject, list);
  }

  has(cert: X509Certificate): boolean {
    return this.fingerprints.has(cert.fingerprint256);
  }

  originOf(cert: X509Certificate): ExtraCaOrigin | undefined {
    return this.fingerprints.get(cert.fingerprint256);
  }

  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    return findIssuer(cert, this.bySubject.get(cert.issuer) ?? []);
  }

  get size(): number {
    return this.fingerprints.size;
  }
}

/** What the probe needs from a set of trust anchors. */
export interface TrustPool {
  has(cert: X509Certificate): boolean;
  issuerOf(cert: X509Certificate): X509Certificate | undefined;
  readonly size: number;
}

/**
 * Node's bundled root store (Mozilla's public CAs). Parsing all ~145 roots costs tens of
 * milliseconds, so a lookup first narrows the candidates by searching the DER bytes for the
 * issuer's name values, and parses only those; anything unusual falls back to a full parse.
 */
class NodeRootStore implements TrustPool {
  private readonly ders = tls.rootCertificates.map((pem) => Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
  private fingerprints?: Set<string>;
  private full?: CertificatePool;
  private readonly parsed = new Map<number, X509Certificate>();

  get size(): number {
    return this.ders.length;
  }

  has(cert: X509Certificate): boolean {
    this.fingerprints ??= new Set(this.ders.map((der) => fingerprint256(der)));
    return this.fingerprints.has(cert.fingerprint256);
  }

  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    const needles = cert.issuer
      .split('\n')
      .map((part) => part.slice(part.indexOf('=') + 1))
      .filter((value) => value.length >= 3 && !value.includes('\\') && /^[\x20-\x7e]+$/.test(value));
    if (needles.length === 0) return this.fullPool().issuerOf(cert);
    const bytes = needles.map((value) => Buffer.from(value, 'latin1'));
    const candidates: X509Certificate[] = [];
    this.ders.forEach((der, index) => {
      if (!bytes.every((needle) => der.includes(needle))) return;
      let parsed = this.parsed.get(index);
      if (!parsed) {
        parsed = new X509Certificate(der);
        this.parsed.set(index, parsed);
      }
      candidates.push(parsed);
    });
    // A name stored in an unusual encoding (BMPString, escapes) would be missed by the byte search.
    return findIssuer(cert, candidates) ?? this.fullPool().issuerOf(cert);
  }

  private fullPool(): CertificatePool {
    this.full ??= new CertificatePool(this.ders.map((der) => new X509Certificate(der)));
    return this.full;
  }
}

function fingerprint256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

let nodeRoots: NodeRootStore | undefined;

export function nodeRootStore(): TrustPool {
  nodeRoots ??= new NodeRootStore();
  return nodeRoots;
}

/** Parses caller-supplied CA files; says which one is broken. */
export function extraCaPool(pems: string[] | undefined): CertificatePool {
  const certs: X509Certificate[] = [];
  (pems ?? []).forEach((text, index) => {
    const blocks = certificatePems(text);
    if (blocks.length === 0) throw new Error(`extra CA #${index + 1} contains no PEM certificate`);
    for (const block of blocks) certs.push(new X509Certificate(block));
  });
  return new CertificatePool(certs, 'caller');
}

/** The chain order a sender should send: each certificate followed by its issuer, leaf first. */
export function orderChain(certs: X509Certificate[]): X509Certificate[] {
  if (certs.length <= 1) return certs;
  const remaining = [...certs];
  // The leaf is the certificate that issued none of the others.
  const leafIndex = remaining.findIndex((candidate) => !remaining.some((other) => other !== candidate && other.issuer === candidate.subject && isIssuedBy(other, candidate)));
  const ordered = [remaining.splice(leafIndex >= 0 ? leafIndex : 0, 1)[0]];
  for (;;) {
    const last = ordered[ordered.length - 1];
    if (isSelfSigned(last)) break;
    const next = remaining.findIndex((candidate) => isIssuedBy(last, candidate));
    if (next < 0) break;
    ordered.push(remaining.splice(next, 1)[0]);
  }
  return [...ordered, ...remaining];
}
