/**
 * When two certificates count as the same for Cloud Integration: the same certificate (SHA-256
 * fingerprint: Cloud Foundry accepts each certificate in one service key only) or the same
 * subject and issuer DN (a renewal, or a clone the runtime rejects when pinning is off).
 * Pure: setup's scan, the renewal, the audit and the Neo migration bring their own reads.
 */
import {dnKey} from './dn.js';

export interface CertificateIdentity {
  /** SHA-256 fingerprint in any spelling: colons or none, upper or lower case. */
  fingerprint256?: string | null;
  /** DN in any spelling dnKey reads (Node's line form, SAP's or openssl's). */
  subject: string;
  issuer: string;
}

export type DuplicateMatch = 'certificate' | 'subject-and-issuer';

/** The fingerprint as Node prints it (`AB:CD:…`), whatever spelling it arrived in; '' for none. */
export function certificateKey(certificate: Pick<CertificateIdentity, 'fingerprint256'>): string {
  const hex = (certificate.fingerprint256 ?? '').replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.replace(/(..)(?=.)/g, '$1:');
}

/** Equal for certificates with the same subject and issuer DN. */
export function subjectIssuerKey(certificate: CertificateIdentity): string {
  return `${dnKey(certificate.subject)}|${dnKey(certificate.issuer)}`;
}

/** How `candidate` duplicates `wanted`: the same certificate, the same DNs, or not at all. */
export function duplicateMatch(candidate: CertificateIdentity, wanted: CertificateIdentity): DuplicateMatch | null {
  const fingerprint = certificateKey(candidate);
  if (fingerprint !== '' && fingerprint === certificateKey(wanted)) return 'certificate';
  return subjectIssuerKey(candidate) === subjectIssuerKey(wanted) ? 'subject-and-issuer' : null;
}

/** Items that share a key, in first-seen order; items without a key ('') and single items are left out. */
export function duplicateGroups<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== '') groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()].filter((group) => group.length > 1);
}
