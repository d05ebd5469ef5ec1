/**
 * Reads whatever a user brings as "my certificate": PEM (one or many blocks, any order, text
 * around them), DER, PKCS#12, a private key, or an SAP service key of type `certificate`.
 * Everything ends up as CertificateSummary objects plus an optional unencrypted PKCS#8 key
 * (kept in memory only, never logged).
 */
import {X509Certificate, createPrivateKey, type KeyObject} from 'node:crypto';
import {readFile, stat} from 'node:fs/promises';
import type {CertificateSummary} from '../ports.js';
import {CpiMtlsError} from '../errors.js';
import {TAG, parseDer} from './der.js';
import {normalisePemText} from './pem-text.js';
import {looksLikePkcs12, readPkcs12} from './pkcs12.js';
import {summarize} from './x509.js';

type CertificateInputKind = 'pem' | 'der' | 'pkcs12' | 'service-key' | 'private-key';

export interface CertificateInput {
  kind: CertificateInputKind;
  certificates: CertificateSummary[];
  /** Unencrypted PKCS#8 PEM. Never logged or printed. */
  privateKeyPem?: string;
  path: string;
}

export interface LoadOptions {
  /** PKCS#12 password (also tried for an encrypted key when no passphrase is given). */
  password?: string;
  /** Passphrase of an encrypted private key (also tried for PKCS#12 when no password is given). */
  passphrase?: string;
}

/**
 * Certificate, key, PKCS#12 and service-key files are a few kilobytes; a CA bundle with every
 * public root is a few hundred. Anything larger is the wrong file, and is refused before reading.
 */
export const MAX_INPUT_BYTES = 1024 * 1024;

const ACCEPTED_FORMATS =
  'Accepted: PEM (.pem/.crt/.cer, one or several certificates), DER (.cer/.crt/.der), PKCS#12 (.p12/.pfx), a private key (PEM or DER), or a service key JSON of key type "certificate".';

// ---------------------------------------------------------------------------------------------
// Text helpers

interface PemBlock {
  label: string;
  /** Whole block including BEGIN/END lines. */
  text: string;
  /** Base64 body without headers (e.g. Proc-Type) and whitespace. */
  body: string;
  line: number;
}

/** Splits PEM text into blocks; a BEGIN without its END is a truncated file. */
export function pemBlocks(text: string, where = 'the input'): PemBlock[] {
  const normalized = normalisePemText(text);
  const blocks: PemBlock[] = [];
  const beginPattern = /-----BEGIN ([A-Z0-9 ]+)-----/g;
  let match: RegExpExecArray | null;
  while ((match = beginPattern.exec(normalized))) {
    const label = match[1];
    const endMarker = `-----END ${label}-----`;
    const endIndex = normalized.indexOf(endMarker, match.index);
    const nextBegin = normalized.indexOf('-----BEGIN ', match.index + match[0].length);
    const line = normalized.slice(0, match.index).split('\n').length;
    if (endIndex < 0 || (nextBegin >= 0 && nextBegin < endIndex)) {
      throw new CpiMtlsError('truncated-pem', `${where}: the ${label} block that starts on line ${line} has no "${endMarker}" line; the file is cut off or damaged.`, {
        fix: ['Copy the whole block again, from the BEGIN line down to and including the END line.'],
        details: {line, label},
      });
    }
    const inner = normalized.slice(match.index + match[0].length, endIndex);
    const body = inner
      .split('\n')
      .filter((row) => !row.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    blocks.push({label, text: normalized.slice(match.index, endIndex + endMarker.length) + '\n', body, line});
    beginPattern.lastIndex = endIndex + endMarker.length;
  }
  return blocks;
}

function certificateFromDer(buffer: Buffer): X509Certificate {
  // TRUSTED CERTIFICATE blocks carry extra data after the certificate; keep the certificate only.
  const element = parseDer(buffer);
  return new X509Certificate(element.raw);
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'DSA PRIVATE KEY']);

function damagedCertificate(where: string, block: PemBlock, index: number, cause: unknown): CpiMtlsError {
  return new CpiMtlsError('invalid-certificate', `${where}: certificate ${index + 1} (line ${block.line}) cannot be read; its content is damaged or incomplete.`, {
    cause,
    fix: ['Copy the certificate again without changing the lines between BEGIN and END, or download it again from your CA.'],
    details: {line: block.line},
  });
}

function certificatesFromBlocks(blocks: PemBlock[], where: string): CertificateSummary[] {
  return blocks
    .filter((block) => CERTIFICATE_LABELS.has(block.label))
    .map((block, index) => {
      try {
        return summarize(certificateFromDer(Buffer.from(block.body, 'base64')));
      } catch (error) {
        throw damagedCertificate(where, block, index, error);
      }
    });
}

