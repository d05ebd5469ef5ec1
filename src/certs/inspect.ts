/**
 * The certificate checks: everything SAP's load balancer and the runtime will judge, decided
 * locally before anything is uploaded. One verdict per check; every warning and failure says
 * what is wrong and what to do.
 */
import {X509Certificate, createPrivateKey, type KeyObject} from 'node:crypto';
import {rootCertificates} from 'node:tls';
import type {CertificateCheck, CertificateCheckId, CertificateSummary, Verdict} from '../ports.js';
import {CpiMtlsError} from '../errors.js';
import {DAY_MS, daysUntil} from '../lifecycle/common.js';
import {pemBlocks} from './load.js';
import {SAP_ROOT_CA_LIST, type SapRootCa} from './sap-root-cas.js';
import {OID, certificateDetails, commonNameOf, extendedKeyUsageName, isWeakSignatureAlgorithm, keyName, safeVerify, summarize, x509Of} from './x509.js';

export interface InspectOptions {
  /** Reference time for validity checks (tests, "will it still work next month"). */
  now?: Date;
  /** Warn when the leaf (or a chain certificate) expires within this many days. Default 30. */
  expiryWarningDays?: number;
  /** PEM texts (one or many blocks each) of roots to trust in addition to SAP's list. */
  extraTrustedRootsPem?: string[];
  /** Treat a root that is not on SAP's list as a failure instead of a warning. */
  strictRoots?: boolean;
}

/**
 * Why the root is (or is not) trusted:
 * - 'sap-list': the root's fingerprint is on SAP's list (or, when the root was not supplied, the
 *   issuer of the last certificate is a root on that list);
 * - 'user-trusted': the root is not on SAP's list but is one of the roots the user chose to trust
 *   (InspectOptions.extraTrustedRootsPem: --trust-root, trustedRoots:, --extra-roots); the root
 *   check passes and says so;
 * - 'supplied': the chain ends at a self-signed certificate from the input that is on neither list;
 * - 'unknown': no root was found (chain incomplete, or issuer not on any list).
 */
export type RootSource = 'supplied' | 'sap-list' | 'user-trusted' | 'unknown';

export interface CertificateReport {
  /** The client (end-entity) certificate, or the certificate offered as one. */
  leaf: CertificateSummary | null;
  /** Supplied certificates between leaf and root, leaf side first. */
  intermediates: CertificateSummary[];
  /** The root: supplied, or found in SAP's list / the extra roots; null when unknown. */
  root: CertificateSummary | null;
  rootSource: RootSource;
  /** The supplied certificates on the path, leaf first: what the sender sends (root optional). */
  chainInOrder: CertificateSummary[];
  checks: CertificateCheck[];
  verdict: Verdict;
}

export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
/** Public CAs began dropping clientAuth from TLS certificates in September 2025. */
const EKU_SUNSET_START = Date.UTC(2025, 8, 1);

const PLACES_EXPLAINED =
  'Where each certificate goes: the service key takes the client (leaf) certificate only; the sender presents leaf plus intermediates; the sender\'s trust store takes the load balancer\'s server root (DigiCert Global Root G2).';
const SAP_ALTERNATIVES = [
  'Use an SAP-generated certificate: create the service key with {"key-type": "certificate"} (cpi-mtls writes its chain and key files).',
  'Or make a key and CSR with "cpi-mtls cert new" and have SAP Cloud Root CA sign it through the BTP Destination service.',
  'Or buy a client-authentication certificate from a public CA on SAP\'s list (SAP Note 2801396).',
];

interface TrustedRoot {
  x509: X509Certificate;
  summary: CertificateSummary;
}

interface TrustStores {
  sapFingerprints: Map<string, SapRootCa>;
  /** Node's bundled Mozilla roots that are on SAP's list (full certificates, so signatures verify). */
  sapRoots: TrustedRoot[];
  /** Node's bundled roots that are not on SAP's list: public CAs SAP may not accept. */
  publicRoots: TrustedRoot[];
}

let trustStores: TrustStores | undefined;

