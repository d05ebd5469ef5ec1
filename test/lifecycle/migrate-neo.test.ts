import {execFile} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {deriveInstanceName, roleKeyOf} from '../../flows/migrate-neo.js';
import {buildSampleNeoExport, startNeoApiServer, writeSampleNeoExport, type NeoApiServer, type NeoSamplePaths} from '../../src/demo/neo.js';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {CpiMtlsError} from '../../src/errors.js';
import {fetchNeoMappings, neoCertificateToPem, parseNeoMappings, readNeoMappingsFile, readRolesFile} from '../../src/lifecycle/neo.js';
import {makeLandscape, type Landscape} from '../fakecf/fixture.js';
import {CLI} from '../helpers/pty.js';

const run = promisify(execFile);
let dir: string;
let pki: DemoPki;
let sample: NeoSamplePaths;
let server: NeoApiServer;
let landscape: Landscape | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-neo-'));
  pki = await createDemoPki();
  sample = await writeSampleNeoExport(pki, path.join(dir, 'neo'));
  server = await startNeoApiServer({pki, mappings: sample.mappings});
}, 60_000);

afterAll(async () => {
  await server?.close();
  await landscape?.dispose();
  await rm(dir, {recursive: true, force: true});
});

async function cli(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> {
  return run(process.execPath, [CLI, ...args], {env: {...process.env, ...env}, timeout: 180_000, maxBuffer: 20 * 1024 * 1024}).then(
    r => ({code: 0, stdout: r.stdout, stderr: r.stderr}),
    (e: {code: number; stdout: string; stderr: string}) => ({code: e.code, stdout: e.stdout, stderr: e.stderr}),
  );
}

interface SimState {
  instances: Array<{guid: string; name: string; parameters: {roles?: string[]}}>;
  keys: Array<{name: string; instance_guid: string; credentials: {oauth?: {certificate?: string}}; last_operation: {state: string}}>;
}

function summarise(state: SimState): {instances: Record<string, string[]>; keys: Record<string, string[]>; fingerprints: string[]} {
  const instances = Object.fromEntries(state.instances.map(i => [i.name, i.parameters.roles ?? []]));
  const keys: Record<string, string[]> = {};
  for (const key of state.keys) {
    const instance = state.instances.find(i => i.guid === key.instance_guid)!.name;
    (keys[instance] ??= []).push(key.name);
  }
  for (const list of Object.values(keys)) list.sort();
  const fingerprints = state.keys.filter(k => k.credentials.oauth?.certificate).map(k => new X509Certificate(k.credentials.oauth!.certificate!).fingerprint256);
  return {instances, keys, fingerprints};
}

describe('Neo mappings input', () => {
  it('reads the Certificate field as base64 DER, base64 PEM or PEM with literal \\n', () => {
    const pem = pki.clientLeaf.certPem;
    const der = new X509Certificate(pem).raw.toString('base64');
    const fingerprint = new X509Certificate(pem).fingerprint256;
    for (const form of [der, Buffer.from(pem).toString('base64'), pem, pem.replace(/\n/g, '\\n')]) {
      expect(new X509Certificate(neoCertificateToPem(form).pem!).fingerprint256).toBe(fingerprint);
    }
    expect(neoCertificateToPem('not a certificate').pem).toBeNull();
    const mappings = parseNeoMappings({d: {results: [{Id: 'x', User: 'U1', Certificate: der, ValidUntil: 1747094340000}, {Id: 'y', User: 'U2', Certificate: ''}]}}, 'test');
    expect(mappings[0]).toMatchObject({id: 'x', user: 'U1', validUntil: '2025-05-12T23:59:00.000Z'});
    expect(mappings[1]).toMatchObject({certificatePem: null, certificateError: 'the mapping has no certificate'});
    expect(() => parseNeoMappings({something: 1}, 'the file')).toThrow(/not a list of certificate-to-user mappings/);
  });

  it('fetches every page from the Neo API stand-in with Basic auth, and says why a bad password fails', async () => {
    const before = server.requests.length;
    const mappings = await fetchNeoMappings({url: server.url, user: server.user, password: server.password, caPems: [server.caPem]});
    expect(mappings.map(m => m.user)).toEqual(buildSampleNeoExport(pki).export.d.results.map(r => r.User));
    expect(server.requests.length - before).toBe(3); // 7 mappings, 3 per page
    const error = await fetchNeoMappings({url: `${server.url}/api/v1`, user: server.user, password: 'wrong', caPems: [server.caPem]}).catch(e => e);
    expect(error).toBeInstanceOf(CpiMtlsError);
    expect((error as CpiMtlsError).code).toBe('neo-unauthorized');
    // Without the stand-in's CA the TLS check fails (no silent trust).
    const untrusted = await fetchNeoMappings({url: server.url, user: server.user, password: server.password}).catch(e => e);
    expect((untrusted as CpiMtlsError).code).toBe('neo-network');
  });

  it('a mappings or roles file that is missing or not JSON is refused with the file named and a fix', async () => {
    const notJson = path.join(dir, 'not-json.json');
    await writeFile(notJson, '{"d": ');
    const missing = path.join(dir, 'missing.json');
    const cases: Array<[() => Promise<unknown>, string, RegExp]> = [
      [() => readNeoMappingsFile(missing), 'file-not-found', /Cannot read the mappings file .*missing\.json: it does not exist/],
      [() => readNeoMappingsFile(notJson), 'neo-mappings-format', /not-json\.json is not JSON/],
      [() => readRolesFile(missing), 'file-not-found', /Cannot read the roles file .*missing\.json/],
      [() => readRolesFile(notJson), 'roles-format', /not-json\.json is not JSON/],
    ];
    for (const [read, code, message] of cases) {
      const error = (await read().catch(e => e)) as CpiMtlsError;
      expect(error).toBeInstanceOf(CpiMtlsError);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.fix.length).toBeGreaterThan(0);
    }
    // A well-formed roles file is read as it is.
    const roles = path.join(dir, 'roles.json');
    await writeFile(roles, JSON.stringify({U1: ['Orders.send']}));
    expect(await readRolesFile(roles)).toEqual({U1: ['Orders.send']});
  });

  it('derives readable instance names within 32 characters', () => {
    expect(deriveInstanceName(['Orders.send', 'ESBMessaging.send'])).toBe('neo-esbmessaging-orders');
    const long = deriveInstanceName(['Customer.Orders.Inbound.send', 'Customer.Invoices.Inbound.send', 'ESBMessaging.send']);
    expect(long.length).toBeLessThanOrEqual(32);
    expect(long).toMatch(/^neo-customer/);
    expect(roleKeyOf(['b', 'a'])).toBe(roleKeyOf(['a', 'b']));
  });
});

