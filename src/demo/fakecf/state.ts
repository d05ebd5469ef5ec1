/**
 * State of the stand-in `cf`: one JSON file that plays the part of the Cloud Controller, the
 * UAA login and the `it-rt` broker at once. Every `cf` process reads it, changes it under a
 * lock and writes it back atomically (temp file + rename), so tests may run several processes
 * against one landscape.
 */
import {createHash, generateKeyPairSync, randomUUID} from 'node:crypto';
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import type Forge from 'node-forge';

/** node-forge is loaded only when a certificate is made: it costs most of a cf call's start-up. */
let forgeModule: typeof Forge | undefined;
function loadForge(): typeof Forge {
  forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof Forge;
  return forgeModule;
}

interface Ref {
  guid: string;
  name: string;
}

export interface SimLastOperation {
  type: 'create' | 'update' | 'delete';
  state: 'initial' | 'in progress' | 'succeeded' | 'failed';
  description: string;
  created_at: string;
  updated_at: string;
}

/** An operation the broker finishes after a number of reads (CC polling the broker). */
export interface SimPending {
  pollsLeft: number;
  outcome: 'succeeded' | 'failed';
  description: string;
  /** Parameters to apply when an update succeeds. */
  parameters?: Record<string, unknown>;
}

interface SimOrg extends Ref {
  spaces: Ref[];
}

interface SimBroker extends Ref {}

export interface SimOffering extends Ref {
  description: string;
  broker_guid: string;
  tags: string[];
  documentation_url: string;
  instances_retrievable: boolean;
  bindings_retrievable: boolean;
  /** Polls until an instance operation finishes; 0 = synchronous broker (keys are always synchronous). */
  async_polls: number;
  created_at: string;
}

export interface SimPlan extends Ref {
  offering_guid: string;
  description: string;
  free: boolean;
  costs: Array<{currency: string; amount: number; unit: string}>;
  maintenance_info: {version: string; description: string} | null;
  created_at: string;
}

/** What service instances and keys share: parameters and an operation the broker may still run. */
export interface SimResource extends Ref {
  parameters: Record<string, unknown>;
  last_operation: SimLastOperation;
  pending?: SimPending | null;
  created_at: string;
  updated_at: string;
}

export interface SimInstance extends SimResource {
  space_guid: string;
  plan_guid: string;
  tags: string[];
}

export interface SimKey extends SimResource {
  instance_guid: string;
  credentials: Record<string, unknown>;
}

export interface SimJob {
  guid: string;
  operation: string;
  state: 'PROCESSING' | 'POLLING' | 'COMPLETE' | 'FAILED';
  /** `service_instances` or `service_credential_bindings` and the guid of the resource. */
  resource: {kind: 'service_instances' | 'service_credential_bindings'; guid: string};
  errors: Array<{code: number; title: string; detail: string}>;
  warnings: Array<{detail: string}>;
  created_at: string;
  updated_at: string;
}

type FaultType = 'hang' | 'crash' | 'broker-error' | 'async-fail' | 'expire-login' | 'warn' | 'slow';

export interface FaultSpec {
  type: FaultType;
  /** Text for broker-error, async-fail and warn. */
  message?: string;
  /** Delay for slow. */
  ms?: number;
  /** Fire on the next matching call only. */
  once?: boolean;
}

/** Per command name (`create-service`, `curl`, ...; `*` = every command). */
export type FaultTable = Record<string, FaultSpec | FaultSpec[]>;

interface SimSettings {
  runtimeUrl: string;
  apiUrl: string;
  tokenUrl: string;
  sapClientCa: {certPem: string; keyPem: string};
  duplicateCertificate: 'accept' | 'reject';
}

export interface SimState {
  schema: 1;
  version: string;
  api: {target: string; version: string} | null;
  auth: {user: string; token: string; expired: boolean} | null;
  target: {org: Ref | null; space: Ref | null};
  orgs: SimOrg[];
  brokers: SimBroker[];
  offerings: SimOffering[];
  plans: SimPlan[];
  instances: SimInstance[];
  keys: SimKey[];
  jobs: SimJob[];
  settings: SimSettings;
  faults: FaultTable;
  /** Env faults marked `once` that already fired (keyed by command + JSON). */
  firedFaults: string[];
  /** Counter for deterministic GUIDs. */
  sequence: number;
}

/** A pre-existing instance planted by a test or workshop scenario. */
export interface SeedInstance {
  name: string;
  offering?: string; // default it-rt
  plan?: string; // default integration-flow
  parameters?: Record<string, unknown>;
  guid?: string;
  /** Space name; default the targeted space. */
  space?: string;
}

export interface SeedKey {
  instance: string;
  name: string;
  /** The `-c` parameters the key was created with; credentials are generated from them. */
  parameters?: Record<string, unknown>;
  /** Use these credentials verbatim instead of generating them. */
  credentials?: Record<string, unknown>;
}

