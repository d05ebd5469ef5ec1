import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createCfAdapter} from '../../src/cf/adapter.js';
import {analyseAudit, collectAudit, renderAuditMarkdown, renderAuditText} from '../../src/lifecycle/audit.js';
import {parseValidUntil} from '../../src/lifecycle/common.js';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {makeLandscape, type Landscape} from '../fakecf/fixture.js';
import {CLI} from '../helpers/pty.js';

const run = promisify(execFile);
const ROLE = {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []};
const DAY = 24 * 3600 * 1000;
const external = (pem: string) => ({'key-type': 'certificate_external', 'X.509': pem});

let pki: DemoPki;
let findings: Landscape;
let clean: Landscape;
let dir: string;

beforeAll(async () => {
  pki = await createDemoPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-audit-'));
  findings = await makeLandscape({
    instances: [
      {name: 'orders-in', parameters: ROLE},
      {name: 'legacy-x509', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_x509', 'client_credentials']}},
      {name: 'partner-in', parameters: {...ROLE, roles: ['Partner.send']}},
      {name: 'epoch-in', parameters: ROLE},
      {name: 'api-client', plan: 'api', parameters: {roles: ['MonitoringDataRead'], 'grant-types': ['client_credentials']}},
      {name: 'orders-db', offering: 'postgresql-db', plan: 'trial'},
    ],
    keys: [
      {instance: 'orders-in', name: 's4-current', parameters: external(pki.clientLeaf.certPem)},
      {instance: 'orders-in', name: 's4-expiring', parameters: external(pki.clientLeafExpiring.certPem)},
      {instance: 'orders-in', name: 'basic'},
      {instance: 'legacy-x509', name: 'old-expired', parameters: external(pki.clientLeafExpired.certPem)},
      {instance: 'partner-in', name: 'dup-of-s4', parameters: external(pki.clientLeaf.certPem)},
      {instance: 'partner-in', name: 'sap-gen', parameters: {'key-type': 'certificate', validity: 365}},
      // validuntil as epoch seconds (expiring) and as a string of epoch milliseconds (fine).
      {instance: 'epoch-in', name: 'soon', credentials: {oauth: {clientid: 'sb-x', certificatedetails: {subjectdn: 'CN=epoch-soon,O=Demo', issuerdn: 'CN=Some CA', validuntil: Math.floor((Date.now() + 5 * DAY) / 1000)}}}},
      {instance: 'epoch-in', name: 'later', credentials: {oauth: {clientid: 'sb-y', certificatedetails: {subjectdn: 'CN=epoch-later,O=Demo', issuerdn: 'CN=Some CA', validuntil: String(Date.now() + 100 * DAY)}}}},
      {instance: 'api-client', name: 'api-basic'},
    ],
  });
  clean = await makeLandscape({
    instances: [
      {name: 'orders-in', parameters: ROLE},
      {name: 'api-client', plan: 'api', parameters: {roles: ['MonitoringDataRead'], 'grant-types': ['client_credentials']}},
    ],
    keys: [
      {instance: 'orders-in', name: 's4-current', parameters: external(pki.clientLeaf.certPem)},
      {instance: 'api-client', name: 'api-basic'},
    ],
  });
}, 60_000);

afterAll(async () => {
  await findings?.dispose();
  await clean?.dispose();
  await rm(dir, {recursive: true, force: true});
});

function adapter(l: Landscape, perPage = 2, guidBatchSize = 3) {
  return createCfAdapter({binary: l.cf, env: {CF_HOME: l.home}, perPage, guidBatchSize, defaultTimeoutMs: 20_000});
}

describe('parseValidUntil', () => {
  it('reads ISO, epoch seconds, epoch milliseconds, digit strings and OData dates', () => {
    expect(parseValidUntil('2027-01-31T10:00:00Z')).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil(1801389600)).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil(1801389600000)).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil('1801389600000')).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil('/Date(1801389600000)/')).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil('2027-01-31 10:00:00')).toBe('2027-01-31T10:00:00.000Z');
    expect(parseValidUntil('soon')).toBeNull();
    expect(parseValidUntil(null)).toBeNull();
  });
});