/** All certificates in a text (PEM blocks in any order, text around them allowed). */
export function parseCertificatesFromText(text: string): CertificateSummary[] {
  return certificatesFromBlocks(pemBlocks(text), 'the text');
}

// ---------------------------------------------------------------------------------------------
// Private keys

function isMissingPassphrase(error: unknown): boolean {
  const code = (error as {code?: string}).code;
  // Node reports an encrypted PKCS#8 key without passphrase as "interrupted or cancelled".
  return code === 'ERR_MISSING_PASSPHRASE' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' || /passphrase required|interrupted or cancelled/i.test(String((error as Error).message));
}

function isBadDecrypt(error: unknown): boolean {
  const text = `${(error as {code?: string}).code ?? ''} ${(error as Error).message ?? ''}`;
  return /bad decrypt|BAD_DECRYPT|unable to decrypt|wrong password|maybe wrong password/i.test(text);
}

function keyPasswordError(where: string, given: boolean, cause: unknown): CpiMtlsError {
  if (!given) {
    return new CpiMtlsError('password-required', `The private key in ${where} is encrypted.`, {
      cause,
      fix: ['Give its passphrase (type it when asked, or use --password-file FILE).'],
      details: {path: where},
    });
  }
  return new CpiMtlsError('wrong-password', `The passphrase does not decrypt the private key in ${where}.`, {
    cause,
    fix: ['Check the passphrase (it is case-sensitive).'],
    details: {path: where},
  });
}

function toPkcs8Pem(key: KeyObject): string {
  return key.export({type: 'pkcs8', format: 'pem'}).toString();
}

function privateKeyFromPem(blockText: string, passphrase: string | undefined, where: string): string {
  try {
    return toPkcs8Pem(createPrivateKey(passphrase === undefined ? {key: blockText, format: 'pem'} : {key: blockText, format: 'pem', passphrase}));
  } catch (error) {
    if (isMissingPassphrase(error)) throw keyPasswordError(where, false, error);
    if (isBadDecrypt(error) && (passphrase !== undefined || /ENCRYPTED/.test(blockText))) throw keyPasswordError(where, passphrase !== undefined, error);
    throw new CpiMtlsError('invalid-private-key', `${where}: the private key cannot be read; it is damaged or in a format that is not supported.`, {
      cause: error,
      fix: ['Export the key again as PEM (PKCS#8, "BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY").'],
    });
  }
}

