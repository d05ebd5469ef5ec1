/**
 * Files for the sender system: SAP-generated key material, PKCS#12, PEM bundles, and a curl
 * line to try them. Every write is atomic (temp file + rename in the same folder), keys and
 * PKCS#12 files get mode 0600, and a failed write leaves no partial file behind.
 */
import {createPrivateKey, randomInt} from 'node:crypto';
import {rm, stat} from 'node:fs/promises';
import path from 'node:path';
import type {CertificateSummary} from '../ports.js';
import {CpiMtlsError} from '../errors.js';
import {writeFileAtomic} from '../lifecycle/common.js';
import {inspectClientCertificate} from './inspect.js';
import {parseCertificatesFromText, serviceKeyMaterial} from './load.js';
import {buildPkcs12} from './pkcs12.js';

/** writeFileAtomic, with a failure worded for the user. */
async function writeAtomic(target: string, content: string | Buffer, mode: number): Promise<void> {
  try {
    await writeFileAtomic(target, content, mode);
  } catch (error) {
    const reason = (error as {code?: string}).code === 'EISDIR' || (error as {code?: string}).code === 'EPERM' ? 'a folder or a protected file has that name' : (error as Error).message;
    throw new CpiMtlsError('write-failed', `Cannot write ${target}: ${reason}.`, {
      cause: error,
      fix: ['Choose another output folder or file name, and check that you may write there.'],
      details: {path: target},
    });
  }
}

/** Writes a private key or PKCS#12 file: mode 0600, atomic. */
export function writeSecretFile(target: string, content: string | Buffer): Promise<void> {
  return writeAtomic(target, content, 0o600);
}

/** Writes a certificate, CSR or other public file: mode 0644, atomic. */
export function writePublicFile(target: string, content: string | Buffer): Promise<void> {
  return writeAtomic(target, content, 0o644);
}

/** Writes several files; when one fails, removes the ones this call created. */
async function writeAll(files: Array<{path: string; content: string | Buffer; secret: boolean}>): Promise<void> {
  const created: string[] = [];
  try {
    for (const file of files) {
      const existed = await stat(file.path).then(() => true, () => false);
      await (file.secret ? writeSecretFile : writePublicFile)(file.path, file.content);
      if (!existed) created.push(file.path);
    }
  } catch (error) {
    await Promise.all(created.map((file) => rm(file, {force: true}).catch(() => undefined)));
    throw error;
  }
}

function pemOf(certificates: CertificateSummary[]): string {
  return certificates.map((certificate) => certificate.pem.trim()).join('\n') + '\n';
}

/**
 * Puts leaf first and each issuer after it; checks that the key belongs to the leaf. Throws
 * 'key-mismatch' or 'no-certificate'.
 */
export function orderForSender(certificates: CertificateSummary[], privateKeyPem: string): CertificateSummary[] {
  if (certificates.length === 0) throw new CpiMtlsError('no-certificate', 'No certificate was given.', {fix: ['Give the client certificate together with the key.']});
  const report = inspectClientCertificate({certificates, privateKeyPem});
  const keyCheck = report.checks.find((check) => check.id === 'key-match');
  if (!keyCheck || keyCheck.verdict !== 'pass') {
    throw new CpiMtlsError('key-mismatch', keyCheck?.message ?? 'The private key does not belong to the certificate.', {fix: [keyCheck?.fix ?? 'Give the key that belongs to the certificate.']});
  }
  return report.chainInOrder;
}

export interface SapGeneratedFiles {
  /** Leaf then chain, as SAP delivered it (what the sender presents). */
  chainPath: string;
  /** The leaf alone (what an External Certificate key or a trust list takes). */
  certificatePath: string;
  /** The private key, mode 0600. */
  keyPath: string;
}

/**
 * Writes the material of an SAP-generated `certificate` key: turns literal `\n` into line
 * breaks, splits the chain, checks that key and leaf belong together, then writes
 * `client-chain.pem`, `client-cert.pem` and `client-key.pem` (0600) into `dir`.
 */
