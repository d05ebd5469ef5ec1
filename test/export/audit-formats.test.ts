import {execFile} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import {validateXML} from 'xmllint-wasm';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseAudit, type AuditData} from '../../src/lifecycle/audit.js';
import {renderPrometheus} from '../../src/export/prometheus.js';
import {renderJunit} from '../../src/export/junit.js';
import {parseXml, type XmlElement} from '../../src/tenant/xml.js';
import {CLI} from '../helpers/pty.js';

const run = promisify(execFile);
const XSD = path.join(path.dirname(new URL(import.meta.url).pathname), 'junit.xsd');
const DAY = 24 * 3600 * 1000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-export-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function cli(args: string[], home: string): Promise<{code: number; stdout: string; stderr: string}> {
  return run(process.execPath, [CLI, ...args], {env: {...process.env, CPI_MTLS_DEMO_HOME: home}}).then(
    ({stdout, stderr}) => ({code: 0, stdout, stderr}),
    (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
  );
}

/** notAfter (Unix seconds) of each key's leaf, read from the stand-in cf's own state. */
async function notAfterByKey(home: string): Promise<Map<string, number>> {
  const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8'));
  const instances = new Map<string, string>(state.instances.map((i: {guid: string; name: string}) => [i.guid, i.name]));
  const result = new Map<string, number>();
  for (const key of state.keys as Array<{name: string; instance_guid: string; credentials: {oauth?: {certificate?: string}}}>) {
    const pem = key.credentials.oauth?.certificate;
    if (!pem) continue;
    const leaf = new X509Certificate(pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 25));
    result.set(`${instances.get(key.instance_guid)}/${key.name}`, Date.parse(leaf.validTo) / 1000);
  }
  return result;
}

async function validateJunit(xml: string) {
  return validateXML({xml: {fileName: 'audit-junit.xml', contents: xml}, schema: {fileName: 'junit.xsd', contents: await readFile(XSD, 'utf8')}});
}

const elements = (root: XmlElement, name: string): XmlElement[] => [...(root.localName === name ? [root] : []), ...root.children.flatMap(child => elements(child, name))];

/** A landscape whose names and subject need escaping in both formats. */
function trickyData(): AuditData {
  const now = Date.now();
  const key = (name: string, days: number, subject: string) => ({
    guid: `k-${name}`,
    name,
    instanceGuid: 'i-1',
    instanceName: 'orders "in"',
    type: 'external-certificate' as const,
    lastOperation: null,
    certificate: {subject, issuer: 'CN=CA', fingerprint256: `fp-${name}`, validUntil: new Date(now + days * DAY).toISOString()},
  });
  return {
    scope: 'space',
    target: {apiEndpoint: 'https://api.cf.eu10.hana.ondemand.com', user: 'u', org: 'acme\\dev', space: 'integration'},
    collectedAt: new Date(now).toISOString(),
    instances: [
      {
        guid: 'i-1',
        name: 'orders "in"',
        planName: 'integration-flow',
        offeringName: 'it-rt',
        spaceGuid: 's-1',
        spaceName: 'integration',
        roles: ['ESBMessaging.send'],
        grantTypes: ['client_x509'],
        parametersReadable: true,
        lastOperation: null,
        keys: [key('ok <1>', 300, 'CN=line\nbreak,O="Acme & Co"'), key('soon', 5, 'CN=soon\\x')],
      },
    ],
    stats: {instances: 1, keys: 2, cfCalls: 4, durationMs: 1234, parallelReads: 8},
  };
}

