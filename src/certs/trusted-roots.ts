/**
 * Client roots the user trusts in addition to SAP's list (`--trust-root FILE`, `trustedRoots:`
 * in a plan, `cert inspect --extra-roots`): a test landscape's own CA, or a custom domain with
 * a customer-managed trust list. Each file must hold CA certificates and nothing else that
 * matters; anything else fails here, with the file named and what to do, before any check runs.
 */
import type {CertificateSummary} from '../ports.js';
import {CpiMtlsError} from '../errors.js';
import {loadCertificateInput} from './load.js';
import {commonNameOf} from './x509.js';

export interface TrustedRootFile {
  path: string;
  /** The file's CA certificates as PEM, one block each; pass to InspectOptions.extraTrustedRootsPem. */
  pem: string;
  certificates: CertificateSummary[];
}

export interface TrustedRootOptions {
  /** How the user gave the file, for messages, e.g. "--trust-root" or "trustedRoots". Default "trusted root". */
  label?: string;
}

const GIVE_PEM = 'Give the root CA certificate as PEM ("-----BEGIN CERTIFICATE-----"); convert a DER .cer with: openssl x509 -inform DER -in root.cer -out root.pem';

/**
 * Loads one or more trusted-root files (PEM, or a DER certificate). Throws CpiMtlsError:
 * 'file-not-found', 'not-a-file', 'empty-file', 'file-too-large', 'file-not-readable' (the file
 * itself); 'trusted-root-not-pem' (no certificate in it: text, binary, PKCS#12, key only);
 * 'invalid-certificate' / 'truncated-pem' (a damaged block); 'trusted-root-not-ca' (a leaf).
 */
export async function loadTrustedRootFiles(paths: string | readonly string[], options: TrustedRootOptions = {}): Promise<TrustedRootFile[]> {
  const label = options.label ?? 'trusted root';
  const files: TrustedRootFile[] = [];
  for (const file of typeof paths === 'string' ? [paths] : paths) {
    let input;
    try {
      input = await loadCertificateInput(file);
    } catch (error) {
      if (!(error instanceof CpiMtlsError)) throw error;
      if (['unrecognized-format', 'password-required', 'wrong-password', 'csr-not-certificate', 'pkcs7-not-supported', 'no-certificate-in-key', 'invalid-json'].includes(error.code)) {
        throw new CpiMtlsError('trusted-root-not-pem', `${label} ${file} is not a PEM certificate file: ${error.message}`, {cause: error, fix: [GIVE_PEM], details: {path: file}});
      }
      throw new CpiMtlsError(error.code, `${label} ${file}: ${error.message}`, {cause: error, fix: error.fix, details: {...error.details, path: file}});
    }
    if (input.certificates.length === 0) {
      throw new CpiMtlsError('trusted-root-not-pem', `${label} ${file} holds ${input.kind === 'private-key' ? 'a private key' : 'nothing'} and no certificate.`, {
        fix: [GIVE_PEM, 'Keep private keys out of trust files: a trusted root is a public CA certificate.'],
        details: {path: file},
      });
    }
    if (input.kind === 'pkcs12' || input.kind === 'service-key') {
      throw new CpiMtlsError('trusted-root-not-pem', `${label} ${file} is a ${input.kind === 'pkcs12' ? 'PKCS#12 file' : 'service key'}, not a root CA certificate.`, {fix: [GIVE_PEM], details: {path: file}});
    }
    const leaves = input.certificates.filter((certificate) => !certificate.isCA);
    if (leaves.length) {
      const names = leaves.map((leaf) => `"${commonNameOf(leaf.subject) ?? leaf.subject}"`).join(', ');
      throw new CpiMtlsError('trusted-root-not-ca', `${label} ${file} holds ${names}, an end-entity (leaf) certificate, not a CA certificate; only CA certificates can be trusted roots.`, {
        fix: ['Give the certificate of the root CA at the top of the chain (basicConstraints CA:TRUE), not the client or server certificate. "cpi-mtls cert inspect <chain file>" shows which one that is.'],
        details: {path: file, leaves: leaves.map((leaf) => leaf.subject)},
      });
    }
    files.push({path: file, pem: input.certificates.map((certificate) => certificate.pem.trim() + '\n').join(''), certificates: input.certificates});
  }
  return files;
}
