import {X509Certificate} from 'node:crypto';
import {Writable} from 'node:stream';
import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {defaultDemoHome, resetDemoLandscape, startDemoLandscape, type DemoLandscape} from '../../src/demo/landscape.js';
import {CHANNEL_UPLOAD_FOLDER, DEFAULT_DEMO_SCENARIO, DEMO_SCENARIOS, findDemoScenario} from '../../src/demo/scenarios.js';
import type {SimState} from '../../src/demo/fakecf/state.js';
import {runCertInspect} from '../../src/commands/cert-inspect.js';

// Each scenario seeds its own landscape on first start; these tests start landscapes in-process
// (stand-in cf state, local tenant) and read what a fresh one holds. One demo PKI is shared
// through the landscape's own PKI file, so the tests skip the key generation.

let dir: string;
let pki: DemoPki;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-scenarios-'));
  pki = await createDemoPki();
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function homeWithPki(name: string): Promise<string> {
  const home = path.join(dir, name);
  await mkdir(home, {recursive: true});
  await writeFile(path.join(home, 'demo-pki.json'), JSON.stringify(pki), {mode: 0o600});
  return home;
}

async function stateOf(landscape: DemoLandscape): Promise<SimState> {
  return JSON.parse(await readFile(landscape.stateFile, 'utf8')) as SimState;
}

async function withLandscape<T>(scenario: string, home: string, fn: (landscape: DemoLandscape) => Promise<T>): Promise<T> {
  const landscape = await startDemoLandscape({scenario, home});
  try {
    return await fn(landscape);
  } finally {
    await landscape.stop();
  }
}

