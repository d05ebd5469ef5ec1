/**
 * Plain-text rendering of a certificate report: short, aligned, one marker per check, fixes
 * indented under the check. Used by `cpi-mtls cert inspect`.
 */
import type {CertificateCheck, CertificateSummary, Verdict} from '../ports.js';
import type {CertificateReport} from './inspect.js';
import {commonNameOf, extendedKeyUsageName, keyName} from './x509.js';

export interface FormatOptions {
  /** ANSI colours for the markers. Default false. */
  color?: boolean;
  /** [ok] [warn] [FAIL] instead of ✔ ⚠ ✖ for consoles without Unicode. */
  ascii?: boolean;
}

const MARKERS: Record<Verdict, {unicode: string; ascii: string; color: string}> = {
  pass: {unicode: '✔', ascii: '[ok]', color: '\u001b[32m'},
  warn: {unicode: '⚠', ascii: '[warn]', color: '\u001b[33m'},
  fail: {unicode: '✖', ascii: '[FAIL]', color: '\u001b[31m'},
};

function verdictMarker(verdict: Verdict, options: FormatOptions = {}): string {
  const marker = MARKERS[verdict];
  const text = options.ascii ? marker.ascii : marker.unicode;
  return options.color ? `${marker.color}${text}\u001b[0m` : text;
}

function rows(pairs: Array<[string, string | undefined]>, indent = '  '): string[] {
  const shown = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** One certificate, with the fields named and shaped as `openssl x509 -noout -text` shows them. */
function formatCertificateSummary(summary: CertificateSummary, heading: string): string {
  return [
    heading,
    ...rows([
      ['Subject', summary.subject],
      ['Issuer', summary.issuer],
      ['Serial', summary.serialNumber],
      ['SHA-256', summary.fingerprint256],
      ['Valid', `${summary.notBefore.slice(0, 10)} → ${summary.notAfter.slice(0, 10)}`],
      ['SANs', summary.subjectAltNames.join(', ')],
      ['Key', [keyName(summary.publicKey), summary.signatureAlgorithm].filter(Boolean).join(', ')],
      ['Key usage', summary.extendedKeyUsage.map(extendedKeyUsageName).join(', ') || '(no extended key usage)'],
      ['CA', summary.isCA ? 'yes' : undefined],
    ]),
  ].join('\n');
}

function chainLines(report: CertificateReport): string[] {
  const entries = report.chainInOrder.map((certificate, index): [string, string] => {
    const role = index === 0 ? 'leaf' : certificate === report.root ? 'root' : 'intermediate';
    return [`${index + 1}. ${role}`, commonNameOf(certificate.subject) ?? certificate.subject];
  });
  if (report.root && !report.chainInOrder.includes(report.root)) entries.push([`${entries.length + 1}. root`, `${commonNameOf(report.root.subject) ?? report.root.subject} (not supplied; known)`]);
  const sourceText = {
    'sap-list': "on SAP's list",
    'user-trusted': "trusted by your choice, not on SAP's list",
    supplied: "not on SAP's list",
    unknown: 'root unknown',
  }[report.rootSource];
  return ['Chain (leaf → root)', ...rows(entries), `  Root: ${sourceText}`];
}

function formatCheck(check: CertificateCheck, titleWidth: number, options: FormatOptions = {}): string[] {
  const lines = [`${verdictMarker(check.verdict, options)} ${check.title.padEnd(titleWidth)}  ${check.message}`];
  if (check.fix && check.verdict !== 'pass') lines.push(`    Fix: ${check.fix}`);
  return lines;
}

function summaryLine(checks: CertificateCheck[]): string {
  const count = (verdict: Verdict): number => checks.filter((check) => check.verdict === verdict).length;
  const failed = count('fail');
  const warned = count('warn');
  const passed = count('pass');
  const parts = [failed ? `${failed} failed` : '', warned ? `${warned} warning${warned > 1 ? 's' : ''}` : '', passed ? `${passed} passed` : ''].filter(Boolean);
  const head = failed ? 'Not ready for SAP Cloud Integration' : warned ? 'Usable, with warnings' : 'Ready for SAP Cloud Integration';
  return `${head}: ${parts.join(', ')}.`;
}

export function formatCertificateReport(report: CertificateReport, options: FormatOptions = {}): string {
  const sections: string[] = [];
  if (report.leaf) {
    sections.push(formatCertificateSummary(report.leaf, 'Client certificate'), chainLines(report).join('\n'));
  }
  const titleWidth = Math.max(...report.checks.map((check) => check.title.length));
  sections.push(report.checks.flatMap((check) => formatCheck(check, titleWidth, options)).join('\n'), summaryLine(report.checks));
  return sections.join('\n\n') + '\n';
}
