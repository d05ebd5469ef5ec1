/**
 * Server side of the probe: the chain the load balancer sends, completed to its root, and
 * whether a sender with a standard trust store will trust it.
 */
import {X509Certificate} from 'node:crypto';
import tls from 'node:tls';
import {oneLineDn} from '../../flows/dn.js';
import {classifyError, openTls, type OpenTlsOptions} from './connect.js';
import type {ChainEntry} from './files.js';
import {type CertificatePool, type ExtraCaOrigin, type TrustPool, nodeRootStore} from './trust-anchors.js';
import type {CertificateSource, ProbeCertificate, ProbeRootInfo, ProbeServerSide} from './types.js';
import {isIssuedBy, isSelfSigned, issuerUrls} from '../certs/x509.js';

export interface CaptureOptions extends Omit<OpenTlsOptions, 'tlsOptions'> {
  extraCas: CertificatePool;
  fetchIssuers: boolean;
  outputDir?: string;
  /** The NODE_EXTRA_CA_CERTS file whose CAs are in extraCas (for the notes). */
  nodeExtraCaFile?: string;
}

const MAX_AIA_FETCHES = 3;
const AIA_TIMEOUT_MS = 5_000;

/** The certificates the server sent, leaf first, in issuing order (Node links them for us). */
function sentChain(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let current: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}

/**
 * Validates like OpenSSL would with Node's root store plus the extra CAs: a path from the leaf
 * through the sent certificates to a trust anchor, validity dates, and the host name. Done
 * here rather than by the handshake because the handshake must run with an empty store to
 * see exactly which certificates the server sent (Node fills the chain from its store).
 */
