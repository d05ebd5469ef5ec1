/**
 * Trust anchors for the server side of the probe: Node's bundled root store, the caller's extra
 * CAs, and NODE_EXTRA_CA_CERTS (common behind corporate proxies and in test landscapes). The
 * handshake runs with an empty CA list to see exactly what the server sends, so Node never applies
 * that variable and the probe reads the file itself; a broken file is a warning, never a crash.
 */
import {X509Certificate} from 'node:crypto';
import {readFile, stat} from 'node:fs/promises';
import tls from 'node:tls';
import {certificatePems} from '../certs/pem-text.js';
import {isIssuedBy, sha256Fingerprint} from '../certs/x509.js';

export const NODE_EXTRA_CA_CERTS = 'NODE_EXTRA_CA_CERTS';
/** A CA bundle with every public root is a few hundred kilobytes. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

export interface EnvTrustAnchors {
  /** The file named by NODE_EXTRA_CA_CERTS; absent when the variable is not set. */
  file?: string;
  certificates: X509Certificate[];
  /** Why the file (or part of it) could not be used. */
  warnings: string[];
}

function unusable(file: string, why: string): EnvTrustAnchors {
  return {
    file,
    certificates: [],
    warnings: [`${NODE_EXTRA_CA_CERTS} points to ${file}, which ${why}; the probe checks the server without those CAs. Fix the variable (a PEM file of CA certificates, "-----BEGIN CERTIFICATE-----") or unset it.`],
  };
}

/** Reads the CA certificates named by NODE_EXTRA_CA_CERTS in `env`. Never throws. */
export async function readNodeExtraCaCerts(env: NodeJS.ProcessEnv): Promise<EnvTrustAnchors> {
  const file = env[NODE_EXTRA_CA_CERTS]?.trim();
  if (!file) return {certificates: [], warnings: []};
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return unusable(file, 'is a folder, not a file');
    if (!info.isFile()) return unusable(file, 'is not a regular file');
    if (info.size > MAX_BUNDLE_BYTES) return unusable(file, `is ${Math.round(info.size / 1024 / 1024)} MB, too large for a CA bundle (at most 5 MB)`);
    text = (await readFile(file)).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unusable(file, code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`);
  }
  const blocks = certificatePems(text);
  if (blocks.length === 0) return unusable(file, 'holds no PEM certificate');
  const certificates: X509Certificate[] = [];
  const damaged: number[] = [];
  blocks.forEach((block, index) => {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      damaged.push(index + 1);
    }
  });
  if (certificates.length === 0) return unusable(file, 'holds only certificates that cannot be read');
  const warnings = damaged.length
    ? [`${NODE_EXTRA_CA_CERTS} (${file}): certificate ${damaged.join(', ')} of ${blocks.length} cannot be read and is ignored; the others are used.`]
    : [];
  return {file, certificates, warnings};
}

function findIssuer(cert: X509Certificate, candidates: X509Certificate[]): X509Certificate | undefined {
  return candidates.find((candidate) => isIssuedBy(cert, candidate));
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
  private readonly parsed: X509Certificate[] = [];

  get size(): number {
    return this.ders.length;
  }

  has(cert: X509Certificate): boolean {
    this.fingerprints ??= new Set(this.ders.map(sha256Fingerprint));
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
      if (bytes.every((needle) => der.includes(needle))) candidates.push((this.parsed[index] ??= new X509Certificate(der)));
    });
    // A name stored in an unusual encoding (BMPString, escapes) would be missed by the byte search.
    return findIssuer(cert, candidates) ?? this.fullPool().issuerOf(cert);
  }

  private fullPool(): CertificatePool {
    this.full ??= new CertificatePool(this.ders.map((der) => new X509Certificate(der)));
    return this.full;
  }
}

let nodeRoots: NodeRootStore | undefined;

export function nodeRootStore(): TrustPool {
  nodeRoots ??= new NodeRootStore();
  return nodeRoots;
}

/** Parses caller-supplied CA files; says which one is broken. */
export function extraCaPool(pems: string[] | undefined): CertificatePool {
  const certs = (pems ?? []).flatMap((text, index) => {
    const blocks = certificatePems(text);
    if (blocks.length === 0) throw new Error(`extra CA #${index + 1} contains no PEM certificate`);
    return blocks.map((block) => new X509Certificate(block));
  });
  return new CertificatePool(certs, 'caller');
}