describe('migrate-neo against the stand-in cf', () => {
  it('migrates the sample export: one instance per role set, one key per movable certificate', async () => {
    landscape = await makeLandscape({instances: [{name: 'unrelated', parameters: {roles: ['Other.send'], 'grant-types': ['client_credentials']}}]});
    const root = path.join(dir, 'demo-client-root.pem');
    await writeFile(root, pki.clientRoot.certPem);
    const result = await cli(['migrate-neo', '--cf', landscape.cf, '--mappings', sample.mappings, '--roles', sample.roles, '--ca', sample.caCertificates, '--trust-root', root, '--yes', '--json', '--out', path.join(dir, 'file-out')], {CF_HOME: landscape.home});
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.summary).toEqual({mappings: 7, created: 4, existing: 0, skipped: 3, failed: 0, planned: 0});
    const byUser = Object.fromEntries(json.mappings.map((m: {user: string}) => [m.user, m]));
    expect(byUser.LEGACY_BILLING.reason).toMatch(/expired/);
    expect(byUser.PARTNER_GATEWAY.reason).toMatch(/Same certificate as mapping .* S4HANA_SENDER/);
    expect(byUser.WAREHOUSE_SENDER.reason).toMatch(/Web Client Authentication/);
    expect(byUser.S4HANA_SENDER.instanceName).toBe(byUser.CRM_SENDER.instanceName);

    const state = summarise(landscape.state() as unknown as SimState);
    expect(state.instances).toEqual({
      unrelated: ['Other.send'],
      'neo-esbmessaging': ['ESBMessaging.send'],
      'neo-esbmessaging-orders': ['ESBMessaging.send', 'Orders.send'],
      'neo-invoices': ['Invoices.send'],
    });
    expect(state.keys).toEqual({
      'neo-esbmessaging': [byUser.HR_SENDER.keyName],
      'neo-esbmessaging-orders': [byUser.CRM_SENDER.keyName, byUser.S4HANA_SENDER.keyName].sort(),
      'neo-invoices': [byUser.BILLING_SENDER.keyName],
    });
    expect(new Set(state.fingerprints).size).toBe(state.fingerprints.length);
    const report = await readFile(path.join(dir, 'file-out/migration-report.md'), 'utf8');
    expect(report).toContain('Create the custom roles in the Cloud Foundry tenant: Orders.send, Invoices.send');
    const planFile = JSON.parse(await readFile(path.join(dir, 'file-out/migration-plan.json'), 'utf8'));
    expect(planFile.operations.map((o: {args: string[]}) => o.args[0])).toEqual(['create-service', 'create-service-key', 'create-service', 'create-service-key', 'create-service-key', 'create-service', 'create-service-key']);

    // Without --yes a headless run plans only: nothing new is planned now, nothing changes.
    const again = await cli(['migrate-neo', '--cf', landscape.cf, '--mappings', sample.mappings, '--roles', sample.roles, '--ca', sample.caCertificates, '--trust-root', root, '--json', '--out', path.join(dir, 'file-out2')], {CF_HOME: landscape.home});
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).summary).toMatchObject({existing: 4, created: 0, planned: 0});
  }, 180_000);

  it('headless without roles stops with exit 2 and names the missing answer', async () => {
    const l = await makeLandscape({});
    try {
      const result = await cli(['migrate-neo', '--cf', l.cf, '--mappings', sample.mappings, '--ca', sample.caCertificates, '--json', '--out', path.join(dir, 'no-roles')], {CF_HOME: l.home});
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/No answer for "Roles of a user"/);
    } finally {
      await l.dispose();
    }
  }, 60_000);
});

