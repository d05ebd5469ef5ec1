/**
 * Certificate helpers for the probe, on node:crypto X509Certificate (node-forge cannot read EC
 * certificates, and many CA certificates on SAP's path are EC).
 */
import {X509Certificate} from 'node:crypto';
import tls from 'node:tls';
import type {CertificateSource, ProbeCertificate} from './types.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Every CERTIFICATE block in a text; tolerates literal "\n" as SAP cockpit copies contain them. */
export function splitPemCertificates(text: string): string[] {
  const normalised = text.includes('\\n') && !text.includes('\n-----') ? text.replace(/\\n/g, '\n') : text;
  return (normalised.match(PEM_BLOCK) ?? []).map((block) => block.replace(/\r/g, '').trim() + '\n');
}

export function parseCertificate(input: string | Buffer): X509Certificate {
  return new X509Certificate(input);
}

/** "C=US\nO=DigiCert Inc\nCN=…" → "C=US, O=DigiCert Inc, CN=…" */
export function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

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

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function findIssuer(cert: X509Certificate, candidates: Iterable<X509Certificate>): X509Certificate | undefined {
  for (const candidate of candidates) if (isIssuedBy(cert, candidate)) return candidate;
  return undefined;
}

/** Extended key usage OIDs; empty when the extension is absent. Node 20 calls it keyUsage, later versions extKeyUsage. */
export function extendedKeyUsage(cert: X509Certificate): string[] {
  const value = (cert as unknown as {extKeyUsage?: string[]}).extKeyUsage ?? cert.keyUsage;
  return Array.isArray(value) ? value : [];
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
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
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

/** A set of trust anchors, indexed by subject for quick issuer lookup. */
export class CertificatePool {
  private readonly bySubject = new Map<string, X509Certificate[]>();
  private readonly fingerprints = new Set<string>();

  constructor(certs: Iterable<X509Certificate>) {
    for (const cert of certs) this.add(cert);
  }

  add(cert: X509Certificate): void {
    if (this.fingerprints.has(cert.fingerprint256)) return;
    this.fingerprints.add(cert.fingerprint256);
    const list = this.bySubject.get(cert.subject) ?? [];
    list.push(cert);
    this.bySubject.set(cert.subject, list);
  }

  has(cert: X509Certificate): boolean {
    return this.fingerprints.has(cert.fingerprint256);
  }

  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    return findIssuer(cert, this.bySubject.get(cert.issuer) ?? []);
  }

  get size(): number {
    return this.fingerprints.size;
  }
}

let nodeRoots: CertificatePool | undefined;

/** Node's bundled root store (Mozilla's public CAs), parsed once per process. */
export function nodeRootStore(): CertificatePool {
  nodeRoots ??= new CertificatePool(tls.rootCertificates.map((pem) => new X509Certificate(pem)));
  return nodeRoots;
}

/** Parses caller-supplied CA files; says which one is broken. */
export function extraCaPool(pems: string[] | undefined): CertificatePool {
  const certs: X509Certificate[] = [];
  (pems ?? []).forEach((text, index) => {
    const blocks = splitPemCertificates(text);
    if (blocks.length === 0) throw new Error(`extra CA #${index + 1} contains no PEM certificate`);
    for (const block of blocks) certs.push(new X509Certificate(block));
  });
  return new CertificatePool(certs);
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