describe('audit --format prometheus', () => {
  it('writes HELP, TYPE and escaped labels that the exposition parser reads back exactly', () => {
    const report = analyseAudit(trickyData(), {days: 30});
    const families = parsePrometheusTextFormat(renderPrometheus(report));
    const byName = new Map(families.map(f => [f.name, f]));
    const expiry = byName.get('cpi_mtls_certificate_not_after_timestamp_seconds')!;
    expect(expiry.type).toBe('GAUGE');
    expect(expiry.help).toMatch(/notAfter/);
    expect(expiry.metrics.map(m => m.labels)).toEqual([
      {org: 'acme\\dev', space: 'integration', instance: 'orders "in"', key: 'ok <1>', subject: 'CN=line\nbreak,O="Acme & Co"', kind: 'external'},
      {org: 'acme\\dev', space: 'integration', instance: 'orders "in"', key: 'soon', subject: 'CN=soon\\x', kind: 'external'},
    ]);
    const soon = report.data.instances[0]!.keys[1]!.certificate!.validUntil!;
    expect(Number(expiry.metrics[1]!.value)).toBe(Math.floor(Date.parse(soon) / 1000));

    const findings = byName.get('cpi_mtls_audit_findings')!;
    const count = (severity: string, id: string) => Number(findings.metrics.find(m => m.labels?.severity === severity && m.labels.id === id)?.value);
    expect(count('fail', 'expiring')).toBe(1);
    expect(count('fail', 'client-x509')).toBe(1);
    expect(count('fail', 'expired')).toBe(0);
    expect(count('warn', 'shared-dn')).toBe(0);
    const last = byName.get('cpi_mtls_audit_last_success_timestamp_seconds')!;
    expect(Number(last.metrics[0]!.value)).toBe(Math.floor(Date.parse(report.evaluatedAt) / 1000));
  });

  it('audit --format prometheus --demo expiring prints one metric per key with its notAfter', {timeout: 90_000}, async () => {
    const home = path.join(dir, 'demo-prom');
    const out = path.join(dir, 'out-prom');
    const result = await cli(['audit', '--format', 'prometheus', '--demo', 'expiring', '--out', out], home);
    expect(result.code, result.stderr).toBe(1); // findings: both keys expire within 30 days
    const families = parsePrometheusTextFormat(result.stdout);
    const expiry = families.find(f => f.name === 'cpi_mtls_certificate_not_after_timestamp_seconds')!;
    const expected = await notAfterByKey(home);
    expect(expected.size).toBe(2);
    const got = new Map(expiry.metrics.map(m => [`${m.labels!.instance}/${m.labels!.key}`, Number(m.value)]));
    expect(got).toEqual(expected);
    expect(Object.fromEntries(expiry.metrics.map(m => [m.labels!.key, m.labels!.kind]))).toEqual({'s4hana-sender-expiring': 'external', 'sap-generated-invoices': 'sap-generated'});
    expect(Number(families.find(f => f.name === 'cpi_mtls_audit_findings')!.metrics.find(m => m.labels!.id === 'expiring')!.value)).toBe(2);
    // --out keeps the same document as audit.prom for the textfile collector.
    expect(await readFile(path.join(out, 'audit.prom'), 'utf8')).toBe(result.stdout);

    const usage = await cli(['audit', '--format', 'csv'], home);
    expect(usage.code).toBe(2);
  });
});

describe('audit --format junit', () => {
  it('is valid JUnit XML: a testcase per key, a failure per finding, correct counts', async () => {
    const report = analyseAudit(trickyData(), {days: 30});
    const xml = renderJunit(report);
    const validation = await validateJunit(xml);
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
    const root = parseXml(xml);
    const [suite] = elements(root, 'testsuite');
    const cases = elements(suite!, 'testcase');
    expect(cases.map(c => `${c.attributes.classname} ${c.attributes.name}`)).toEqual(['acme\\dev.integration.orders "in" (instance)', 'acme\\dev.integration.orders "in" ok <1>', 'acme\\dev.integration.orders "in" soon']);
    expect(elements(cases[1]!, 'failure')).toHaveLength(0);
    expect(elements(cases[2]!, 'failure').map(f => f.attributes.type)).toEqual(['expiring']);
    expect(elements(cases[0]!, 'failure').map(f => f.attributes.type)).toEqual(['client-x509']);
    expect(suite!.attributes).toMatchObject({tests: '3', failures: '2', errors: '0'});
    expect(root.attributes).toMatchObject({tests: '3', failures: '2'});
  });

  it('audit --format junit --demo expiring validates against the schema and fails both expiring keys', {timeout: 90_000}, async () => {
    const result = await cli(['audit', '--format', 'junit', '--demo', 'expiring', '--days', '30'], path.join(dir, 'demo-junit'));
    expect(result.code, result.stderr).toBe(1);
    expect((await validateJunit(result.stdout)).valid).toBe(true);
    const root = parseXml(result.stdout);
    const cases = elements(root, 'testcase');
    expect(cases.map(c => `${c.attributes.classname}/${c.attributes.name}`).sort()).toEqual(['demo-customer.integration-dev.cpi-inbound-invoices/sap-generated-invoices', 'demo-customer.integration-dev.cpi-inbound-mtls/s4hana-sender-expiring'].sort());
    for (const c of cases) expect(elements(c, 'failure').map(f => f.attributes.type)).toEqual(['expiring']);
    const suites = elements(root, 'testsuite');
    expect(suites.reduce((n, s) => n + Number(s.attributes.tests), 0)).toBe(2);
    expect(suites.reduce((n, s) => n + Number(s.attributes.failures), 0)).toBe(2);

    // A window of 5 days: nothing fails, the testcases stay.
    const calm = await cli(['audit', '--format', 'junit', '--demo', 'expiring', '--days', '5'], path.join(dir, 'demo-junit'));
    expect(calm.code).toBe(0);
    expect(elements(parseXml(calm.stdout), 'failure')).toHaveLength(0);
    expect(elements(parseXml(calm.stdout), 'testcase')).toHaveLength(2);
  });
});
