/**
 * Small pieces the lifecycle commands (audit, renew, migrate-neo) share: bounded parallelism,
 * lenient reading of service-key certificate facts, atomic file writes and plain-text tables.
 * Nothing here ever returns a secret: certificate facts are read field by field.
 */
import {X509Certificate, randomBytes} from 'node:crypto';
import {mkdir, open, readFile, rename, rm, type FileHandle} from 'node:fs/promises';
import path from 'node:path';
import type {CertificateCheck, Verdict} from '../ports.js';
import {firstX509} from '../certs/pem-text.js';
import {oneLineDn} from '../../flows/dn.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({length: Math.max(1, Math.min(limit, items.length))}, async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * `certificatedetails.validuntil` in whatever form the broker sends it (its format is not
 * documented): ISO-8601, epoch seconds or milliseconds (number or digits), OData v2
 * `/Date(ms)/`, or any date text Date.parse understands. Returns ISO-8601 or null.
 */
export function parseValidUntil(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    const odata = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(text);
    if (odata) ms = Number(odata[1]);
    else if (/^-?\d+(\.\d+)?$/.test(text)) ms = Number(text);
    else {
      const parsed = Date.parse(text);
      if (!Number.isNaN(parsed)) return new Date(parsed).toISOString();
      // "2027-01-31 10:00:00" (space instead of T, no zone): read as UTC.
      const spaced = Date.parse(text.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'));
      if (!Number.isNaN(spaced)) return new Date(spaced).toISOString();
      return null;
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) return null;
  // Seconds until the year 5138 are below 1e11; milliseconds since 1973 are above.
  if (Math.abs(ms) < 1e11) ms *= 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function daysUntil(iso: string, now: Date): number {
  return Math.floor((Date.parse(iso) - now.getTime()) / DAY_MS);
}

export interface LeafFacts {
  fingerprint256: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notAfter: string;
  /** EKU OIDs; empty when the extension is absent. */
  extendedKeyUsage: string[];
  pem: string;
}

/** The first certificate of a PEM text (SAP keys: leaf first). Literal `\n` are accepted. */
export function leafFromPem(pemText: unknown): LeafFacts | null {
  const x509 = firstX509(pemText);
  return x509 && leafFromX509(x509);
}

export function leafFromX509(x509: X509Certificate): LeafFacts {
  let eku: string[] = [];
  try {
    eku = x509.keyUsage ?? [];
  } catch {
    eku = [];
  }
  return {
    fingerprint256: x509.fingerprint256.toUpperCase(),
    subject: oneLineDn(x509.subject),
    issuer: oneLineDn(x509.issuer),
    serialNumber: x509.serialNumber.toUpperCase(),
    notAfter: new Date(x509.validTo).toISOString(),
    extendedKeyUsage: eku,
    pem: x509.toString().trim() + '\n',
  };
}

/** The credentials of a key as SAP nests them (`oauth`), or the object itself. */
export function oauthOf(credentials: Record<string, unknown>): Record<string, unknown> {
  const oauth = credentials.oauth;
  return oauth && typeof oauth === 'object' && !Array.isArray(oauth) ? (oauth as Record<string, unknown>) : credentials;
}

/** The text of a file; a failed read becomes the error the caller words from it. */
export async function readTextFile(file: string, unreadable: (error: NodeJS.ErrnoException) => Error): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(error as NodeJS.ErrnoException);
  }
}

/** A temporary file in the same folder, then a rename: no reader ever sees half a file. */
export async function writeFileAtomic(file: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const directory = path.dirname(file);
  const temp = path.join(directory, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    await mkdir(directory, {recursive: true});
    handle = await open(temp, 'wx', mode);
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, {force: true}).catch(() => undefined);
    throw error;
  }
}

/** A plain-text table: widths from the content, long cells cut with an ellipsis. */
export function textTable(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const cut = (text: string, max: number | undefined) => (max && text.length > max ? text.slice(0, Math.max(1, max - 1)) + '…' : text);
  const cells = [headers, ...rows].map(row => row.map((cell, i) => cut(cell.replace(/\s+/g, ' '), maxWidths[i])));
  const widths = headers.map((_, i) => Math.max(...cells.map(row => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map(w => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A Markdown table; pipes in cells are escaped. */
export function markdownTable(headers: string[], rows: string[][]): string {
  const esc = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  return [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map(row => `| ${row.map(esc).join(' | ')} |`)].join('\n');
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/**
 * A leaf without TLS Web Client Authentication in its EKU (none at all, "any", or serverAuth
 * only) never goes into a key: the load balancer rejects it in the handshake or its acceptance is
 * unconfirmed (sap-cloud-integration.md). The EKU check becomes a failure, which no "accept
 * warnings" answer overrides, whatever the workbench graded it.
 */
export function requireClientAuth<T extends {checks: CertificateCheck[]; verdict: Verdict}>(leafEku: readonly string[] | undefined, report: T): T {
  if (!leafEku || leafEku.includes(CLIENT_AUTH_OID)) return report;
  const title = 'Extended key usage: clientAuth';
  const rule = 'A client certificate for SAP Cloud Integration needs TLS Web Client Authentication (1.3.6.1.5.5.7.3.2) in its extended key usage.';
  const fix = 'Request a certificate with the "TLS Web Client Authentication" extended key usage from the CA.';
  let found = false;
  const checks = report.checks.map(check => {
    if (check.id !== 'eku') return check;
    found = true;
    return check.verdict === 'fail' ? check : {...check, verdict: 'fail' as const, message: `${check.message} ${rule}`, fix: check.fix ?? fix};
  });
  if (!found) checks.push({id: 'eku', title, verdict: 'fail', message: rule, fix});
  return {...report, checks, verdict: 'fail'};
}