/** One GET on the demo runtime with the demo client certificate (leaf + intermediate). */
async function callRuntime(landscape: DemoLandscape, urlPath: string): Promise<{status: number; body: string}> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${landscape.tenant.runtimeUrl}${urlPath}`,
      {method: 'GET', cert: landscape.pki.clientLeaf.chainPem, key: landscape.pki.clientLeaf.keyPem, ca: landscape.extraServerCaPems, timeout: 10_000},
      response => {
        let body = '';
        response.on('data', chunk => (body += chunk));
        response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

describe('scenario catalogue', () => {
  it('lists every workshop scenario once, happy first, each with a one-line summary, a lesson and trainer notes', () => {
    const names = DEMO_SCENARIOS.map(s => s.name);
    expect(names[0]).toBe(DEFAULT_DEMO_SCENARIO);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['happy', 'root-instead-of-leaf', 'no-client-auth', 'missing-chain', 'duplicate-certificate', 'role-mismatch', 'client-x509', 'trial', 'option-2', 'expiring']),
    );
    for (const scenario of DEMO_SCENARIOS) {
      // `--demo --list` pads the name to 24 columns: name + summary fit in 100.
      expect(scenario.summary.length, scenario.name).toBeLessThanOrEqual(76);
      expect(scenario.summary).not.toContain('\n');
      expect(scenario.lesson.length, scenario.name).toBeGreaterThanOrEqual(2);
      expect(scenario.lesson.length, scenario.name).toBeLessThanOrEqual(3);
      expect(scenario.trainer.length, scenario.name).toBeGreaterThanOrEqual(1);
    }
    expect(findDemoScenario('nope')).toBeUndefined();
  });
});

describe('scenario landscapes', () => {
  it('seeds duplicate-certificate with the demo client leaf in a key of legacy-orders-inbound', async () => {
    const home = await homeWithPki('duplicate');
    await withLandscape('duplicate-certificate', home, async landscape => {
      const state = await stateOf(landscape);
      const legacy = state.instances.find(i => i.name === 'legacy-orders-inbound')!;
      expect(legacy.parameters).toEqual({roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []});
      const key = state.keys.find(k => k.instance_guid === legacy.guid)!;
      expect(key.name).toBe('s4hana-sender-2025');
      const certificate = (key.credentials.oauth as {certificate: string}).certificate;
      expect(new X509Certificate(certificate).fingerprint256).toBe(new X509Certificate(pki.clientLeaf.certPem).fingerprint256);
      expect(landscape.defaults.certificatePath).toBe(landscape.fixtures.clientChain);
      expect(JSON.parse(await readFile(path.join(home, 'landscape.json'), 'utf8')).scenario).toBe('duplicate-certificate');
    });
  });

  it('offers the file each mistake is about as the default certificate', async () => {
    const cases: Array<[string, (l: DemoLandscape) => {certificatePath: string; privateKeyPath: string}]> = [
      ['root-instead-of-leaf', l => ({certificatePath: l.fixtures.caOnly, privateKeyPath: l.fixtures.clientKey})],
      ['no-client-auth', l => ({certificatePath: l.fixtures.variants.noClientAuth.chain, privateKeyPath: l.fixtures.variants.noClientAuth.key})],
      ['missing-chain', l => ({certificatePath: l.fixtures.clientLeaf, privateKeyPath: l.fixtures.clientKey})],
      ['happy', l => ({certificatePath: l.fixtures.clientChain, privateKeyPath: l.fixtures.clientKey})],
    ];
    for (const [scenario, expected] of cases) {
      await withLandscape(scenario, await homeWithPki(`defaults-${scenario}`), async landscape => {
        expect(landscape.scenario).toBe(scenario);
        expect(landscape.defaults).toMatchObject({...expected(landscape), endpointPath: '/http/demo/orders', endpointPathOption2: '/http/demo/orders-cert'});
      });
    }
    // The files really are what their names say.
    const caOnly = new X509Certificate(pki.clientRoot.certPem);
    expect(caOnly.ca).toBe(true);
  });

  it('seeds client-x509 with the deprecated grant and expiring with keys that expire in 10 days', async () => {
    await withLandscape('client-x509', await homeWithPki('x509'), async landscape => {
      const state = await stateOf(landscape);
      expect(state.instances.map(i => [i.name, i.parameters['grant-types']])).toEqual([['cpi-inbound-mtls', ['client_x509']]]);
      expect(state.keys).toEqual([]);
    });
    await withLandscape('expiring', await homeWithPki('expiring'), async landscape => {
      const state = await stateOf(landscape);
      const validUntil = Object.fromEntries(state.keys.map(k => [k.name, Date.parse((k.credentials.oauth as {certificatedetails: {validuntil: string}}).certificatedetails.validuntil)]));
      expect(Object.keys(validUntil).sort()).toEqual(['s4hana-sender-expiring', 'sap-generated-invoices']);
      for (const until of Object.values(validUntil)) {
        const days = (until - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(8);
        expect(days).toBeLessThanOrEqual(10.01);
      }
      expect(state.instances.map(i => i.name)).toEqual(['cpi-inbound-mtls', 'cpi-inbound-invoices']);
    });
  });

  it('trial: a trial org, and the tenant answers every certificate call with 401 invalid_client', async () => {
    await withLandscape('trial', await homeWithPki('trial'), async landscape => {
      const state = await stateOf(landscape);
      expect(state.target.org?.name).toMatch(/trial$/);
      expect(state.api?.target).toContain('us10-001');
      const answer = await callRuntime(landscape, '/http/demo/orders');
      expect(answer.status).toBe(401);
      expect(answer.body).toContain('invalid_client');
    });
  });

  it('role-mismatch: the role-based channel checks Orders.send; option-2: the channel lists the old certificate until one is "redeployed"', async () => {
    await withLandscape('role-mismatch', await homeWithPki('role'), async landscape => {
      const state = await stateOf(landscape);
      // Plant an instance with the default role and a key for the demo certificate, as the wizard would.
      const {plantInstance, plantKey} = await import('../../src/demo/fakecf/broker.js');
      const {writeStateFile} = await import('../../src/demo/fakecf/state.js');
      plantInstance(state, {name: 'cpi-inbound-mtls', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}});
      plantKey(state, {instance: 'cpi-inbound-mtls', name: 's4hana-sender', parameters: {'key-type': 'certificate_external', 'X.509': pki.clientLeaf.certPem}});
      writeStateFile(landscape.stateFile, state);
      const answer = await callRuntime(landscape, '/http/demo/orders');
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('does not grant the role Orders.send');
    });

    const home = await homeWithPki('option2');
    await withLandscape('option-2', home, async landscape => {
      const state = await stateOf(landscape);
      const {plantInstance, plantKey} = await import('../../src/demo/fakecf/broker.js');
      const {writeStateFile} = await import('../../src/demo/fakecf/state.js');
      plantInstance(state, {name: 'cpi-inbound-channel', parameters: {'grant-types': ['client_credentials'], 'redirect-uris': []}});
      plantKey(state, {instance: 'cpi-inbound-channel', name: 'partner', parameters: {'key-type': 'certificate_external', 'X.509': pki.clientLeaf.certPem}});
      writeStateFile(landscape.stateFile, state);
      const before = await callRuntime(landscape, '/http/demo/orders-cert');
      expect(before.status).toBe(403);
      expect(before.body).toContain('is not contained in the accepted subjectAndIssuers list');
      expect(before.body).toContain('issuer: cn=cpi-mtls demo client issuing ca');
      // "Upload to the channel and redeploy": the tenant reads the folder on every call.
      await mkdir(path.join(home, CHANNEL_UPLOAD_FOLDER));
      await writeFile(path.join(home, CHANNEL_UPLOAD_FOLDER, 'sender-channel-certificate.crt'), pki.clientLeaf.certPem);
      const after = await callRuntime(landscape, '/http/demo/orders-cert');
      expect(after.status).toBe(200);
    });
  });

  it('keeps a landscape between runs, refuses to lay another seeded scenario over it, and reset starts it fresh', async () => {
    const home = await homeWithPki('persist');
    const firstGuid = await withLandscape('client-x509', home, async landscape => (await stateOf(landscape)).instances[0]!.guid);
    // A second start finds the same landscape (no second seeding).
    await withLandscape('client-x509', home, async landscape => {
      const state = await stateOf(landscape);
      expect(state.instances.map(i => i.guid)).toEqual([firstGuid]);
      expect(state.settings.runtimeUrl).toBe(landscape.tenant.runtimeUrl);
    });
    // A plain start (a command's own demo) reuses it as it is, with the scenario that seeded it.
    await withLandscape('happy', home, async landscape => {
      expect(landscape.scenario).toBe('client-x509');
      expect((await stateOf(landscape)).instances.map(i => i.guid)).toEqual([firstGuid]);
    });
    // Another seeded scenario would mix two starts: a clear stop instead.
    await expect(startDemoLandscape({scenario: 'trial', home})).rejects.toThrow(/set up for scenario "client-x509", not "trial".*cpi-mtls --demo reset trial/);

    await resetDemoLandscape('client-x509', home);
    await expect(stat(home)).rejects.toThrow();
    await homeWithPki('persist');
    await withLandscape('trial', home, async landscape => {
      expect(landscape.scenario).toBe('trial');
      expect((await stateOf(landscape)).instances).toEqual([]);
    });
  });

  it('gives each scenario its own default folder', () => {
    expect(defaultDemoHome('trial')).not.toBe(defaultDemoHome('happy'));
    expect(defaultDemoHome('trial')).toBe(path.join(os.homedir(), '.cpi-mtls', 'demo', 'trial'));
  });

  it('cert inspect --demo trusts the demo\'s roots like the wizard, so its own client certificate passes', async () => {
    const home = await homeWithPki('inspect');
    const chain = await withLandscape('happy', home, async landscape => landscape.fixtures.clientChain);
    const inspect = async (args: string[]) => {
      let out = '';
      const stdout = new Writable({write: (chunk, _encoding, done) => ((out += String(chunk)), done())});
      const code = await runCertInspect([...args, '--json'], {stdout, stderr: new Writable({write: (_c, _e, done) => done()}), env: {CPI_MTLS_DEMO_HOME: home}});
      return {code, root: (JSON.parse(out) as {checks: {id: string; verdict: string}[]}).checks.filter(check => /root/.test(check.id))};
    };
    const withDemo = await inspect(['--demo', 'happy', chain]);
    expect(withDemo.code).toBe(0);
    expect(withDemo.root.every(check => check.verdict === 'pass')).toBe(true);
    const withoutDemo = await inspect([chain]);
    expect(withoutDemo.root.some(check => check.verdict !== 'pass')).toBe(true);
  });
});
