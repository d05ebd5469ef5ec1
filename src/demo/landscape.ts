/**
 * The embedded demo landscape: a stand-in `cf` first on PATH with its own CF_HOME, a local HTTPS
 * tenant (load balancer, runtime, API) and the certificate files a customer would hand over.
 * The wizard runs its real code path against it: the adapter finds the stand-in exactly as it
 * finds the real cf. The tenant stops when the run ends; the landscape itself (cf state, demo CA)
 * stays in its folder like a real one would, so a second run finds what the first created
 * (audit, renewal, resume). `cpi-mtls --demo reset` restores a scenario to its start.
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {firstX509} from '../certs/pem-text.js';
import {oauthOf} from '../lifecycle/common.js';
import {writeSecretFile} from '../certs/files.js';
import {stringArray} from '../../flows/parameters.js';
import {installFakeCf} from './fakecf/install.js';
import {readSimState, seedState, withStateLock, writeStateFile, type SeedOptions, type SimState} from './fakecf/state.js';
import {createDemoPki, writeDemoFixtures, type DemoFixturePaths, type DemoPki} from './pki.js';
import {startDemoTenant, type CertificateResolution, type DemoIflow, type DemoTenant} from './tenant.js';
import {CpiMtlsError} from '../errors.js';
import {DEFAULT_DEMO_SCENARIO, dnsOf, findDemoScenario, type DemoDefaults, type DemoScenario, type ScenarioContext} from './scenarios.js';

export interface DemoLandscape {
  scenario: string;
  /** What the room learns from this scenario (shown at the wizard's first question). */
  lesson: string[];
  home: string;
  stateFile: string;
  /** Environment for cf: the stand-in's folder first on PATH, and its CF_HOME. */
  cfEnv: Record<string, string>;
  fixtures: DemoFixturePaths;
  pki: DemoPki;
  tenant: DemoTenant;
  extraTrustedClientRootsPem: string[];
  extraServerCaPems: string[];
  defaults: DemoDefaults;
  stop(): Promise<void>;
}

/** One iflow per option: role-based, and one whose sender channel lists the demo client certificate. */
function demoIflows(pki: DemoPki): DemoIflow[] {
  return [
    {id: 'Demo_Orders_Inbound', name: 'Demo Orders Inbound', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'ESBMessaging.send'},
    {
      id: 'Demo_Orders_ClientCertificate',
      name: 'Demo Orders (certificate in the sender channel)',
      path: '/demo/orders-cert',
      adapter: 'HTTPS',
      senderAuthType: 'ClientCertificate',
      allowedCertificates: [dnsOf(pki.clientLeaf.certPem)],
    },
  ];
}

interface LandscapeOptions {
  scenario?: string;
  /** The landscape's folder; default ~/.cpi-mtls/demo/<scenario>. */
  home?: string;
  /** A throw-away landscape in a temporary folder, removed at stop. */
  ephemeral?: boolean;
  /** Merged over the scenario's seed (tests plant extra state this way). */
  seed?: SeedOptions;
}

/** Which scenario seeded a landscape folder; written when the folder is seeded. */
interface LandscapeMarker {
  scenario: string;
  seededAt: string;
}

const MARKER_FILE = 'landscape.json';

/** A JSON file of the landscape folder, or null when it is missing or unreadable. */
async function readJson<T>(home: string, name: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path.join(home, name), 'utf8')) as T;
  } catch {
    return null;
  }
}

async function readMarker(home: string): Promise<LandscapeMarker | null> {
  const marker = await readJson<Partial<LandscapeMarker>>(home, MARKER_FILE);
  return typeof marker?.scenario === 'string' ? {scenario: marker.scenario, seededAt: String(marker.seededAt ?? '')} : null;
}

/** A scenario with a starting state of its own cannot be laid over a landscape seeded for another. */
function hasOwnStart(scenario: DemoScenario | undefined): boolean {
  return Boolean(scenario && (scenario.seed || scenario.tenant || scenario.defaults));
}

export function defaultDemoHome(scenario: string): string {
  return path.join(os.homedir(), '.cpi-mtls', 'demo', scenario);
}

/** Restores a scenario to its start: the next run seeds a fresh landscape. */
export async function resetDemoLandscape(scenario: string, home = defaultDemoHome(scenario)): Promise<string> {
  await rm(home, {recursive: true, force: true, maxRetries: 3});
  return home;
}

const PKI_FILE = 'demo-pki.json';