export interface SeedOptions extends Partial<SimSettings> {
  version?: string;
  /** Cloud Controller endpoint stored as the API target; null = no API target (and not logged in). */
  apiEndpoint?: string | null;
  loggedIn?: boolean;
  targeted?: boolean;
  user?: string;
  org?: string;
  space?: string;
  /** Extra spaces in the org (not targeted). */
  extraSpaces?: string[];
  asyncPolls?: number;
  instances?: SeedInstance[];
  keys?: SeedKey[];
  faults?: FaultTable;
  /** Deterministic GUIDs (same as CF_SIM_SEED). */
  seed?: string;
}

const DEFAULT_RUNTIME_URL = 'https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com';
const DEFAULT_API_URL = 'https://demo.it-cpi001.cfapps.eu10.hana.ondemand.com';
const DEFAULT_TOKEN_URL = 'https://demo.authentication.eu10.hana.ondemand.com/oauth/token';
const DEFAULT_API_ENDPOINT = 'https://api.cf.eu10.hana.ondemand.com';
const DEFAULT_VERSION = '8.18.4';
export const CC_API_VERSION = '3.180.0';

// ---------------------------------------------------------------------------------------------
// Small helpers shared by the stand-in

/** ISO-8601 UTC with seconds, as the Cloud Controller prints it. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Random v4 GUIDs, or deterministic ones when a seed is set (CF_SIM_SEED or the seed option). */
export function nextGuid(state: Pick<SimState, 'sequence'>, seed = process.env.CF_SIM_SEED): string {
  state.sequence += 1;
  if (!seed) return randomUUID();
  const hex = createHash('sha256').update(`${seed}:${state.sequence}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function stateFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CF_SIM_STATE) return path.resolve(env.CF_SIM_STATE);
  const home = env.CF_HOME || env.HOME || env.USERPROFILE || process.cwd();
  return path.join(home, '.cf', 'sim-state.json');
}

/**
 * A certificate for a new RSA key pair: self-signed, or signed by `issuer` (with its authority key
 * identifier appended to the extensions). The key is PKCS#1, as SAP hands it out.
 */
export function issueCertificate(request: {
  bits: number;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  subject: Forge.pki.CertificateField[];
  extensions: object[];
  issuer?: {certPem: string; keyPem: string};
}): {certPem: string; keyPem: string} {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {
    modulusLength: request.bits,
    publicKeyEncoding: {type: 'spki', format: 'pem'},
    privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
  });
  const forge = loadForge();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = request.serialNumber;
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  cert.setSubject(request.subject);
  const issuer = request.issuer && forge.pki.certificateFromPem(request.issuer.certPem);
  cert.setIssuer(issuer ? issuer.subject.attributes : request.subject);
  const authorityKey = issuer ? [{name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes()}] : [];
  cert.setExtensions([...request.extensions, ...authorityKey]);
  cert.sign(forge.pki.privateKeyFromPem(request.issuer?.keyPem ?? privateKey), forge.md.sha256.create());
  return {certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem: privateKey};
}

/** A CA standing in for "SAP PKI Certificate Service Client CA". */
export function generateDemoClientCa(): {certPem: string; keyPem: string} {
  return issueCertificate({
    bits: 2048,
    serialNumber: '01' + randomUUID().replace(/-/g, '').slice(0, 14),
    notBefore: new Date(Date.now() - 24 * 3600 * 1000),
    notAfter: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
    subject: [
      {name: 'countryName', value: 'DE'},
      {name: 'localityName', value: 'cf-eu10'},
      {name: 'organizationName', value: 'SAP SE'},
      {shortName: 'OU', value: 'SAP BTP Clients'},
      {name: 'commonName', value: 'SAP PKI Certificate Service Client CA (demo)'},
    ],
    extensions: [
      {name: 'basicConstraints', cA: true, critical: true},
      {name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true},
      {name: 'subjectKeyIdentifier'},
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// File access

const LOCK_STALE_MS = 15_000;

export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` while holding `<file>.lock`; a lock left by a dead or stuck process is taken over. */
export function withStateLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  mkdirSync(path.dirname(file), {recursive: true});
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let stale = false;
      try {
        const owner = Number(readFileSync(lock, 'utf8'));
        stale = (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) || Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS;
      } catch {
        continue; // released meanwhile
      }
      if (stale) {
        try {
          unlinkSync(lock);
        } catch {
          /* someone else took it over */
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error(`stand-in cf: state lock ${lock} is held by another process`);
      sleepSync(15);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}

export function writeStateFile(file: string, state: SimState): void {
  mkdirSync(path.dirname(file), {recursive: true});
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 1), {mode: 0o600});
  renameSync(temp, file);
}

/** The state as stored, or null when the file does not exist. */
export function readSimState(file: string): SimState | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as SimState;
}

// ---------------------------------------------------------------------------------------------
// Seed

/**
 * Builds a landscape per cf-cli.md §12.2 and writes it to `file`: one org/space targeted, a
 * logged-in user, `it-rt` (integration-flow, api), an offering whose instances cannot be read
 * back, a paid plan and one offering name served by two brokers. Returns the state written.
 */
