/**
 * `audit --format junit`: the audit as JUnit XML for CI servers (Jenkins, GitLab, GitHub test
 * reporters). One testsuite per org/space, one testcase per service key (classname
 * org.space.instance, name = key). Each finding that fails the audit (fail, and warn with
 * --strict) becomes a <failure> on the keys it names; other findings go to <system-out>.
 * Instance-level findings (client_x509, unreadable parameters) land on a testcase named
 * "(instance)" so an instance without keys is not lost.
 */
import type {AuditFinding, AuditReport} from '../lifecycle/audit.js';

export interface JunitOptions {
  /** Warnings fail too (as `audit --strict`). */
  strict?: boolean;
}

export function escapeXml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest is escaped for text and attributes.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function text(value: string): string {
  // Element content keeps its line breaks readable.
  return escapeXml(value).replace(/&#10;/g, '\n');
}

interface Case {
  classname: string;
  name: string;
  failures: AuditFinding[];
  notes: AuditFinding[];
}

/** `YYYY-MM-DDTHH:MM:SS` (UTC, no zone): the timestamp form of the Ant JUnit schema. */
function antTimestamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

export function renderJunit(report: AuditReport, options: JunitOptions = {}): string {
  const {data} = report;
  const fails = (f: AuditFinding) => f.severity === 'fail' || (options.strict === true && f.severity === 'warn');
  const suites = new Map<string, Case[]>();
  for (const instance of data.instances) {
    const space = instance.spaceName ?? instance.spaceGuid;
    const suite = `${data.target.org}.${space}`;
    const classname = `${suite}.${instance.name}`;
    const cases = suites.get(suite) ?? [];
    suites.set(suite, cases);
    const on = (keyName: string | undefined) => report.findings.filter(f => f.refs.some(r => r.instanceGuid === instance.guid && r.keyName === keyName));
    const instanceFindings = on(undefined);
    if (instanceFindings.length > 0 || instance.keys.length === 0) {
      cases.push({classname, name: '(instance)', failures: instanceFindings.filter(fails), notes: instanceFindings.filter(f => !fails(f))});
    }
    for (const key of instance.keys) {
      const found = on(key.name);
      cases.push({classname, name: key.name, failures: found.filter(fails), notes: found.filter(f => !fails(f))});
    }
  }

  const timestamp = antTimestamp(report.evaluatedAt);
  const seconds = (data.stats.durationMs / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = [...suites.values()].flat();
  const failed = (cases: Case[]) => cases.filter(c => c.failures.length > 0).length;
  out.push(`<testsuites name="cpi-mtls audit" tests="${all.length}" failures="${failed(all)}" errors="0" time="${seconds}">`);
  let id = 0;
  for (const [suite, cases] of suites) {
    out.push(
      `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failed(cases)}" errors="0" skipped="0" time="${seconds}" timestamp="${timestamp}" hostname="${escapeXml(new URL(data.target.apiEndpoint || 'http://localhost').hostname || 'localhost')}" id="${id++}" package="${escapeXml(suite)}">`,
    );
    out.push('    <properties>', `      <property name="days" value="${report.days}"/>`, `      <property name="api" value="${escapeXml(data.target.apiEndpoint)}"/>`, `      <property name="scope" value="${data.scope}"/>`, '    </properties>');
    for (const c of cases) {
      const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="0"`;
      if (c.failures.length === 0 && c.notes.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      for (const f of c.failures) {
        out.push(`      <failure message="${escapeXml(f.message)}" type="${escapeXml(f.id)}">${text([f.message, ...f.fix.map(fix => `Fix: ${fix}`)].join('\n'))}</failure>`);
      }
      if (c.notes.length > 0) out.push(`      <system-out>${text(c.notes.map(f => `${f.severity} ${f.id}: ${f.message}`).join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('    <system-out/>', '    <system-err/>', '  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