function stores(): TrustStores {
  if (trustStores) return trustStores;
  const sapFingerprints = new Map(SAP_ROOT_CA_LIST.roots.map((root) => [root.fingerprint256, root]));
  const sapRoots: TrustedRoot[] = [];
  const publicRoots: TrustedRoot[] = [];
  for (const pem of rootCertificates) {
    try {
      const x509 = new X509Certificate(pem);
      const entry = {x509, get summary() { return summarize(x509); }};
      (sapFingerprints.has(x509.fingerprint256.toUpperCase()) ? sapRoots : publicRoots).push(entry);
    } catch {
      // a root node cannot parse is of no use here
    }
  }
  trustStores = {sapFingerprints, sapRoots, publicRoots};
  return trustStores;
}

function nameOf(summary: CertificateSummary): string {
  return `"${commonNameOf(summary.subject) ?? summary.subject}"`;
}

function isoDay(iso: string): string {
  return iso.slice(0, 10);
}

function issues(issuer: X509Certificate, subject: X509Certificate): 'verified' | 'name-only' | 'no' {
  const subjectDetails = certificateDetails(subject);
  const issuerDetails = certificateDetails(issuer);
  if (subjectDetails.issuerNameDer !== issuerDetails.subjectNameDer) return 'no';
  return safeVerify(subject, issuer) ? 'verified' : 'name-only';
}

function findIssuer(subject: X509Certificate, candidates: TrustedRoot[]): TrustedRoot | undefined {
  return candidates.find((candidate) => issues(candidate.x509, subject) === 'verified');
}

function sapEntryByName(subject: X509Certificate): SapRootCa | undefined {
  const parts = certificateDetails(subject).issuerParts;
  return SAP_ROOT_CA_LIST.roots.find(
    (root) =>
      root.commonName === parts.commonName &&
      root.organization === parts.organization &&
      (root.organizationalUnit === undefined || root.organizationalUnit === parts.organizationalUnit),
  );
}

const LIST_NAME = `SAP's root CA list (${SAP_ROOT_CA_LIST.version}, ${SAP_ROOT_CA_LIST.date}; a public proxy for SAP Note 2801396)`;

function worst(checks: CertificateCheck[]): Verdict {
  if (checks.some((check) => check.verdict === 'fail')) return 'fail';
  if (checks.some((check) => check.verdict === 'warn')) return 'warn';
  return 'pass';
}

const TITLES: Record<CertificateCheckId, string> = {
  leaf: 'Client certificate',
  chain: 'Chain complete and in order',
  unrelated: 'Certificates outside the chain',
  root: "Root trusted by SAP's load balancer",
  eku: 'Extended key usage: clientAuth',
  validity: 'Validity',
  'key-match': 'Private key matches',
  'key-strength': 'Key size and signature',
};