function privateKeyFromDer(buffer: Buffer, passphrase: string | undefined, where: string): string | undefined {
  // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
  let encrypted = false;
  try {
    const node = parseDer(buffer);
    encrypted = node.children.length === 2 && node.children[0].tag === TAG.SEQUENCE && node.children[1].tag === TAG.OCTET_STRING;
  } catch {
    return undefined;
  }
  if (encrypted) {
    try {
      return toPkcs8Pem(createPrivateKey({key: buffer, format: 'der', type: 'pkcs8', passphrase: passphrase ?? ''}));
    } catch (error) {
      throw keyPasswordError(where, passphrase !== undefined, error);
    }
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return toPkcs8Pem(createPrivateKey({key: buffer, format: 'der', type}));
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

/** Picks the key that belongs to one of the certificates, else the first one. */
function chooseKey(keys: string[], certificates: CertificateSummary[]): string | undefined {
  if (keys.length <= 1) return keys[0];
  for (const keyPem of keys) {
    const key = createPrivateKey(keyPem);
    if (certificates.some((certificate) => new X509Certificate(certificate.pem).checkPrivateKey(key))) return keyPem;
  }
  return keys[0];
}

// ---------------------------------------------------------------------------------------------
// Service keys

export interface ServiceKeyMaterial {
  /** The `certificate` (or `X.509`) field with real line breaks: leaf first, then the chain. */
  certificatePem: string;
  /** The `key` field with real line breaks, when the key carries one (SAP-generated). */
  keyPem?: string;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Finds certificate and key in service-key credentials, whatever the wrapping: the whole
 * `cf service-key` JSON (v8 `credentials` wrapper or v7 root), the credentials object, or the
 * `oauth` object itself. Returns undefined when there is no certificate.
 */
export function serviceKeyMaterial(credentials: unknown): ServiceKeyMaterial | undefined {
  let root = asRecord(credentials);
  if (!root) return undefined;
  const wrapped = asRecord(root.credentials);
  if (wrapped) root = wrapped;
  const oauth = asRecord(root.oauth);
  const pick = (field: string): unknown => oauth?.[field] ?? root?.[field];
  const certificate = pick('certificate') ?? pick('X.509');
  if (typeof certificate !== 'string' || certificate.trim() === '') return undefined;
  const key = pick('key');
  return {
    certificatePem: normalisePemText(certificate),
    ...(typeof key === 'string' && key.trim() !== '' ? {keyPem: normalisePemText(key)} : {}),
  };
}

/** Parses `cf service-key` output (with its "Getting key ..." header) or plain JSON. */
function parseServiceKeyText(text: string, where: string): unknown {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trimStart().startsWith('{'));
  if (start < 0) throw new CpiMtlsError('invalid-json', `${where} contains no JSON object.`, {fix: ['Save the output of: cf service-key INSTANCE KEY > key.json']});
  const json = lines.slice(start).join('\n');
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new CpiMtlsError('invalid-json', `${where} looks like a service key, but its JSON is not valid (${(error as Error).message}).`, {
      cause: error,
      fix: ['Save the key again (cf service-key INSTANCE KEY > key.json) or copy the whole JSON including the closing brace.'],
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Loader

async function readInputFile(path: string): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as {code?: string}).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CpiMtlsError('file-not-found', `File not found: ${path}`, {fix: ['Check the path and the file name (including its extension).'], details: {path}});
    }
    throw new CpiMtlsError('file-not-readable', `Cannot read ${path}: ${(error as Error).message}`, {cause: error, details: {path}});
  }
  if (info.isDirectory()) {
    throw new CpiMtlsError('not-a-file', `${path} is a folder, not a file.`, {fix: ['Give the certificate file inside the folder, e.g. ' + `${path.replace(/[\\/]+$/, '')}/client.pem`], details: {path}});
  }
  if (!info.isFile()) throw new CpiMtlsError('not-a-file', `${path} is not a regular file.`, {details: {path}});
  if (info.size === 0) throw new CpiMtlsError('empty-file', `${path} is empty.`, {fix: ['Save the certificate into the file again; the file has 0 bytes.'], details: {path}});
  if (info.size > MAX_INPUT_BYTES) {
    throw new CpiMtlsError('file-too-large', `${path} is ${(info.size / 1024 / 1024).toFixed(1)} MiB, too large for a certificate file: expected a certificate, chain, private key, PKCS#12 or service key file of a few kilobytes (at most 1 MiB).`, {
      fix: ['Check that you picked the right file (not a log, an archive or a backup).', ACCEPTED_FORMATS],
      details: {path, bytes: info.size, maxBytes: MAX_INPUT_BYTES},
    });
  }
  try {
    return await readFile(path);
  } catch (error) {
    throw new CpiMtlsError('file-not-readable', `Cannot read ${path}: ${(error as Error).message}`, {cause: error, fix: ['Check the file permissions.'], details: {path}});
  }
}

function decodeText(buffer: Buffer): string | undefined {
  // PowerShell 5 writes UTF-16LE with a byte-order mark when output is redirected.
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  if (buffer[0] === 0xfe && buffer[1] === 0xff) return Buffer.from(buffer.subarray(2)).swap16().toString('utf16le');
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  const text = buffer.subarray(start).toString('utf8');
  // Binary data decodes with replacement characters or control bytes; treat that as not text.
  // eslint-disable-next-line no-control-regex
  if (/\uFFFD|[\u0000-\u0008\u000E-\u001F]/.test(text)) return undefined;
  return text;
}

function unrecognized(path: string, what: string): CpiMtlsError {
  return new CpiMtlsError('unrecognized-format', `${path} ${what}.`, {fix: [ACCEPTED_FORMATS], details: {path}});
}

function fromPemText(text: string, path: string, options: LoadOptions): CertificateInput {
  const blocks = pemBlocks(text, path);
  const certificates = certificatesFromBlocks(blocks, path);
  const passphrase = options.passphrase ?? options.password;
  const keys = blocks.filter((block) => KEY_LABELS.has(block.label)).map((block) => privateKeyFromPem(block.text, passphrase, path));
  const labels = new Set(blocks.map((block) => block.label));
  if (certificates.length === 0 && keys.length === 0) {
    if (labels.has('CERTIFICATE REQUEST') || labels.has('NEW CERTIFICATE REQUEST')) {
      throw new CpiMtlsError('csr-not-certificate', `${path} is a certificate signing request (CSR), not a certificate.`, {
        fix: ['Send the CSR to your certificate authority; inspect the certificate it returns.'],
        details: {path},
      });
    }
    if (labels.has('PKCS7')) {
      throw new CpiMtlsError('pkcs7-not-supported', `${path} is a PKCS#7 bundle (.p7b).`, {
        fix: [`Convert it to PEM first: openssl pkcs7 -print_certs -in ${path} -out chain.pem`],
        details: {path},
      });
    }
    throw unrecognized(path, `has PEM blocks (${[...labels].join(', ')}) but no certificate or private key`);
  }
  const privateKeyPem = chooseKey(keys, certificates);
  return {kind: certificates.length ? 'pem' : 'private-key', certificates, ...(privateKeyPem ? {privateKeyPem} : {}), path};
}

function fromServiceKey(text: string, path: string, options: LoadOptions): CertificateInput {
  const material = serviceKeyMaterial(parseServiceKeyText(text, path));
  if (!material) {
    throw new CpiMtlsError('no-certificate-in-key', `${path} is JSON but holds no certificate; it is not a service key of key type "certificate".`, {
      fix: ['ClientId/Secret keys have no certificate. Create a key with {"key-type": "certificate"} or inspect your own certificate file instead.'],
      details: {path},
    });
  }
  const certificates = certificatesFromBlocks(pemBlocks(material.certificatePem, `${path} (field "certificate")`), `${path} (field "certificate")`);
  if (certificates.length === 0) {
    throw new CpiMtlsError('invalid-certificate', `${path}: the "certificate" field holds no PEM certificate.`, {fix: ['Create a new service key; this one looks damaged.'], details: {path}});
  }
  const keyBlock = material.keyPem ? pemBlocks(material.keyPem, `${path} (field "key")`).find((block) => KEY_LABELS.has(block.label)) : undefined;
  const privateKeyPem = keyBlock ? privateKeyFromPem(keyBlock.text, options.passphrase ?? options.password, `${path} (field "key")`) : undefined;
  return {kind: 'service-key', certificates, ...(privateKeyPem ? {privateKeyPem} : {}), path};
}

async function fromBinary(buffer: Buffer, path: string, options: LoadOptions): Promise<CertificateInput> {
  if (buffer[0] !== TAG.SEQUENCE) throw unrecognized(path, 'is neither PEM text nor a DER, PKCS#12 or JSON file');
  try {
    const x509 = new X509Certificate(buffer);
    return {kind: 'der', certificates: [summarize(x509)], path};
  } catch {
    // not a DER certificate; try the other binary forms
  }
  if (looksLikePkcs12(buffer)) {
    const contents = await readPkcs12(buffer, options.password ?? options.passphrase, path);
    const certificates = contents.certificates.map((certificate) => summarize(new X509Certificate(certificate)));
    const keys = contents.privateKeys.map((key) => toPkcs8Pem(createPrivateKey({key, format: 'der', type: 'pkcs8'})));
    const privateKeyPem = chooseKey(keys, certificates);
    return {kind: 'pkcs12', certificates, ...(privateKeyPem ? {privateKeyPem} : {}), path};
  }
  const privateKeyPem = privateKeyFromDer(buffer, options.passphrase ?? options.password, path);
  if (privateKeyPem) return {kind: 'private-key', certificates: [], privateKeyPem, path};
  throw unrecognized(path, 'is binary (DER) but neither a certificate, a PKCS#12 file nor a private key; it may be truncated');
}

/**
 * Loads a certificate file of any supported kind. Throws CpiMtlsError with a code a UI can act
 * on: 'password-required' / 'wrong-password' (prompt and retry), 'file-not-found',
 * 'not-a-file', 'empty-file', 'truncated-pem', 'invalid-certificate', 'unrecognized-format', ...
 */
export async function loadCertificateInput(path: string, options: LoadOptions = {}): Promise<CertificateInput> {
  const buffer = await readInputFile(path);
  const text = decodeText(buffer);
  if (text !== undefined) {
    if (normalisePemText(text).includes('-----BEGIN ')) {
      const trimmed = text.trimStart();
      // A service key holds PEM inside JSON strings; look at the JSON first.
      if (!trimmed.startsWith('-----BEGIN') && /^\s*\{/m.test(text) && /"(certificate|X\.509|credentials|oauth)"/.test(text)) {
        return fromServiceKey(text, path, options);
      }
      return fromPemText(text, path, options);
    }
    if (/^\s*\{/m.test(text)) return fromServiceKey(text, path, options);
    const compact = text.replace(/\s+/g, '');
    // Bare base64 of a DER certificate (the body of a PEM block without its BEGIN/END lines).
    if (compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
      try {
        return {kind: 'der', certificates: [summarize(certificateFromDer(Buffer.from(compact, 'base64')))], path};
      } catch {
        throw unrecognized(path, 'contains base64 text that is not a certificate (BEGIN/END lines missing?)');
      }
    }
    if (buffer[0] !== TAG.SEQUENCE) throw unrecognized(path, 'is text without any PEM block ("-----BEGIN CERTIFICATE-----")');
  }
  return fromBinary(buffer, path, options);
}