export async function writeSapGeneratedKeyFiles(credentials: unknown, dir: string, options: {baseName?: string} = {}): Promise<SapGeneratedFiles> {
  const material = serviceKeyMaterial(credentials);
  if (!material || !material.keyPem) {
    throw new CpiMtlsError('no-certificate-in-key', material ? 'The service key has a certificate but no private key; it is not an SAP-generated certificate key.' : 'The service key holds no certificate.', {
      fix: ['Use a key created with {"key-type": "certificate"}; External Certificate keys never contain the private key (it stays with you).'],
    });
  }
  const certificates = parseCertificatesFromText(material.certificatePem);
  let keyPem = material.keyPem.trim() + '\n';
  try {
    createPrivateKey(keyPem);
  } catch (error) {
    throw new CpiMtlsError('invalid-private-key', 'The "key" field of the service key is not a readable private key.', {cause: error, fix: ['Create a new service key; this one looks damaged.']});
  }
  const chain = orderForSender(certificates, keyPem);
  const base = options.baseName ?? 'client';
  const files: SapGeneratedFiles = {
    chainPath: path.join(dir, `${base}-chain.pem`),
    certificatePath: path.join(dir, `${base}-cert.pem`),
    keyPath: path.join(dir, `${base}-key.pem`),
  };
  await writeAll([
    {path: files.keyPath, content: keyPem, secret: true},
    {path: files.chainPath, content: pemOf(chain), secret: false},
    {path: files.certificatePath, content: pemOf(chain.slice(0, 1)), secret: false},
  ]);
  keyPem = '';
  return files;
}

// Letters and digits without look-alikes (0/O, 1/l/I), safe in every shell without quoting.
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function generatePassword(length = 24): string {
  let password = '';
  for (let i = 0; i < length; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

export interface Pkcs12Request {
  privateKeyPem: string;
  /** Leaf and chain in any order; the leaf is the one the key belongs to. */
  certificates: CertificateSummary[];
  /** Omit to generate one (returned once, to show to the user). */
  password?: string;
  /** 3DES + SHA-1 MAC for old importers instead of AES-256 + SHA-256. */
  legacy?: boolean;
  /** Alias shown by keytool and STRUST. Default "client". */
  friendlyName?: string;
}

/** A PKCS#12 with the key, the leaf and its chain (leaf first). */
export function exportPkcs12(request: Pkcs12Request): {der: Buffer; password: string; generatedPassword: boolean} {
  const chain = orderForSender(request.certificates, request.privateKeyPem);
  const generatedPassword = request.password === undefined || request.password === '';
  const password = generatedPassword ? generatePassword() : request.password!;
  const der = buildPkcs12({
    privateKeyDer: createPrivateKey(request.privateKeyPem).export({type: 'pkcs8', format: 'der'}),
    certificatesDer: chain.map((certificate) => Buffer.from(certificate.pem.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64')),
    password,
    legacy: request.legacy,
    friendlyName: request.friendlyName ?? 'client',
  });
  return {der, password, generatedPassword};
}

/** Writes leaf-then-chain PEM and the key (0600) for senders that take PEM (curl, nginx, many agents). */
export async function writeSenderPemFiles(request: {privateKeyPem: string; certificates: CertificateSummary[]; dir: string; baseName?: string}): Promise<{chainPath: string; keyPath: string}> {
  const chain = orderForSender(request.certificates, request.privateKeyPem);
  const base = request.baseName ?? 'client';
  const result = {chainPath: path.join(request.dir, `${base}-chain.pem`), keyPath: path.join(request.dir, `${base}-key.pem`)};
  await writeAll([
    {path: result.keyPath, content: request.privateKeyPem, secret: true},
    {path: result.chainPath, content: pemOf(chain), secret: false},
  ]);
  return result;
}

function quotePosix(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function quoteWindows(value: string): string {
  return `"${value.replace(/"/g, '\\"')}"`;
}

export interface CurlRequest {
  url: string;
  /** Leaf-then-chain PEM. */
  certificatePath: string;
  keyPath: string;
  /** Defaults to the platform this runs on. */
  platform?: NodeJS.Platform;
}

/** A ready curl line that calls the endpoint with the client certificate, and how to run it on this platform. */
export function curlCommandLine(request: CurlRequest): {command: string; note: string} {
  const windows = (request.platform ?? process.platform) === 'win32';
  const quote = windows ? quoteWindows : quotePosix;
  const parts = [windows ? 'curl.exe' : 'curl', '--cert', quote(request.certificatePath), '--key', quote(request.keyPath)];
  parts.push(quote(request.url));
  const note = windows
    ? 'Type curl.exe (in PowerShell plain "curl" is Invoke-WebRequest) and keep the double quotes around paths and the URL. If this curl build cannot read PEM keys, use the PKCS#12 file instead: curl.exe --cert-type P12 --cert "client.p12:PASSWORD" "URL".'
    : 'Paths with spaces are quoted already. On Windows use curl.exe and double quotes instead of single quotes.';
  return {command: parts.join(' '), note};
}
