/**
 * The ports: everything the engine needs from outside the process, as interfaces. The flows in
 * `flows/` never see these; the engine (`src/engine/`) runs each effect a flow asks for through
 * them. Real implementations live next to their subject (`src/cf/`, `src/certs/`, `src/probe/`,
 * `src/tenant/`); tests use the same real implementations against the stand-in `cf` and local
 * TLS servers.
 */

// ---------------------------------------------------------------------------------------------
// Cloud Foundry

export interface CfVersion {
  major: number;
  minor: number;
  patch: number;
  /** The whole line `cf version` printed. */
  raw: string;
}

export interface CfTarget {
  apiEndpoint: string;
  user: string;
  org: {guid: string; name: string};
  space: {guid: string; name: string};
}

export interface LastOperation {
  type: string; // create | update | delete
  state: string; // initial | in progress | succeeded | failed
  description: string;
}

export interface ServiceInstance {
  guid: string;
  name: string;
  spaceGuid: string;
  planGuid: string;
  /** Filled when the adapter resolved it (it always does for the it-rt lookups). */
  planName?: string;
  offeringName?: string;
  lastOperation: LastOperation | null;
  createdAt?: string;
}

export interface ServiceKeyBinding {
  guid: string;
  name: string;
  instanceGuid: string;
  lastOperation: LastOperation | null;
  createdAt?: string;
}

/** Credentials of a service key, as the Cloud Controller returns them under `credentials`. */
export type ServiceKeyCredentials = Record<string, unknown>;

export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds for this call; the adapter has its own default. */
  timeoutMs?: number;
}

export interface CfPort {
  version(options?: CallOptions): Promise<CfVersion>;
  /** API endpoint, user, org and space; throws a classified CfError when any is missing. */
  target(options?: CallOptions): Promise<CfTarget>;
  /** Whether `offering`/`plan` is in the marketplace of the targeted space. */
  hasPlan(offering: string, plan: string, options?: CallOptions): Promise<boolean>;
  findInstance(name: string, options?: CallOptions): Promise<ServiceInstance | null>;
  /** All instances of the given plan names in the targeted space (or the whole org), paginated. */
  listInstances(filter: {planNames: string[]; scope?: 'space' | 'org'}, options?: CallOptions): Promise<ServiceInstance[]>;
  instanceParameters(guid: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Creates the instance and waits until the broker has finished (bounded). */
  createInstance(request: {offering: string; plan: string; name: string; parameters: Record<string, unknown>}, options?: CallOptions): Promise<{instance: ServiceInstance; alreadyExisted: boolean}>;
  updateInstance(request: {name: string; parameters: Record<string, unknown>}, options?: CallOptions): Promise<ServiceInstance>;
  deleteInstance(name: string, options?: CallOptions): Promise<{existed: boolean}>;
  /** Keys of many instances in as few paginated calls as the API allows. */
  listKeys(instanceGuids: string[], options?: CallOptions): Promise<ServiceKeyBinding[]>;
  keyCredentials(bindingGuid: string, options?: CallOptions): Promise<ServiceKeyCredentials>;
  createKey(request: {instanceName: string; keyName: string; parameters?: Record<string, unknown>}, options?: CallOptions): Promise<{key: ServiceKeyBinding; alreadyExisted: boolean}>;
  deleteKey(instanceName: string, keyName: string, options?: CallOptions): Promise<{existed: boolean}>;
  /** Every cf command line run so far (for the checklist and --dry-run), with secrets removed. */
  readonly log: ReadonlyArray<CfLogEntry>;
}

export interface CfLogEntry {
  args: string[];
  /** Parameters sent with -c, with certificates shortened and secrets redacted. */
  parameters?: Record<string, unknown>;
  exitCode: number | null;
  durationMs: number;
  /** True when the command changes the landscape (create, update, delete). */
  write: boolean;
}

// ---------------------------------------------------------------------------------------------
// Certificates

export type Verdict = 'pass' | 'warn' | 'fail';

export interface CertificateSummary {
  subject: string; // openssl one-line form, e.g. "C=DE, O=Acme, CN=sender"
  issuer: string;
  serialNumber: string; // hex, upper case
  notBefore: string; // ISO-8601
  notAfter: string; // ISO-8601
  fingerprint256: string; // AA:BB:..., upper case
  isCA: boolean;
  selfSigned: boolean;
  /** Extended key usage OIDs; empty when the extension is absent. */
  extendedKeyUsage: string[];
  subjectAltNames: string[];
  publicKey: {type: string; bits?: number; curve?: string};
  signatureAlgorithm?: string;
  pem: string;
}

/** What a certificate check is about; the same ids in the wizard, `cert inspect` and the checklist. */
export type CertificateCheckId = 'leaf' | 'unrelated' | 'chain' | 'root' | 'eku' | 'validity' | 'key-match' | 'key-strength';

export interface CertificateCheck {
  id: CertificateCheckId;
  title: string;
  verdict: Verdict;
  message: string;
  /** What to do when the verdict is warn or fail. */
  fix?: string;
}