export async function seedState(file: string, options: SeedOptions = {}): Promise<SimState> {
  const seed = options.seed ?? process.env.CF_SIM_SEED;
  const now = timestamp();
  const counter = {sequence: 0};
  const guid = () => nextGuid(counter, seed);

  const orgName = options.org ?? 'demo-org';
  const spaceName = options.space ?? 'dev';
  const org: SimOrg = {guid: guid(), name: orgName, spaces: [{guid: guid(), name: spaceName}]};
  for (const extra of options.extraSpaces ?? []) org.spaces.push({guid: guid(), name: extra});
  const otherOrg: SimOrg = {guid: guid(), name: 'other-org', spaces: [{guid: guid(), name: 'prod'}, {guid: guid(), name: 'qa'}]};

  const sapBroker: SimBroker = {guid: guid(), name: 'it-rt-broker'};
  const dbBroker: SimBroker = {guid: guid(), name: 'postgres-broker'};
  const dbBroker2: SimBroker = {guid: guid(), name: 'postgres-broker-eu'};
  const logBroker: SimBroker = {guid: guid(), name: 'app-logs-broker'};

  const offering = (broker: SimBroker, name: string, extra: Partial<SimOffering>): SimOffering => ({
    guid: guid(),
    name,
    description: '',
    broker_guid: broker.guid,
    tags: [],
    documentation_url: '',
    instances_retrievable: true,
    bindings_retrievable: true,
    async_polls: 0,
    created_at: now,
    ...extra,
  });
  const plan = (off: SimOffering, name: string, extra: Partial<SimPlan> = {}): SimPlan => ({
    guid: guid(),
    name,
    offering_guid: off.guid,
    description: '',
    free: true,
    costs: [],
    maintenance_info: null,
    created_at: now,
    ...extra,
  });

  const offerings: SimOffering[] = [];
  const plans: SimPlan[] = [];
  const brokers = [sapBroker, dbBroker, dbBroker2, logBroker];
  const itRt = offering(sapBroker, 'it-rt', {
    description: 'Cloud Integration when accessed at runtime',
    tags: ['integration'],
    documentation_url: 'https://help.sap.com/docs/cloud-integration',
    async_polls: options.asyncPolls ?? 1,
  });
  offerings.push(itRt);
  plans.push(plan(itRt, 'integration-flow', {description: 'Service plan for integration flow processing'}));
  plans.push(plan(itRt, 'api', {description: 'Service plan for the Cloud Integration OData API'}));
  const logs = offering(logBroker, 'application-logs', {description: 'Log storage', instances_retrievable: false, bindings_retrievable: false});
  offerings.push(logs);
  plans.push(plan(logs, 'lite', {description: 'Free log storage'}));
  const db1 = offering(dbBroker, 'postgresql-db', {description: 'PostgreSQL database', tags: ['relational']});
  const db2 = offering(dbBroker2, 'postgresql-db', {description: 'PostgreSQL database (EU operator)', tags: ['relational']});
  offerings.push(db1, db2);
  plans.push(plan(db1, 'trial', {description: 'Trial database'}));
  plans.push(plan(db1, 'standard', {description: 'Standard database', free: false, costs: [{currency: 'USD', amount: 199.99, unit: 'Monthly'}], maintenance_info: {version: '1.2.0', description: 'PostgreSQL 16'}}));
  plans.push(plan(db2, 'trial', {description: 'Trial database (EU)'}));

  const state: SimState = {
    schema: 1,
    version: options.version ?? DEFAULT_VERSION,
    api: options.apiEndpoint === null ? null : {target: options.apiEndpoint ?? DEFAULT_API_ENDPOINT, version: CC_API_VERSION},
    auth: options.loggedIn === false || options.apiEndpoint === null ? null : {user: options.user ?? 'demo.user@example.com', token: randomUUID(), expired: false},
    target: options.loggedIn === false || options.apiEndpoint === null || options.targeted === false ? {org: null, space: null} : {org: {guid: org.guid, name: org.name}, space: {...org.spaces[0]!}},
    orgs: [org, otherOrg],
    brokers,
    offerings,
    plans,
    instances: [],
    keys: [],
    jobs: [],
    settings: {
      runtimeUrl: options.runtimeUrl ?? DEFAULT_RUNTIME_URL,
      apiUrl: options.apiUrl ?? DEFAULT_API_URL,
      tokenUrl: options.tokenUrl ?? DEFAULT_TOKEN_URL,
      sapClientCa: options.sapClientCa ?? generateDemoClientCa(),
      duplicateCertificate: options.duplicateCertificate ?? 'accept',
    },
    faults: options.faults ?? {},
    firedFaults: [],
    sequence: counter.sequence,
  };

  // Planted landscape: built through the same broker code as live calls, but without checks,
  // so a scenario can hold what the broker would refuse today (e.g. a client_x509 instance).
  const {plantInstance, plantKey} = await import('./broker.js');
  for (const instance of options.instances ?? []) plantInstance(state, instance, seed);
  for (const key of options.keys ?? []) plantKey(state, key, seed);

  withStateLock(file, () => writeStateFile(file, state));
  return state;
}