function evaluateTrust(sent: X509Certificate[], anchors: TrustPool[], host: string, now: Date): {trusted: boolean; error?: string} {
  if (sent.length === 0) return {trusted: false, error: 'NO_PEER_CERTIFICATE'};
  const path: X509Certificate[] = [];
  let anchored = false;
  for (let index = 0; index < sent.length; index++) {
    const cert = sent[index];
    path.push(cert);
    if (anchors.some((pool) => pool.has(cert))) {
      anchored = true;
      break;
    }
    const issuer = anchors.map((pool) => pool.issuerOf(cert)).find(Boolean);
    if (issuer) {
      path.push(issuer);
      anchored = true;
      break;
    }
    if (isSelfSigned(cert)) return {trusted: false, error: index === 0 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN'};
    const next = sent[index + 1];
    if (!next || !isIssuedBy(cert, next)) return {trusted: false, error: index === 0 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'};
  }
  if (!anchored) return {trusted: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'};
  for (const cert of path) {
    if (now < new Date(cert.validFrom)) return {trusted: false, error: 'CERT_NOT_YET_VALID'};
    if (now > new Date(cert.validTo)) return {trusted: false, error: 'CERT_HAS_EXPIRED'};
  }
  const identityError = tls.checkServerIdentity(host, sent[0].toLegacyObject());
  if (identityError) return {trusted: false, error: (identityError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'};
  return {trusted: true};
}

export async function captureServerSide(options: CaptureOptions): Promise<ProbeServerSide> {
  const {host, port} = options;
  const base = {host, port, tls: {protocol: null, cipher: null}, chain: [], root: {found: false, source: 'not-found', publicCa: false, note: 'The server side was not reached.'} as ProbeRootInfo, trustedBySystem: false, hostnameMatches: false, interception: false, warnings: [] as string[]};
  let opened;
  try {
    // An empty CA list keeps Node from appending its own root to the peer chain.
    opened = await openTls({...options, tlsOptions: {ca: []}});
  } catch (error) {
    const failure = classifyError(error, 'tls', host, port);
    if (failure.kind === 'cancelled') throw error;
    return {...base, error: failure};
  }
  const {socket} = opened;
  const captured = captureFromSocket(socket, opened.servername, opened.via);
  socket.destroy();
  return analyseServerChain(captured, options);
}

/** What one handshake showed of the server. */
export interface CapturedHandshake {
  protocol: string | null;
  cipher: string | null;
  sent: X509Certificate[];
  servername?: string;
  via?: string;
}

export function captureFromSocket(socket: tls.TLSSocket, servername?: string, via?: string): CapturedHandshake {
  return {protocol: socket.getProtocol(), cipher: socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? null, sent: sentChain(socket), servername, via};
}

function describeCertificate(cert: X509Certificate, source: CertificateSource): ProbeCertificate {
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
    pem: cert.toString(),
  };
}

/** Completes the chain to its root, judges trust and interception, and saves the files. */
export async function analyseServerChain(captured: CapturedHandshake, options: CaptureOptions): Promise<ProbeServerSide> {
  const {host, port} = options;
  const {protocol, cipher, sent, servername, via} = captured;
  const roots = nodeRootStore();
  const extra = options.extraCas;
  const warnings: string[] = [];
  const entries: Array<{cert: X509Certificate; source: CertificateSource}> = sent.map((cert) => ({cert, source: 'sent-by-server' as const}));
  let aiaUrl: string | undefined;
  let fetches = 0;
  let top = sent[sent.length - 1];
  while (top && !isSelfSigned(top)) {
    let issuer: X509Certificate | undefined = roots.issuerOf(top);
    let source: CertificateSource = 'node-root-store';
    if (!issuer) {
      issuer = extra.issuerOf(top);
      source = 'extra-ca';
    }
    if (!issuer && options.fetchIssuers) {
      for (const url of issuerUrls(top)) {
        if (fetches >= MAX_AIA_FETCHES) break;
        fetches++;
        options.onStage?.(`fetching issuer certificate from ${url}`);
        try {
          const {fetchIssuerCertificate} = await import('./aia.js');
          const fetched = await fetchIssuerCertificate(url, {timeoutMs: AIA_TIMEOUT_MS, signal: options.signal, env: options.env});
          if (isIssuedBy(top, fetched)) {
            issuer = fetched;
            source = 'aia';
            aiaUrl = url;
            break;
          }
          warnings.push(`The issuer URL ${url} returned a certificate that did not issue ${oneLineDn(top.subject)}.`);
        } catch (error) {
          options.signal?.throwIfAborted();
          warnings.push(`Could not fetch the issuer certificate from ${url}: ${(error as Error).message}.`);
        }
      }
    }
    if (!issuer) break;
    entries.push({cert: issuer, source});
    top = issuer;
  }

  const last = entries[entries.length - 1];
  const rootFound = Boolean(last && isSelfSigned(last.cert));
  const publicCa = rootFound && roots.has(last.cert);
  // The root itself, or (when the chain stops early) the last certificate, may be an extra anchor.
  const anchorEntry = [...entries].reverse().find((entry) => extra.has(entry.cert));
  const extraCaOrigin = anchorEntry ? extra.originOf(anchorEntry.cert) : undefined;
  const rootInfo: ProbeRootInfo = rootFound
    ? {
        found: true,
        source: last.source,
        subject: oneLineDn(last.cert.subject),
        fingerprint256: last.cert.fingerprint256,
        publicCa,
        ...(last.source === 'aia' ? {aiaUrl} : {}),
        ...(extraCaOrigin ? {extraCaOrigin} : {}),
        note: rootNote(last.source, publicCa, extraCaOrigin, options.nodeExtraCaFile),
      }
    : {found: false, source: 'not-found', publicCa: false, ...(aiaUrl ? {aiaUrl} : {}), note: `No root found for ${top ? oneLineDn(top.issuer) : 'the chain'}: not sent by the server, not in Node's root store${extra.size ? ' or the extra CAs' : ''}${options.fetchIssuers ? ', and not reachable through the issuer URL' : ''}.`};

  const now = new Date();
  const verdict = evaluateTrust(sent, [roots, extra], host, now);
  const hostnameMatches = sent.length > 0 && !tls.checkServerIdentity(host, sent[0].toLegacyObject());
  // A root the caller or NODE_EXTRA_CA_CERTS vouches for is expected, wherever the chain got it from.
  const interception = sent.length > 0 && !publicCa && !anchorEntry;
  if (interception) {
    warnings.push(
      `The server chain ends at ${rootFound ? oneLineDn(last.cert.subject) : 'an unknown root'}, which is not a public CA from Node's root store. If this URL is an SAP runtime, a TLS-inspecting proxy or firewall sits between you and SAP: the root you would download is the proxy's, not SAP's. Do not import it into the sender; take the root from a machine without the proxy, or from SAP's list (DigiCert Global Root G2).`,
    );
  }
  if (!hostnameMatches && sent.length > 0) warnings.push(`The server certificate does not name ${host}: a sender that checks host names will refuse it.`);
  if (protocol && /^(TLSv1|TLSv1\.1|SSLv3)$/.test(protocol)) warnings.push(`Negotiated ${protocol}: SAP requires TLS 1.2 or later.`);
  if (rootInfo.source === 'aia') warnings.push('The root was fetched from the issuer URL in the certificate; the sender must have it in its trust store.');
  for (const entry of entries.slice(sent.length)) {
    if (entry.source === 'aia' && !isSelfSigned(entry.cert)) {
      warnings.push(`The server did not send the intermediate ${oneLineDn(entry.cert.subject)} (fetched from its issuer URL instead); senders that do not fetch issuer URLs, such as most Java and ABAP clients, will fail to validate the server.`);
    }
  }
  for (const cert of sent) {
    const daysLeft = (new Date(cert.validTo).getTime() - now.getTime()) / 86_400_000;
    if (daysLeft >= 0 && daysLeft < 30) warnings.push(`${oneLineDn(cert.subject)} expires in ${Math.floor(daysLeft)} days.`);
  }

  const result: ProbeServerSide = {
    host,
    port,
    ...(servername ? {servername} : {}),
    ...(via ? {via} : {}),
    tls: {protocol, cipher},
    chain: entries.map(({cert, source}) => describeCertificate(cert, source)),
    root: rootInfo,
    trustedBySystem: verdict.trusted,
    ...(verdict.error ? {authorizationError: verdict.error} : {}),
    hostnameMatches,
    interception,
    warnings,
  };
  if (options.outputDir && entries.length > 0) {
    const chainEntries: ChainEntry[] = entries.map(({cert}, index) => ({
      cert,
      role: index === 0 ? 'server' : rootFound && index === entries.length - 1 ? 'root' : 'intermediate',
    }));
    // fflate is loaded only when files are written.
    const {writeChainFiles} = await import('./files.js');
    result.files = await writeChainFiles(options.outputDir, chainEntries);
  }
  return result;
}

function rootNote(source: CertificateSource, publicCa: boolean, origin: ExtraCaOrigin | undefined, nodeExtraCaFile: string | undefined): string {
  const extraName = origin === 'NODE_EXTRA_CA_CERTS' ? `NODE_EXTRA_CA_CERTS (${nodeExtraCaFile ?? 'file'})` : 'the extra CA certificates supplied';
  switch (source) {
    case 'sent-by-server':
      if (publicCa) return 'The server sent its root; it is also in Node\'s root store.';
      return origin ? `The server sent its root; it is not a public CA, but it is in ${extraName}.` : 'The server sent its root; it is not a public CA.';
    case 'node-root-store':
      return 'The server did not send its root; found in Node\'s root store (public CAs).';
    case 'extra-ca':
      return `The server did not send its root; found in ${extraName}.`;
    case 'aia':
      return 'The server did not send its root; downloaded from the issuer URL (AIA caIssuers) in the certificate.';
  }
}