describe('audit against the stand-in cf', () => {
  it('finds every planted problem across several result pages, with bounded cf calls', async () => {
    const cf = adapter(findings);
    const data = await collectAudit(cf, {parallel: 4});
    const report = analyseAudit(data, {days: 30});

    expect(data.instances.map(i => i.name)).toEqual(['api-client', 'epoch-in', 'legacy-x509', 'orders-in', 'partner-in']);
    const orders = data.instances.find(i => i.name === 'orders-in')!;
    expect(orders).toMatchObject({planName: 'integration-flow', roles: ['ESBMessaging.send'], grantTypes: ['client_credentials']});
    expect(Object.fromEntries(orders.keys.map(k => [k.name, k.type]))).toEqual({basic: 'client-secret', 's4-current': 'external-certificate', 's4-expiring': 'external-certificate'});
    expect(data.instances.find(i => i.name === 'partner-in')!.keys.find(k => k.name === 'sap-gen')!.type).toBe('sap-generated-certificate');

    const ids = report.findings.map(f => `${f.severity}:${f.id}:${f.refs.map(r => (r.keyName ? `${r.instanceName}/${r.keyName}` : r.instanceName)).join('+')}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        'fail:client-x509:legacy-x509',
        'fail:expired:legacy-x509/old-expired',
        'fail:expiring:orders-in/s4-expiring',
        'fail:expiring:epoch-in/soon',
        'info:secret-key:orders-in/basic',
      ]),
    );
    const duplicate = report.findings.find(f => f.id === 'duplicate-certificate')!;
    expect(duplicate.refs.map(r => `${r.instanceName}/${r.keyName}`).sort()).toEqual(['orders-in/s4-current', 'partner-in/dup-of-s4']);
    const shared = report.findings.find(f => f.id === 'shared-dn')!;
    expect(shared.severity).toBe('warn');
    expect(shared.refs.map(r => r.keyName).sort()).toEqual(['dup-of-s4', 'old-expired', 's4-current', 's4-expiring']);
    // No finding for the api instance's secret key, and none for the later epoch key.
    expect(ids.some(id => id.includes('api-client') || id.includes('epoch-in/later'))).toBe(false);
    expect(report.failed).toBe(true);

    // Cost: pages of the instance list + pages per GUID batch + one read per instance and key.
    const curls = cf.log.filter(e => e.args[0] === 'curl').map(e => e.args[1]!);
    const instancePages = curls.filter(p => p.startsWith('/v3/service_instances?')).length;
    const keyPages = curls.filter(p => p.startsWith('/v3/service_credential_bindings?')).length;
    expect(instancePages).toBe(3); // 5 instances, 2 per page
    expect(keyPages).toBeGreaterThanOrEqual(4); // 2 batches (3 + 2 instances), 9 keys, 2 per page
    expect(keyPages).toBeLessThanOrEqual(6);
    expect(curls.filter(p => /\/parameters$/.test(p))).toHaveLength(5);
    expect(curls.filter(p => /\/details$/.test(p))).toHaveLength(9);
    expect(data.stats.cfCalls).toBe(cf.log.length);

    // Nothing secret reaches the report.
    const text = renderAuditText(report) + renderAuditMarkdown(report) + JSON.stringify(report);
    const state = findings.state();
    for (const key of state.keys) {
      const oauth = key.credentials.oauth as Record<string, unknown>;
      if (typeof oauth.clientsecret === 'string') expect(text).not.toContain(oauth.clientsecret);
      if (typeof oauth.key === 'string') expect(text).not.toContain(String(oauth.key).split('\n')[1]);
    }
    expect(renderAuditText(report)).toMatch(/orders-in\s+integration-flow\s+ESBMessaging\.send/);
  });

  it('reports a clean landscape as clean', async () => {
    const report = analyseAudit(await collectAudit(adapter(clean)), {days: 30});
    expect(report.findings).toEqual([]);
    expect(report.failed).toBe(false);
    expect(renderAuditText(report)).toContain('✔ No findings.');
  });

  it('--org scope also reads the other spaces of the org', async () => {
    const l = await makeLandscape({
      extraSpaces: ['qa'],
      instances: [
        {name: 'dev-in', parameters: ROLE},
        {name: 'qa-in', space: 'qa', parameters: ROLE},
      ],
      keys: [
        {instance: 'dev-in', name: 'dev-key', parameters: external(pki.clientLeaf.certPem)},
        {instance: 'qa-in', name: 'qa-key', parameters: external(pki.clientLeafExpired.certPem)},
      ],
    });
    try {
      const space = analyseAudit(await collectAudit(adapter(l)));
      expect(space.data.instances.map(i => i.name)).toEqual(['dev-in']);
      expect(space.failed).toBe(false);
      const org = analyseAudit(await collectAudit(adapter(l), {scope: 'org'}));
      expect(org.data.instances.map(i => i.name)).toEqual(['dev-in', 'qa-in']);
      expect(org.findings.map(f => f.id)).toEqual(['expired', 'shared-dn']);
      expect(renderAuditText(org)).toMatch(/qa-in \(space [0-9a-f]{8}\)/);
    } finally {
      await l.dispose();
    }
  });

  it('the CLI exits 1 with findings, 0 when clean, and writes Markdown and JSON', {timeout: 90_000}, async () => {
    const out = path.join(dir, 'out');
    const failing = await run(process.execPath, [CLI, 'audit', '--cf', findings.cf, '--json', '--out', out], {env: {...process.env, CF_HOME: findings.home}}).then(
      () => ({code: 0, stdout: ''}),
      (error: {code: number; stdout: string}) => ({code: error.code, stdout: error.stdout}),
    );
    expect(failing.code).toBe(1);
    const json = JSON.parse(failing.stdout);
    expect(json.outcome).toBe('findings');
    expect(json.summary).toMatchObject({instances: 5, keys: 9});
    expect(JSON.parse(await readFile(path.join(out, 'audit.json'), 'utf8')).summary.fail).toBe(json.summary.fail);
    expect(await readFile(path.join(out, 'audit.md'), 'utf8')).toContain('| orders-in | integration-flow |');

    const ok = await run(process.execPath, [CLI, 'audit', '--cf', clean.cf, '--days', '10'], {env: {...process.env, CF_HOME: clean.home}});
    expect(ok.stdout).toContain('No findings');

    const usage = await run(process.execPath, [CLI, 'audit', '--days', 'many'], {env: process.env}).catch((error: {code: number; stderr: string}) => error);
    expect((usage as {code: number}).code).toBe(2);

    // The workshop's "expiring" scenario: both planted keys are reported.
    const demo = await run(process.execPath, [CLI, 'audit', '--demo', 'expiring', '--json'], {env: {...process.env, CPI_MTLS_DEMO_HOME: path.join(dir, 'demo-expiring')}}).then(
      () => ({code: 0, stdout: ''}),
      (error: {code: number; stdout: string}) => ({code: error.code, stdout: error.stdout}),
    );
    expect(demo.code).toBe(1);
    const expiring = JSON.parse(demo.stdout).findings.filter((f: {id: string}) => f.id === 'expiring');
    expect(expiring.map((f: {refs: Array<{instanceName: string; keyName: string}>}) => `${f.refs[0]!.instanceName}/${f.refs[0]!.keyName}`).sort()).toEqual(['cpi-inbound-invoices/sap-generated-invoices', 'cpi-inbound-mtls/s4hana-sender-expiring']);
  });
});
