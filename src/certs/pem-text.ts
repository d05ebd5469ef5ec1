/**
 * Certificate and key text as users and SAP hand it over: service keys and cockpit copies keep
 * line breaks as the two characters `\n` (or `\r\n`), Windows files have CRLF, and copies out of
 * mails or web forms lose the line breaks inside a block. One repair for all of them.
 */
import {X509Certificate} from 'node:crypto';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Turns literal `\n`, `\r\n`, `\r` into line breaks, CRLF and CR into LF, drops a byte-order mark,
 * and rewraps the base64 of each complete PEM block that lost its line breaks (64 characters a
 * line, BEGIN and END on their own lines). Blocks with headers (Proc-Type) keep their lines; text
 * outside the blocks and an unfinished block stay as they are.
 */
export function normalisePemText(text: string): string {
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\\r\\n|\\n|\\r/g, '\n')
    .replace(/\r\n?/g, '\n');
  return lines.replace(BLOCK, (block, label: string, inner: string) => {
    if (inner.includes(':')) return block;
    const body = inner.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return block;
    return `-----BEGIN ${label}-----\n${body.replace(/(.{64})(?=.)/g, '$1\n')}\n-----END ${label}-----`;
  });
}

/** Every CERTIFICATE block of a text, repaired, each ending with a line break. */
export function certificatePems(text: string): string[] {
  return (normalisePemText(text).match(CERTIFICATE_BLOCK) ?? []).map((block) => block + '\n');
}

/** The first certificate of a text that holds one, parsed; null for anything else. */
export function firstX509(text: unknown): X509Certificate | null {
  const pem = typeof text === 'string' ? certificatePems(text)[0] : undefined;
  if (!pem) return null;
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}
