/**
 * Plain-text report of a probe result for people (no colours, no terminal control codes), so it
 * reads the same in a terminal, a log file and a ticket.
 */
import {commonNameOf} from '../certs/x509.js';
import type {CertificateSource, ProbeCallResult, ProbeCertificate, ProbeResult} from './types.js';

const SOURCE_LABEL: Record<CertificateSource | 'not-found', string> = {
  'sent-by-server': 'sent by server',
  'node-root-store': 'Node root store',
  'extra-ca': 'extra CA file',
  aia: 'issuer URL (AIA)',
  'not-found': 'not found',
};

/** "clientAuth, serverAuth" / "serverAuth (no clientAuth)" / "no EKU extension (no clientAuth)". */
export function describeEku(names: readonly string[]): string {
  if (names.length === 0) return 'no EKU extension (no clientAuth)';
  return names.includes('clientAuth') ? names.join(', ') : `${names.join(', ')} (no clientAuth)`;
}

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd());
}

function shortName(subject: string): string {
  return commonNameOf(subject) ?? subject;
}

function chainRows(chain: ProbeCertificate[], rootFound: boolean, fromEnv: boolean): string[][] {
  const rows = [['#', 'Role', 'Subject (CN)', 'Valid until', 'Source', 'SHA-256']];
  chain.forEach((cert, index) => {
    const role = index === 0 ? 'server' : rootFound && index === chain.length - 1 ? 'root' : 'intermediate';
    const source = cert.source === 'extra-ca' && fromEnv ? 'NODE_EXTRA_CA_CERTS' : SOURCE_LABEL[cert.source];
    rows.push([String(index), role, shortName(cert.subject), cert.notAfter.slice(0, 10), source, `${cert.fingerprint256.slice(0, 23)}…`]);
  });
  return rows;
}

function callLines(title: string, call: ProbeCallResult): string[] {
  const lines = [title];
  const status = call.status !== undefined ? ` (HTTP ${call.status}${call.statusText ? ` ${call.statusText}` : ''})` : call.failure ? ` (${call.failure.stage}${call.failure.code ? `, ${call.failure.code}` : ''})` : '';
  const rows: string[][] = [['Outcome', `${call.outcome}${status}`]];
  if (call.tls) rows.push(['TLS', `${call.tls.protocol ?? '?'}  ${call.tls.cipher ?? ''}`.trim()]);
  if (call.clientCertificateEku) rows.push(['EKU', describeEku(call.clientCertificateEku)]);
  if (call.localFacts) {
    const facts = call.localFacts;
    const show = (value: boolean | undefined, name: keyof typeof facts) => (value === undefined ? 'unknown' : `${value ? 'yes' : 'no'}${facts.derived.includes(name as never) ? ' (from the file)' : ''}`);
    rows.push(['Local facts', `EKU clientAuth: ${show(facts.ekuClientAuth, 'ekuClientAuth')}; chain complete: ${show(facts.chainComplete, 'chainComplete')}; root on SAP list: ${show(facts.rootTrustedBySap, 'rootTrustedBySap')}`]);
  }
  rows.push(['Diagnosis', call.diagnosis.summary]);
  lines.push(...table(rows, '  '));
  const list = (label: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`  ${label}`);
    for (const item of items) lines.push(`    - ${item}`);
  };
  list('Possible causes', call.diagnosis.causes);
  list('What to do', call.diagnosis.fix);
  list('Read', call.diagnosis.docs);
  if (call.bodyExcerpt) lines.push(`  Response body: ${call.bodyExcerpt}`);
  return lines;
}

export function formatProbeResult(result: ProbeResult): string {
  const server = result.server;
  const lines = [
    `Connectivity test  ${result.method} ${result.url}  (${result.durationMs} ms)`,
    '',
    `Server side  ${server.host}:${server.port}${server.via ? `  via proxy ${server.via}` : ''}`,
  ];
  if (server.error) {
    lines.push(`  Not reached: ${server.error.message}`);
  } else {
    const fromEnv = server.root.extraCaOrigin === 'NODE_EXTRA_CA_CERTS';
    const trustedWith = fromEnv
      ? `yes, with NODE_EXTRA_CA_CERTS${server.nodeExtraCaCerts ? ` (${server.nodeExtraCaCerts.file})` : ''}: a sender that trusts that CA accepts this server`
      : server.root.extraCaOrigin === 'caller' || server.root.source === 'extra-ca'
        ? 'yes, with the extra CA file: a sender that trusts it accepts this server'
        : 'yes: a sender with a standard trust store accepts this server';
    const rows = [
      ['TLS', `${server.tls.protocol ?? '?'}  ${server.tls.cipher ?? ''}`.trim()],
      ['Root', server.root.found ? `${shortName(server.root.subject ?? '')} (${SOURCE_LABEL[server.root.source]}${server.root.publicCa ? ', public CA' : ''})` : 'not found'],
      ['Trusted', server.trustedBySystem ? trustedWith : `no${server.authorizationError ? ` (${server.authorizationError})` : ''}`],
      ['Host name', server.hostnameMatches ? 'matches the certificate' : 'does NOT match the certificate'],
    ];
    if (server.files) {
      rows.push(['Saved', `${server.files.directory} (${server.files.certificates.length} certificates, certificates.zip)`]);
      rows.push(['Trust store', server.files.trustStoreFile ? `import ${server.files.trustStoreFile} into the sender's trust store` : 'no root found to import']);
    } else if (server.root.found) {
      rows.push(['Trust store', `the sender must trust ${shortName(server.root.subject ?? '')} (use --out <dir> to save it)`]);
    }
    lines.push(...table(rows, '  '), '  Chain', ...table(chainRows(server.chain, server.root.found, fromEnv), '    '));
  }
  for (const warning of server.warnings) lines.push(`  ! ${warning}`);
  if (result.client) {
    const title = `Client certificate${result.client.clientCertificate ? `  ${result.client.clientCertificate}` : ''}`;
    lines.push('', ...callLines(title, result.client));
  }
  if (result.basic) lines.push('', ...callLines(`Basic auth  clientid ${result.basic.clientId}`, result.basic));
  if (result.comparison) lines.push('', `Comparison  ${result.comparison}`);
  return lines.join('\n') + '\n';
}
