/**
 * X509Certificate helpers: facts node:crypto does not expose directly (signature algorithm, the
 * parts of a name), issuer links and chain order, and the summary every other module uses.
 * node-forge cannot read EC certificates, and many CA certificates on SAP's path are EC.
 */
import {X509Certificate, createHash} from 'node:crypto';
import type {CertificateSummary} from '../ports.js';
import {TAG, oidOf, parseDer, type DerNode} from './der.js';

export const OID = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
} as const;

/** Signature algorithms by OID, named the way openssl prints them. */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10040.4.3': 'dsa_with_SHA1',
};

/** Extended key usages: the name openssl prints, and the short name (clientAuth, …). */
const EKU_NAMES: Record<string, {long: string; short: string}> = {
  '1.3.6.1.5.5.7.3.1': {long: 'TLS Web Server Authentication', short: 'serverAuth'},
  '1.3.6.1.5.5.7.3.2': {long: 'TLS Web Client Authentication', short: 'clientAuth'},
  '1.3.6.1.5.5.7.3.3': {long: 'Code Signing', short: 'codeSigning'},
  '1.3.6.1.5.5.7.3.4': {long: 'E-mail Protection', short: 'emailProtection'},
  '1.3.6.1.5.5.7.3.8': {long: 'Time Stamping', short: 'timeStamping'},
  '1.3.6.1.5.5.7.3.9': {long: 'OCSP Signing', short: 'OCSPSigning'},
  '2.5.29.37.0': {long: 'Any Extended Key Usage', short: 'anyExtendedKeyUsage'},
};

export function extendedKeyUsageName(oid: string): string {
  return EKU_NAMES[oid]?.long ?? oid;
}

export function extendedKeyUsageShortName(oid: string): string {
  return EKU_NAMES[oid]?.short ?? oid;
}

/** A signature algorithm that no longer protects anything (SHA-1, MD5). */
export function isWeakSignatureAlgorithm(name: string | undefined): boolean {
  return name !== undefined && /md5|sha1|SHA1/.test(name);
}

const CURVE_NAMES: Record<string, string> = {prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521'};

export interface NameParts {
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
}

export interface CertificateDetails {
  signatureAlgorithm: string;
  /** DER of the subject and issuer names, hex, for exact name comparison. */
  subjectNameDer: string;
  issuerNameDer: string;
  issuerParts: NameParts;
  subject: string;
  issuer: string;
}

function decodeString(node: DerNode): string {
  if (node.tag === TAG.BMP_STRING) return Buffer.from(node.value).swap16().toString('utf16le');
  if (node.tag === TAG.UTF8_STRING) return node.value.toString('utf8');
  return node.value.toString('latin1');
}

/** The attributes of a DER Name as [type OID, value], one list per RDN, in certificate order. */
function nameAttributes(name: DerNode): Array<Array<[string, string]>> {
  return name.children.map((rdn) =>
    rdn.children.map((attribute) => [oidOf(attribute.children[0]), attribute.children[1] ? decodeString(attribute.children[1]) : '']),
  );
}

function nameParts(name: DerNode): NameParts {
  const attributes = nameAttributes(name).flat();
  const first = (oid: string): string | undefined => attributes.find(([type]) => type === oid)?.[1];
  return {commonName: first(OID.commonName), organization: first(OID.organization), organizationalUnit: first(OID.organizationalUnit)};
}

const detailsCache = new WeakMap<X509Certificate, CertificateDetails>();

export function certificateDetails(x509: X509Certificate): CertificateDetails {
  const cached = detailsCache.get(x509);
  if (cached) return cached;
  const certificate = parseDer(x509.raw);
  const [tbs, signatureAlgorithmNode] = certificate.children;
  const fields = tbs.children;
  // The version field is optional ([0] EXPLICIT); everything after it has a fixed position.
  const start = fields[0].tag === 0xa0 ? 1 : 0;
  const issuer = fields[start + 2];
  const subject = fields[start + 4];
  const signatureAlgorithmOid = oidOf(signatureAlgorithmNode.children[0]);
  const details: CertificateDetails = {
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureAlgorithmOid] ?? signatureAlgorithmOid,
    subjectNameDer: subject.raw.toString('hex'),
    issuerNameDer: issuer.raw.toString('hex'),
    issuerParts: nameParts(issuer),
    subject: oneLineName(subject),
    issuer: oneLineName(issuer),
  };
  detailsCache.set(x509, details);
  return details;
}