async function readPki(home: string): Promise<DemoPki | null> {
  const stored = await readJson<DemoPki & {createdAt: string}>(home, PKI_FILE);
  return stored && {...stored, createdAt: new Date(stored.createdAt)};
}

/** The client roots the demo's load balancer trusts besides SAP's list: its own CA and the SAP Cloud Root CA stand-in. */
function clientTrustRoots(pki: DemoPki): string[] {
  return [pki.clientRoot.certPem, pki.sapCloudRoot.certPem];
}

/** The same roots without starting the landscape, so `cert inspect --demo` agrees with the wizard on the demo's files. */
export async function demoTrustedClientRoots(scenario: string, home = defaultDemoHome(scenario)): Promise<string[]> {
  const pki = await readPki(home);
  if (!pki) throw new CpiMtlsError('demo-not-started', `There is no demo landscape in ${home} yet.`, {fix: [`Start it once with: cpi-mtls --demo ${scenario}`]});
  return clientTrustRoots(pki);
}

/** The demo CA and certificates are kept with the landscape, so keys created earlier stay valid. */
async function loadOrCreatePki(home: string): Promise<DemoPki> {
  const stored = await readPki(home);
  if (stored) return stored;
  const pki = await createDemoPki();
  // Holds the demo CAs' private keys: owner-only, like every key file.
  await writeSecretFile(path.join(home, PKI_FILE), JSON.stringify(pki));
  return pki;
}

/** The tenant listens on a new port each run: point the landscape's URLs at it. */
function retarget(stateFile: string, urls: {runtimeUrl: string; apiUrl: string; tokenUrl: string}): void {
  withStateLock(stateFile, () => {
    const state = readSimState(stateFile);
    if (!state) return;
    const old = {runtimeUrl: state.settings.runtimeUrl, apiUrl: state.settings.apiUrl, tokenUrl: state.settings.tokenUrl};
    state.settings = {...state.settings, ...urls};
    for (const key of state.keys) {
      const oauth = oauthOf(key.credentials);
      for (const [field, from, to] of [
        ['url', old.runtimeUrl, urls.runtimeUrl],
        ['url', old.apiUrl, urls.apiUrl],
        ['tokenurl', old.tokenUrl, urls.tokenUrl],
      ] as const) {
        if (oauth[field] === from) oauth[field] = to;
      }
    }
    writeStateFile(stateFile, state);
  });
}

/** The instance that holds a key, with its roles. */
function holderOf(state: SimState, instanceGuid: string): {instanceName: string; roles: string[]} {
  const instance = state.instances.find(i => i.guid === instanceGuid);
  return {instanceName: instance?.name ?? instanceGuid, roles: stringArray(instance?.parameters?.roles)};
}

/** Which service keys in the stand-in's state hold this certificate (all it-rt instances). */
function resolveFromState(state: SimState | null, fingerprint256: string): CertificateResolution {
  if (!state) return {keys: []};
  const keys = state.keys
    .filter(key => firstX509(oauthOf(key.credentials).certificate)?.fingerprint256 === fingerprint256)
    .map(key => ({...holderOf(state, key.instance_guid), keyName: key.name}));
  return {keys};
}

/** ClientId/Secret keys of it-rt `api` instances, with the roles of their instance. */
export function apiClientsFromState(state: SimState | null): Array<{clientId: string; clientSecret: string; roles: string[]}> {
  if (!state) return [];
  const apiPlans = new Set(state.plans.filter(plan => plan.name === 'api').map(plan => plan.guid));
  const apiInstances = new Set(state.instances.filter(instance => apiPlans.has(instance.plan_guid)).map(instance => instance.guid));
  return state.keys
    .filter(key => apiInstances.has(key.instance_guid))
    .map(key => ({oauth: oauthOf(key.credentials), roles: holderOf(state, key.instance_guid).roles}))
    .filter(({oauth}) => typeof oauth.clientid === 'string' && typeof oauth.clientsecret === 'string')
    .map(({oauth, roles}) => ({clientId: oauth.clientid as string, clientSecret: oauth.clientsecret as string, roles}));
}

/**
 * Starts the landscape of a scenario. A fresh folder is seeded as the scenario says (stand-in
 * cf state, tenant behaviour, the files the wizard offers first); an existing folder is used as
 * it is, with the tenant behaviour of the scenario that seeded it. Scenario names without an
 * entry in DEMO_SCENARIOS (e.g. a command's own demo) start a plain landscape.
 */
