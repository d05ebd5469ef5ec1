/**
 * The embedded demo landscape: a stand-in `cf` first on PATH with its own CF_HOME, a local HTTPS
 * tenant (load balancer, runtime, API) and the certificate files a customer would hand over.
 * The wizard runs its real code path against it: the adapter finds the stand-in exactly as it
 * finds the real cf. Torn down when the run ends (its folder is kept when CPI_MTLS_DEMO_HOME
 * names one, so tests and trainers can look at what the landscape holds).
 */
import {X509Certificate} from 'node:crypto';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {installFakeCf} from './fakecf/install.js';
import {readSimState, seedState, type SeedOptions, type SimState} from './fakecf/state.js';
import {createDemoPki, writeDemoFixtures, type DemoFixturePaths, type DemoPki} from './pki.js';
import {startDemoTenant, type CertificateResolution, type DemoIflow, type DemoTenant} from './tenant.js';

export interface DemoLandscape {
  scenario: string;
  home: string;
  stateFile: string;
  /** Environment for cf: the stand-in's folder first on PATH, and its CF_HOME. */
  cfEnv: Record<string, string>;
  fixtures: DemoFixturePaths;
  pki: DemoPki;
  tenant: DemoTenant;
  extraTrustedClientRootsPem: string[];
  extraServerCaPems: string[];
  defaults: {certificatePath: string; privateKeyPath: string; endpointPath: string; instanceName?: string};
  stop(): Promise<void>;
}

export const DEMO_IFLOWS: DemoIflow[] = [
  {id: 'Demo_Orders_Inbound', name: 'Demo Orders Inbound', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'ESBMessaging.send'},
];

export interface LandscapeOptions {
  scenario?: string;
  /** Keep the landscape in this folder (created if missing) instead of a temporary one. */
  home?: string;
  seed?: SeedOptions;
}

function firstCertificateFingerprint(pem: unknown): string | null {
  if (typeof pem !== 'string') return null;
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem.replace(/\\n/g, '\n'));
  if (!match) return null;
  try {
    return new X509Certificate(match[0]).fingerprint256;
  } catch {
    return null;
  }
}

function oauthOf(credentials: Record<string, unknown>): Record<string, unknown> {
  const oauth = credentials.oauth;
  return oauth && typeof oauth === 'object' ? (oauth as Record<string, unknown>) : credentials;
}

function rolesOf(state: SimState, instanceGuid: string): {name: string; roles: string[]} {
  const instance = state.instances.find(i => i.guid === instanceGuid);
  const roles = Array.isArray(instance?.parameters?.roles) ? (instance!.parameters.roles as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  return {name: instance?.name ?? instanceGuid, roles};
}

/** Which service keys in the stand-in's state hold this certificate (all it-rt instances). */
export function resolveFromState(state: SimState | null, fingerprint256: string): CertificateResolution {
  if (!state) return {keys: []};
  const keys = state.keys
    .filter(key => firstCertificateFingerprint(oauthOf(key.credentials).certificate) === fingerprint256)
    .map(key => {
      const {name, roles} = rolesOf(state, key.instance_guid);
      return {instanceName: name, keyName: key.name, roles};
    });
  return {keys};
}

export async function startDemoLandscape(options: LandscapeOptions = {}): Promise<DemoLandscape> {
  const scenario = options.scenario ?? 'happy';
  const keep = Boolean(options.home);
  const home = options.home ?? (await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-demo-')));
  await mkdir(home, {recursive: true});
  const cfHome = path.join(home, 'cf-home');
  const stateFile = path.join(cfHome, '.cf', 'sim-state.json');
  const binDir = path.join(home, 'bin');
  await mkdir(path.dirname(stateFile), {recursive: true});

  const pki = await createDemoPki();
  const fixtures = await writeDemoFixtures(pki, path.join(home, 'customer-files'));
  const tenant = await startDemoTenant({
    pki,
    resolveCertificate: (_leafPem, fingerprint256) => resolveFromState(readSimState(stateFile), fingerprint256),
    resolveBasic(clientId, clientSecret) {
      const state = readSimState(stateFile);
      const key = state?.keys.find(k => oauthOf(k.credentials).clientid === clientId && oauthOf(k.credentials).clientsecret === clientSecret);
      if (!state || !key) return null;
      const {name, roles} = rolesOf(state, key.instance_guid);
      return {instanceName: name, roles};
    },
    iflows: DEMO_IFLOWS,
    keystore: {sapKeyPairPresent: true},
    apiClients: [],
  });

  try {
    await installFakeCf(binDir);
    await seedState(stateFile, {
      runtimeUrl: tenant.runtimeUrl,
      apiUrl: tenant.apiUrl,
      tokenUrl: tenant.tokenUrl,
      sapClientCa: {certPem: pki.sapClientCa.certPem, keyPem: pki.sapClientCa.keyPem},
      user: 'consultant@example.com',
      org: 'demo-customer',
      space: 'integration-dev',
      ...options.seed,
    });
  } catch (error) {
    await tenant.close();
    if (!keep) await rm(home, {recursive: true, force: true});
    throw error;
  }

  return {
    scenario,
    home,
    stateFile,
    cfEnv: {PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`, CF_HOME: cfHome},
    fixtures,
    pki,
    tenant,
    extraTrustedClientRootsPem: [pki.clientRoot.certPem, pki.sapCloudRoot.certPem],
    extraServerCaPems: [tenant.serverCaPem],
    defaults: {certificatePath: fixtures.clientChain, privateKeyPath: fixtures.clientKey, endpointPath: '/http/demo/orders'},
    async stop() {
      await tenant.close();
      if (!keep) await rm(home, {recursive: true, force: true, maxRetries: 3});
    },
  };
}