describe('migrate-neo --demo (Neo API stand-in)', () => {
  it('continues after a partial failure without duplicates', async () => {
    const home = path.join(dir, 'demo-home');
    const fault = JSON.stringify({'create-service-key': {type: 'broker-error', message: 'Service broker timeout', once: true}});
    const first = await cli(['migrate-neo', '--demo', '--yes', '--json', '--out', path.join(dir, 'demo-1')], {CPI_MTLS_DEMO_HOME: home, CF_SIM_FAULTS: fault});
    expect(first.code).toBe(1);
    const one = JSON.parse(first.stdout);
    expect(one.summary).toMatchObject({created: 3, failed: 1, skipped: 3});
    const failed = one.mappings.find((m: {status: string}) => m.status === 'failed');
    expect(failed.reason).toContain('Service broker timeout');
    expect(first.stderr).toMatch(/Neo API stand-in at https:\/\/127\.0\.0\.1:\d+/);

    const second = await cli(['migrate-neo', '--demo', '--yes', '--json', '--out', path.join(dir, 'demo-2')], {CPI_MTLS_DEMO_HOME: home});
    expect(second.code, second.stderr).toBe(0);
    const two = JSON.parse(second.stdout);
    expect(two.summary).toMatchObject({created: 1, existing: 3, failed: 0});
    // The key the failed create left behind is replaced under its own name.
    expect(two.plan.operations.map((o: {args: string[]}) => o.args.slice(0, 3).join(' '))).toEqual([`delete-service-key ${failed.instanceName} ${failed.keyName}`, `create-service-key ${failed.instanceName} ${failed.keyName}`]);

    const state = summarise(JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8')) as SimState);
    expect(Object.keys(state.instances).sort()).toEqual(['neo-esbmessaging', 'neo-esbmessaging-orders', 'neo-invoices']);
    expect(Object.values(state.keys).flat()).toHaveLength(4);
    expect(new Set(state.fingerprints).size).toBe(4);
    // The Neo password never reaches the output.
    expect(first.stdout + second.stdout + (await readFile(path.join(dir, 'demo-2/migration-report.json'), 'utf8'))).not.toMatch(/"(neoPassword|password)"/);
  }, 240_000);
});