export async function startDemoLandscape(options: LandscapeOptions = {}): Promise<DemoLandscape> {
  const requested = options.scenario ?? DEFAULT_DEMO_SCENARIO;
  const ephemeral = Boolean(options.ephemeral);
  const home = ephemeral ? await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-demo-')) : (options.home ?? defaultDemoHome(requested));
  await mkdir(home, {recursive: true, mode: 0o700});
  const cfHome = path.join(home, 'cf-home');
  const stateFile = path.join(cfHome, '.cf', 'sim-state.json');
  const binDir = path.join(home, 'bin');
  await mkdir(path.dirname(stateFile), {recursive: true});

  const seeded = readSimState(stateFile) !== null;
  const marker = seeded ? await readMarker(home) : null;
  if (seeded && marker && marker.scenario !== requested && hasOwnStart(findDemoScenario(requested))) {
    throw new CpiMtlsError(
      'demo-scenario-mismatch',
      `The demo landscape in ${home} was set up for scenario "${marker.scenario}", not "${requested}". ` +
        `Start it fresh with: cpi-mtls --demo reset ${requested} (this removes ${home}), or use another folder in CPI_MTLS_DEMO_HOME, ` +
        `or unset CPI_MTLS_DEMO_HOME so that each scenario keeps its own folder.`,
      {fix: [`cpi-mtls --demo reset ${requested}`, `cpi-mtls --demo ${marker.scenario} (the landscape as it is)`]},
    );
  }
  // The landscape keeps behaving as the scenario that seeded it (a command's own demo reuses it).
  const scenarioName = seeded ? (marker?.scenario ?? requested) : requested;
  const scenario = findDemoScenario(scenarioName);

  const pki = await loadOrCreatePki(home);
  const fixtures = await writeDemoFixtures(pki, path.join(home, 'customer-files'));
  const context: ScenarioContext = {pki, fixtures, home};
  const baseIflows = demoIflows(pki);
  const scenarioIflows = scenario?.tenant?.iflows;
  const sapKeyPairPresent = scenario?.tenant?.sapKeyPairPresent ?? true;
  const tenant = await startDemoTenant({
    pki,
    resolveCertificate: (_leafPem, fingerprint256) => resolveFromState(readSimState(stateFile), fingerprint256),
    resolveBasic(clientId, clientSecret) {
      const state = readSimState(stateFile);
      const key = state?.keys.find(k => oauthOf(k.credentials).clientid === clientId && oauthOf(k.credentials).clientsecret === clientSecret);
      return state && key ? holderOf(state, key.instance_guid) : null;
    },
    iflows: scenarioIflows ? () => scenarioIflows(baseIflows, context) : baseIflows,
    keystore: {sapKeyPairPresent},
    // Keys of `api` instances in the stand-in cf are the tenant's OData API clients.
    apiClients: () => apiClientsFromState(readSimState(stateFile)),
  });

  try {
    await installFakeCf(binDir);
    const urls = {runtimeUrl: tenant.runtimeUrl, apiUrl: tenant.apiUrl, tokenUrl: tenant.tokenUrl};
    if (seeded) retarget(stateFile, urls);
    else {
      await seedState(stateFile, {
        ...urls,
        sapClientCa: {certPem: pki.sapClientCa.certPem, keyPem: pki.sapClientCa.keyPem},
        user: 'consultant@example.com',
        org: 'demo-customer',
        space: 'integration-dev',
        ...scenario?.seed?.(context),
        ...options.seed,
      });
      const written: LandscapeMarker = {scenario: scenarioName, seededAt: new Date().toISOString()};
      await writeFile(path.join(home, MARKER_FILE), JSON.stringify(written, null, 2) + '\n');
    }
  } catch (error) {
    await tenant.close();
    if (ephemeral) await rm(home, {recursive: true, force: true});
    throw error;
  }

  return {
    scenario: scenarioName,
    lesson: findDemoScenario(scenarioName)?.lesson ?? [],
    home,
    stateFile,
    cfEnv: {PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`, CF_HOME: cfHome},
    fixtures,
    pki,
    tenant,
    extraTrustedClientRootsPem: clientTrustRoots(pki),
    extraServerCaPems: [tenant.serverCaPem],
    defaults: {
      certificatePath: fixtures.clientChain,
      privateKeyPath: fixtures.clientKey,
      endpointPath: '/http/demo/orders',
      endpointPathOption2: '/http/demo/orders-cert',
      ...scenario?.defaults?.(context),
    },
    async stop() {
      await tenant.close();
      if (ephemeral) await rm(home, {recursive: true, force: true, maxRetries: 3});
    },
  };
}