const NAME_SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * A DER Name in openssl's one-line order (as in the certificate, most significant first):
 * "C=DE, O=Acme, CN=sender". Commas and plus signs inside values are escaped with a backslash.
 */
function oneLineName(name: DerNode): string {
  const escape = (value: string): string => value.replace(/([,+\\])/g, '\\$1');
  return nameAttributes(name)
    .map((rdn) => rdn.map(([type, value]) => `${NAME_SHORT[type] ?? type}=${escape(value)}`).join(' + '))
    .join(', ');
}

function dateOf(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** "DNS:a, IP Address:1.2.3.4" as node prints it → ["DNS:a", "IP Address:1.2.3.4"]. */
function splitSubjectAltName(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(/, (?=[A-Za-z][A-Za-z ]*:)/).map((entry) => entry.trim()).filter(Boolean);
}

/** Extended key usage OIDs; empty when the extension is absent. Node 20 calls the list `keyUsage`, later versions `extKeyUsage`. */
export function extendedKeyUsage(x509: X509Certificate): string[] {
  const value = (x509 as X509Certificate & {extKeyUsage?: string[]}).extKeyUsage ?? x509.keyUsage;
  return Array.isArray(value) ? [...value] : [];
}

export function summarize(x509: X509Certificate): CertificateSummary {
  const details = certificateDetails(x509);
  const keyDetails = x509.publicKey.asymmetricKeyDetails ?? {};
  const publicKey: CertificateSummary['publicKey'] = {type: (x509.publicKey.asymmetricKeyType ?? 'unknown').toUpperCase()};
  if (keyDetails.modulusLength) publicKey.bits = keyDetails.modulusLength;
  if (keyDetails.namedCurve) {
    publicKey.curve = CURVE_NAMES[keyDetails.namedCurve] ?? keyDetails.namedCurve;
    const bits = {'P-256': 256, 'P-384': 384, 'P-521': 521}[publicKey.curve];
    if (bits) publicKey.bits = bits;
  }
  return {
    subject: details.subject,
    issuer: details.issuer,
    serialNumber: x509.serialNumber.toUpperCase(),
    notBefore: dateOf(x509.validFrom),
    notAfter: dateOf(x509.validTo),
    fingerprint256: x509.fingerprint256.toUpperCase(),
    isCA: x509.ca,
    selfSigned: details.subjectNameDer === details.issuerNameDer && safeVerify(x509, x509),
    extendedKeyUsage: extendedKeyUsage(x509),
    subjectAltNames: splitSubjectAltName(x509.subjectAltName),
    publicKey,
    signatureAlgorithm: details.signatureAlgorithm,
    pem: x509.toString(),
  };
}

/** "RSA 2048", "EC P-256", "ED25519". */
export function keyName(key: CertificateSummary['publicKey']): string {
  const size = key.curve ?? key.bits;
  return size ? `${key.type} ${size}` : key.type;
}

/** The CN of a one-line name ("C=DE, O=Acme, CN=sender"). */
export function commonNameOf(name: string): string | undefined {
  return /(?:^|, )CN=([^,]+)/.exec(name)?.[1];
}

/** Whether `issuer`'s key verifies `subject`'s signature; false instead of throwing. */
export function safeVerify(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const x509Cache = new Map<string, X509Certificate>();

/** The X509Certificate behind a summary (parsed once per PEM). */
export function x509Of(summary: CertificateSummary): X509Certificate {
  let x509 = x509Cache.get(summary.pem);
  if (!x509) {
    x509 = new X509Certificate(summary.pem);
    if (x509Cache.size > 500) x509Cache.clear();
    x509Cache.set(summary.pem, x509);
  }
  return x509;
}

export function sha256Fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && safeVerify(cert, cert);
}

/** `issuer` issued `cert`: names and key identifiers match (OpenSSL X509_check_issued) and the signature verifies. */
export function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.issuer === issuer.subject && cert.checkIssued(issuer) && safeVerify(cert, issuer);
}

/** CA Issuers URLs from the Authority Information Access extension. */
export function issuerUrls(cert: X509Certificate): string[] {
  const urls = [...(cert.infoAccess ?? '').matchAll(/CA Issuers - URI:"?([^"\n]+)"?/g)].map((match) => match[1].trim());
  return urls.filter((url) => /^https?:\/\//i.test(url));
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
