/**
 * `audit --format prometheus`: the audit as Prometheus text exposition (format 0.0.4), for
 * node_exporter's textfile collector. One expiry gauge per certificate key, the findings per
 * severity and id (zero when absent, so an alert sees the series), and the time of this audit.
 */
import type {AuditKeyType, AuditReport, FindingId, Severity} from '../lifecycle/audit.js';

/** Every finding id with its severity: each is exported, 0 when the audit did not find it. */
export const FINDING_SEVERITY: Record<FindingId, Severity> = {
  expired: 'fail',
  expiring: 'fail',
  'duplicate-certificate': 'fail',
  'client-x509': 'fail',
  'shared-dn': 'warn',
  'expiry-unknown': 'warn',
  'secret-key': 'info',
  'unreadable-key': 'info',
  'parameters-unreadable': 'info',
};

/** The `kind` label of a key. */
export const KEY_KIND: Record<AuditKeyType, string> = {
  'external-certificate': 'external',
  'sap-generated-certificate': 'sap-generated',
  'client-secret': 'client-secret',
  unknown: 'unknown',
  unreadable: 'unreadable',
};

/** Label values escape backslash, double quote and line feed (exposition format). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([label, v]) => `${label}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? String(value) : 'NaN'}`;
}

export function renderPrometheus(report: AuditReport): string {
  const lines: string[] = [];
  const family = (name: string, help: string, samples: string[]) => lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`, ...samples);
  const {data} = report;

  const expiry: string[] = [];
  for (const instance of data.instances) {
    for (const key of instance.keys) {
      const until = key.certificate?.validUntil;
      if (!until) continue;
      const seconds = Math.floor(Date.parse(until) / 1000);
      if (!Number.isFinite(seconds)) continue;
      expiry.push(
        sample(
          'cpi_mtls_certificate_not_after_timestamp_seconds',
          {org: data.target.org, space: instance.spaceName ?? instance.spaceGuid, instance: instance.name, key: key.name, subject: key.certificate!.subject, kind: KEY_KIND[key.type]},
          seconds,
        ),
      );
    }
  }
  family('cpi_mtls_certificate_not_after_timestamp_seconds', 'End of validity (notAfter) of the client certificate in an it-rt service key, Unix seconds.', expiry);

  // analyseAudit gives each id the severity listed in FINDING_SEVERITY: one series per id.
  const findingSamples = Object.entries(FINDING_SEVERITY)
    .sort(([a, aSeverity], [b, bSeverity]) => `${aSeverity}|${a}`.localeCompare(`${bSeverity}|${b}`))
    .map(([id, severity]) => sample('cpi_mtls_audit_findings', {severity, id}, report.findings.filter(f => f.id === id).length));
  family('cpi_mtls_audit_findings', `Findings of the last cpi-mtls audit by severity and id (expiry window ${report.days} days).`, findingSamples);

  family('cpi_mtls_audit_last_success_timestamp_seconds', 'When the last cpi-mtls audit read the landscape completely, Unix seconds.', [
    sample('cpi_mtls_audit_last_success_timestamp_seconds', {org: data.target.org, ...(data.scope === 'space' ? {space: data.target.space} : {})}, Math.floor(Date.parse(report.evaluatedAt) / 1000)),
  ]);
  return lines.join('\n') + '\n';
}
