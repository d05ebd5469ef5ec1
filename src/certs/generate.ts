/**
 * New key pair and CSR for a client certificate. Keys come from node:crypto's generateKeyPair,
 * which runs in the libuv thread pool, so the event loop (and the wizard's spinner) keeps
 * running. The CSR is assembled here and signed with crypto.sign, which works for RSA and EC
 * alike (node-forge can only sign RSA CSRs).
 */
import {generateKeyPair, sign, type KeyObject, type KeyPairKeyObjectResult} from 'node:crypto';
import {promisify} from 'node:util';
import {isIP} from 'node:net';
import {CpiMtlsError, CancelledError} from '../errors.js';
import {TAG, der, tlv} from './der.js';

export type KeyRequest = {keyType: 'rsa'; bits: 2048 | 3072 | 4096} | {keyType: 'ec'; curve: 'P-256'};

export interface CsrSubject {
  CN: string;
  O?: string;
  OU?: string;
  L?: string;
  ST?: string;
  C?: string;
}

const NAME_OIDS: Array<[keyof CsrSubject, string, number]> = [
  ['C', '2.5.4.6', 2],
  ['ST', '2.5.4.8', 128],
  ['L', '2.5.4.7', 128],
  ['O', '2.5.4.10', 64],
  ['OU', '2.5.4.11', 64],
  ['CN', '2.5.4.3', 64],
];

function invalid(message: string, fix: string): CpiMtlsError {
  return new CpiMtlsError('invalid-subject', message, {fix: [fix]});
}

function encodeName(subject: CsrSubject): Buffer {
  if (!subject.CN || !subject.CN.trim()) throw invalid('The subject needs a common name (CN).', 'Give a CN, e.g. the sender system\'s host name.');
  const rdns: Buffer[] = [];
  for (const [field, oid, maxLength] of NAME_OIDS) {
    const value = subject[field]?.trim();
    if (!value) continue;
    if (value.length > maxLength) throw invalid(`${field} is ${value.length} characters long; at most ${maxLength} are allowed.`, `Shorten ${field}.`);
    if (field === 'C' && !/^[A-Z]{2}$/.test(value)) throw invalid(`C must be a two-letter country code such as DE, not "${value}".`, 'Use the ISO 3166 code in capitals.');
    rdns.push(der.set(der.sequence(der.oid(oid), field === 'C' ? der.printable(value) : der.utf8(value))));
  }
  return der.sequence(...rdns);
}

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const [head, tail = ''] = address.split('::');
  const groups = (text: string): number[] => (text ? text.split(':').map((group) => parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill(0), ...right] : left;
  const buffer = Buffer.alloc(16);
  all.forEach((group, index) => buffer.writeUInt16BE(group, index * 2));
  return buffer;
}

/** "DNS:host", "IP:10.0.0.1", "email:a@b", "URI:https://…", or a bare host name / IP / e-mail. */
function encodeSan(entry: string): Buffer {
  const match = /^(DNS|IP|IP Address|email|URI):(.+)$/i.exec(entry.trim());
  const value = (match ? match[2] : entry).trim();
  const type = match ? match[1].toUpperCase() : isIP(value) ? 'IP' : value.includes('@') ? 'EMAIL' : 'DNS';
  if (type === 'IP' || type === 'IP ADDRESS') {
    if (!isIP(value)) throw invalid(`"${value}" is not an IP address.`, 'Write IP SANs like IP:10.0.0.1.');
    return der.implicitPrimitive(7, ipBytes(value));
  }
  if (type === 'EMAIL') return der.implicitPrimitive(1, Buffer.from(value, 'latin1'));
  if (type === 'URI') return der.implicitPrimitive(6, Buffer.from(value, 'latin1'));
  if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(value)) {
    throw invalid(`"${value}" is not a valid DNS name for a SAN.`, 'Use letters, digits, dots and hyphens, e.g. sender.example.com.');
  }
  return der.implicitPrimitive(2, Buffer.from(value, 'latin1'));
}

function extensionRequest(sans: string[], keyType: 'rsa' | 'ec'): Buffer {
  const extensions: Buffer[] = [];
  if (sans.length) extensions.push(der.sequence(der.oid('2.5.29.17'), der.octetString(der.sequence(...sans.map(encodeSan)))));
  // keyUsage: digitalSignature (bit 0), plus keyEncipherment (bit 2) for RSA; minimal DER BIT STRING.
  const keyUsage = keyType === 'rsa' ? tlv(TAG.BIT_STRING, Buffer.from([5, 0xa0])) : tlv(TAG.BIT_STRING, Buffer.from([7, 0x80]));
  extensions.push(der.sequence(der.oid('2.5.29.15'), der.boolean(true), der.octetString(keyUsage)));
  // Ask for clientAuth explicitly: without it SAP's load balancer rejects the certificate.
  extensions.push(der.sequence(der.oid('2.5.29.37'), der.octetString(der.sequence(der.oid('1.3.6.1.5.5.7.3.2')))));
  return der.sequence(der.oid('1.2.840.113549.1.9.14'), der.set(der.sequence(...extensions)));
}

function toPem(label: string, body: Buffer): string {
  const base64 = body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** Builds and signs a PKCS#10 request for an existing key pair. */
export function buildCsr(privateKey: KeyObject, publicKey: KeyObject, subject: CsrSubject, sans: string[] = []): string {
  const keyType = privateKey.asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
  const info = der.sequence(
    der.integer(0),
    encodeName(subject),
    publicKey.export({type: 'spki', format: 'der'}),
    der.explicit(0, extensionRequest(sans, keyType)), // attributes: [0] IMPLICIT SET OF
  );
  const signature = sign('sha256', info, privateKey);
  const algorithm = keyType === 'ec' ? der.algorithm('1.2.840.10045.4.3.2') : der.algorithm('1.2.840.113549.1.1.11', null);
  return toPem('CERTIFICATE REQUEST', der.sequence(info, algorithm, der.bitString(signature)));
}

const generateKeyPairAsync = promisify(generateKeyPair);

function keyPair(request: KeyRequest): Promise<KeyPairKeyObjectResult> {
  if (request.keyType === 'ec') return generateKeyPairAsync('ec', {namedCurve: 'prime256v1'});
  return generateKeyPairAsync('rsa', {modulusLength: request.bits, publicExponent: 0x10001});
}

/**
 * A new private key (PKCS#8 PEM) and a CSR asking for clientAuth. Does not block the event
 * loop. Abort stops waiting at once; the key generation already running is discarded.
 */
export async function generateKeyAndCsr(request: KeyRequest, subject: CsrSubject, sans: string[] = [], signal?: AbortSignal): Promise<{privateKeyPem: string; csrPem: string}> {
  // Validate before spending time on the key.
  encodeName(subject);
  sans.forEach(encodeSan);
  if (signal?.aborted) throw new CancelledError();
  const generated = keyPair(request);
  const pair = signal
    ? await Promise.race([
        generated,
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new CancelledError()), {once: true})),
      ])
    : await generated;
  if (signal?.aborted) throw new CancelledError();
  return {
    privateKeyPem: pair.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    csrPem: buildCsr(pair.privateKey, pair.publicKey, subject, sans),
  };
}