export function inspectClientCertificate(
  input: {certificates: CertificateSummary[]; privateKeyPem?: string},
  options: InspectOptions = {},
): CertificateReport {
  const now = options.now ?? new Date();
  const expiryDays = options.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
  const checks: CertificateCheck[] = [];
  const add = (id: CertificateCheckId, verdict: Verdict, message: string, fix?: string): void => {
    const title = TITLES[id];
    checks.push(fix && verdict !== 'pass' ? {id, title, verdict, message, fix} : {id, title, verdict, message});
  };

  // Deduplicate (the same certificate pasted twice is harmless) and keep the input order.
  const seen = new Set<string>();
  const given = input.certificates.filter((certificate) => !seen.has(certificate.fingerprint256) && seen.add(certificate.fingerprint256));

  let privateKey: KeyObject | undefined;
  if (input.privateKeyPem) {
    try {
      privateKey = createPrivateKey(input.privateKeyPem);
    } catch {
      // an unreadable key fails the key-match check below
    }
  }

  if (given.length === 0) {
    add(
      'leaf',
      'fail',
      input.privateKeyPem ? 'Only a private key was given, no certificate.' : 'No certificate was given.',
      input.privateKeyPem
        ? 'Give the certificate file as well (the key goes with --key), or a PKCS#12 file that holds both.'
        : 'Give the client certificate (PEM, DER or PKCS#12), or the service key JSON of an SAP-generated certificate.',
    );
    return {leaf: null, intermediates: [], root: null, rootSource: 'unknown', chainInOrder: [], checks, verdict: 'fail'};
  }

  // --- Which certificate is the leaf -------------------------------------------------------
  const issuesAnother = (candidate: CertificateSummary): boolean =>
    given.some((other) => other !== candidate && issues(x509Of(candidate), x509Of(other)) !== 'no');
  const keyOwner = privateKey ? given.find((certificate) => safeCheckKey(x509Of(certificate), privateKey!)) : undefined;
  const endEntities = given.filter((certificate) => !certificate.isCA);
  // Without the key: the end-entity (else any) certificate that issued none of the others, else the first.
  const leafPool = endEntities.length ? endEntities : given;
  const leaf = keyOwner ?? leafPool.find((certificate) => !issuesAnother(certificate)) ?? leafPool[0];

  // --- Path leaf → root over the supplied certificates --------------------------------------
  const path: CertificateSummary[] = [leaf];
  let signatureMismatch: {child: CertificateSummary; candidate: CertificateSummary} | undefined;
  for (let current = leaf; !current.selfSigned && path.length < 12; ) {
    const candidates = given.filter((candidate) => !path.includes(candidate) && issues(x509Of(candidate), x509Of(current)) !== 'no');
    const verified = candidates.find((candidate) => issues(x509Of(candidate), x509Of(current)) === 'verified');
    if (!verified) {
      if (candidates.length) signatureMismatch = {child: current, candidate: candidates[0]};
      break;
    }
    path.push(verified);
    current = verified;
  }
  const top = path[path.length - 1];

  // --- Root -----------------------------------------------------------------------------
  const trust = stores();
  const extraRoots: TrustedRoot[] = [];
  for (const text of options.extraTrustedRootsPem ?? []) {
    for (const block of pemBlocks(text, 'the extra roots')) {
      if (block.label !== 'CERTIFICATE') continue;
      let extra: X509Certificate;
      try {
        extra = new X509Certificate(Buffer.from(block.body, 'base64'));
      } catch (error) {
        throw new CpiMtlsError('invalid-certificate', `The extra trusted roots: the certificate on line ${block.line} cannot be read.`, {cause: error, fix: ['Give the roots file as PEM certificates.']});
      }
      extraRoots.push({x509: extra, summary: summarize(extra)});
    }
  }
  const extraFingerprints = new Set(extraRoots.map((root) => root.summary.fingerprint256));

  let root: CertificateSummary | null = null;
  let rootSource: RootSource = 'unknown';
  let rootSupplied = false;
  let rootByNameOnly: SapRootCa | undefined;
  let publicRootNotListed = false;
  let issuerMissing = false;
  if (top.selfSigned) {
    root = top;
    rootSupplied = true;
    if (trust.sapFingerprints.has(top.fingerprint256)) rootSource = 'sap-list';
    else if (extraFingerprints.has(top.fingerprint256)) rootSource = 'user-trusted';
    else {
      rootSource = 'supplied';
      publicRootNotListed = trust.publicRoots.some((known) => known.x509.fingerprint256.toUpperCase() === top.fingerprint256);
    }
  } else if (!signatureMismatch) {
    // An extra root wins; the SAP-listed roots among Node's are all on SAP's list.
    const trusted = findIssuer(x509Of(top), extraRoots) ?? findIssuer(x509Of(top), trust.sapRoots);
    if (trusted) {
      root = trusted.summary;
      rootSource = trust.sapFingerprints.has(root.fingerprint256) ? 'sap-list' : 'user-trusted';
    } else if ((rootByNameOnly = sapEntryByName(x509Of(top)))) {
      rootSource = 'sap-list';
    } else {
      const fromPublic = findIssuer(x509Of(top), trust.publicRoots);
      if (fromPublic) {
        root = fromPublic.summary;
        publicRootNotListed = true;
      } else {
        issuerMissing = true;
      }
    }
  }
  const intermediates = path.slice(1, rootSupplied ? -1 : undefined);

  // --- Check: client certificate -----------------------------------------------------------
  const leafName = nameOf(leaf);
  if (leaf.isCA) {
    const alone = given.length === 1 && leaf.selfSigned;
    add(
      'leaf',
      'fail',
      alone
        ? `${leafName} is a self-signed CA certificate (basicConstraints CA:TRUE), not a client certificate.`
        : `${leafName} is a CA certificate (basicConstraints CA:TRUE), not a client certificate; ${given.length > 1 ? 'no end-entity certificate was found in the input' : 'it is a root or intermediate, not the certificate issued to your sender'}.`,
      `Use the certificate your CA issued to the sender system (basicConstraints CA:FALSE). ${PLACES_EXPLAINED}`,
    );
  } else if (endEntities.length > 1) {
    const others = endEntities.filter((certificate) => certificate !== leaf).map(nameOf).join(', ');
    add('leaf', 'warn', `${leafName} is used as the client certificate; the input holds other end-entity certificates too (${others}).`, 'Keep one client certificate per file, with its chain. Give the private key (--key) to pick the right one.');
  } else {
    add('leaf', 'pass', `${leafName} is an end-entity certificate (CA:FALSE).`);
  }

  // --- Check: chain completeness and order ---------------------------------------------------
  const unrelated = given.filter((certificate) => !path.includes(certificate));
  const positions = path.map((certificate) => given.indexOf(certificate));
  const inOrder = positions.every((position, index) => index === 0 || position > positions[index - 1]);
  if (signatureMismatch) {
    add(
      'chain',
      'fail',
      `The signature of ${nameOf(signatureMismatch.child)} does not verify with the key of ${nameOf(signatureMismatch.candidate)}, although the names match: this issuer certificate is a different (older or renewed) CA certificate with the same name.`,
      `Download the current issuer certificate for "${signatureMismatch.child.issuer}" from your CA and replace the one in the file.`,
    );
  } else if (issuerMissing) {
    const stopsAtLeaf = top === leaf;
    add(
      'chain',
      'fail',
      `The chain stops at ${nameOf(top)}: the certificate of its issuer "${top.issuer}" is missing${stopsAtLeaf ? ' (an intermediate certificate is needed)' : ''}, and that issuer is not a root on ${LIST_NAME}.`,
      `Add the certificate of "${top.issuer}" to the file after ${nameOf(top)} (your CA's download page, or the "CA Issuers" address in the certificate). The load balancer holds roots only, so the sender must present every intermediate.`,
    );
  } else {
    const shape = [`leaf`, ...intermediates.map(() => 'intermediate'), ...(rootSupplied ? ['root'] : [])].join(' → ');
    if (!inOrder && path.length > 1) {
      add(
        'chain',
        'warn',
        `The chain is complete (${shape}) but the certificates are not in that order in the input.`,
        'Senders must present leaf first, then each issuer. Use the ordered bundle cpi-mtls writes (cpi-mtls cert p12, or the chain PEM), not the original file.',
      );
    } else {
      add('chain', 'pass', `Complete and in order: ${shape}${rootSupplied ? '' : ' (root not supplied; the load balancer has it)'}.`);
    }
  }
  if (unrelated.length) {
    add(
      'unrelated',
      'warn',
      `${unrelated.length} certificate(s) in the input are not part of this chain: ${unrelated.map(nameOf).join(', ')}.`,
      'Remove them from the file the sender presents; extra certificates confuse some TLS stacks and importers.',
    );
  }

  // --- Check: root trusted by SAP's load balancer ---------------------------------------------
  const rootName = root
    ? nameOf(root)
    : rootByNameOnly && `"${rootByNameOnly.commonName ?? rootByNameOnly.organizationalUnit}" (${rootByNameOnly.organization})`;
  if (rootSource === 'sap-list') {
    const how = rootSupplied ? 'matched by SHA-256 fingerprint' : root ? 'not supplied; found as the verified issuer of the last certificate' : "not supplied; matched by the issuer's name only";
    add('root', 'pass', `${rootName} is on ${LIST_NAME} (${how}).`);
  } else if (rootSource === 'user-trusted') {
    add(
      'root',
      'pass',
      `${rootName} is trusted by your choice, not on SAP's list (${LIST_NAME}). The load balancer accepts it only where this root is trusted, e.g. a test landscape or a custom domain with your own trust list.`,
    );
  } else if (publicRootNotListed) {
    add(
      'root',
      options.strictRoots ? 'fail' : 'warn',
      `The root ${rootName} is a public CA but not on ${LIST_NAME}. The list is a proxy, so this may still work.`,
      `Check SAP Note 2801396 for ${rootName}; if it is not there, pick a CA on the list. ${SAP_ALTERNATIVES[0]}`,
    );
  } else if (leaf.selfSigned && path.length === 1) {
    add('root', 'fail', `${leafName} is self-signed. SAP's load balancer accepts only certificates issued by a root CA on its list; self-signed certificates never work on a real tenant.`, SAP_ALTERNATIVES.join(' '));
  } else if (rootSource === 'supplied') {
    add(
      'root',
      'fail',
      `The root ${rootName} is a private CA: it is neither on ${LIST_NAME} nor a public CA. SAP's load balancer drops certificates from private CAs on real tenants, and the request then fails as if no certificate had been sent.`,
      `${SAP_ALTERNATIVES.join(' ')} (If a test landscape or a custom domain with its own trust list trusts this CA, add it as a trusted root: --extra-roots for cert inspect, --trust-root or trustedRoots: for the setup.)`,
    );
  } else {
    add('root', 'warn', 'The root cannot be judged until the chain is complete.', 'Complete the chain first (see above).');
  }

  // --- Check: EKU clientAuth -----------------------------------------------------------------
  const leafEku = leaf.extendedKeyUsage;
  const badIntermediates = intermediates.filter(
    (certificate) => certificate.extendedKeyUsage.length > 0 && !certificate.extendedKeyUsage.includes(OID.clientAuth) && !certificate.extendedKeyUsage.includes(OID.anyExtendedKeyUsage),
  );
  const issuedAt = Date.parse(leaf.notBefore);
  const sunsetNote = `Public CAs began leaving clientAuth out of new TLS certificates in September 2025, and by May 2026 most omit it by default${issuedAt >= EKU_SUNSET_START ? ` (this one was issued on ${isoDay(leaf.notBefore)})` : ''}.`;
  const ekuFix = `Request a certificate with the "TLS Web Client Authentication" extended key usage (a client-authentication product at your CA). ${SAP_ALTERNATIVES[0]} ${SAP_ALTERNATIVES[1]}`;
  if (leafEku.includes(OID.clientAuth)) {
    if (badIntermediates.length) {
      add(
        'eku',
        'fail',
        `${leafName} allows clientAuth, but intermediate ${badIntermediates.map(nameOf).join(', ')} restricts usage to ${badIntermediates[0].extendedKeyUsage.map(extendedKeyUsageName).join(', ')}: TLS stacks that check the whole chain reject the client certificate.`,
        'Ask your CA for a chain issued for client authentication.',
      );
    } else {
      add('eku', 'pass', `${leafName} allows TLS Web Client Authentication (1.3.6.1.5.5.7.3.2).`);
    }
  } else {
    // No clientAuth listed is a failure whatever else the leaf carries: SAP requires clientAuth
    // to be present, and the load balancer drops the handshake without it. "No EKU extension"
    // and "anyExtendedKeyUsage" would allow any use by RFC 5280, but SAP documents clientAuth
    // as mandatory, so they fail too.
    const seen =
      leafEku.length === 0
        ? 'has no extended key usage extension'
        : `lists only ${leafEku.map((oid) => `${extendedKeyUsageName(oid)} (${oid})`).join(', ')}`;
    add(
      'eku',
      'fail',
      `${leafName} ${seen}; TLS Web Client Authentication (clientAuth, ${OID.clientAuth}) is not listed. SAP requires clientAuth in the client certificate, and its load balancer rejects certificates without it during the TLS handshake, before any HTTP status. ${sunsetNote}`,
      ekuFix,
    );
  }

  // --- Check: validity ----------------------------------------------------------------------
  // The path plus a root found in a trust list: what the load balancer judges.
  const judged = [...path, ...(root && !rootSupplied ? [root] : [])];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const certificate of judged) {
    const notBefore = Date.parse(certificate.notBefore);
    const notAfter = Date.parse(certificate.notAfter);
    const label = certificate === leaf ? leafName : `${certificate === root ? 'root' : 'intermediate'} ${nameOf(certificate)}`;
    if (notBefore > now.getTime()) problems.push(`${label} is not valid before ${isoDay(certificate.notBefore)}`);
    else if (notAfter < now.getTime()) problems.push(`${label} expired on ${isoDay(certificate.notAfter)}`);
    else if (notAfter - now.getTime() < expiryDays * DAY_MS) {
      warnings.push(`${label} expires on ${isoDay(certificate.notAfter)} (in ${Math.max(0, daysUntil(certificate.notAfter, now))} days)`);
    }
  }
  if (problems.length) {
    add('validity', 'fail', `${problems.join('; ')}.`, 'Get a new certificate (or check the clock of this computer if the dates look wrong).');
  } else if (warnings.length) {
    add('validity', 'warn', `${warnings.join('; ')}.`, 'Plan the renewal now: with certificate pinning a renewed certificate needs a new service key.');
  } else {
    add('validity', 'pass', `Valid from ${isoDay(leaf.notBefore)} to ${isoDay(leaf.notAfter)} (${daysUntil(leaf.notAfter, now)} days left).`);
  }

  // --- Check: private key matches -----------------------------------------------------------
  if (input.privateKeyPem) {
    if (!privateKey) {
      add('key-match', 'fail', 'The private key given cannot be read.', 'Give the key as PEM (PKCS#8 or PKCS#1); decrypt it first if it is encrypted.');
    } else if (keyOwner === leaf) {
      add('key-match', 'pass', `The private key belongs to ${leafName}.`);
    } else {
      add(
        'key-match',
        'fail',
        `The private key does not belong to ${leafName}${keyOwner ? ` (it belongs to ${nameOf(keyOwner)})` : ''}. TLS with this pair fails.`,
        'Find the key that was generated together with the CSR for this certificate (same folder, same date), or create a new key and CSR with: cpi-mtls cert new',
      );
    }
  }

  // --- Check: key strength and signature algorithm --------------------------------------------
  const strengthProblems: string[] = [];
  const strengthWarnings: string[] = [];
  for (const certificate of judged) {
    const label = certificate === leaf ? leafName : nameOf(certificate);
    const key = certificate.publicKey;
    if (key.type === 'RSA' && (key.bits ?? 0) < 2048) strengthProblems.push(`${label} has an RSA key of ${key.bits} bits (at least 2048 are required)`);
    else if (key.type === 'DSA') strengthProblems.push(`${label} has a DSA key, which TLS clients no longer accept`);
    else if (key.type === 'EC' && !['P-256', 'P-384', 'P-521'].includes(key.curve ?? '')) strengthWarnings.push(`${label} uses the curve ${key.curve}, which many TLS stacks do not support`);
    else if (key.type !== 'RSA' && key.type !== 'EC') strengthWarnings.push(`${label} has a ${key.type} key; support by SAP's load balancer is unconfirmed`);
    // A root's own signature is never checked by anyone, so SHA-1 there is harmless.
    if (!certificate.selfSigned && isWeakSignatureAlgorithm(certificate.signatureAlgorithm)) {
      strengthProblems.push(`${label} is signed with ${certificate.signatureAlgorithm}, which is no longer accepted`);
    }
  }
  if (strengthProblems.length) {
    add('key-strength', 'fail', `${strengthProblems.join('; ')}.`, 'Create a new key (RSA 2048+ or EC P-256) and CSR with: cpi-mtls cert new, and have it signed with SHA-256.');
  } else if (strengthWarnings.length) {
    add('key-strength', 'warn', `${strengthWarnings.join('; ')}.`, 'Prefer RSA 2048+ or EC P-256/P-384.');
  } else {
    add('key-strength', 'pass', `${keyName(leaf.publicKey)}, ${leaf.signatureAlgorithm ?? 'unknown signature'}.`);
  }

  return {leaf, intermediates, root, rootSource, chainInOrder: path, checks, verdict: worst(checks)};
}

function safeCheckKey(x509: X509Certificate, key: KeyObject): boolean {
  try {
    return x509.checkPrivateKey(key);
  } catch {
    return false;
  }
}
