/**
 * The wizard as data. A flow is a table of steps; each step is either a question (answered by
 * a person in the terminal or by a plan file) or an effect (work the engine does through its
 * ports). Every decision — which step comes next, what a question offers, what parameters are
 * sent — is a pure function of the FlowState, so the Ink UI and the headless runner make the
 * same decisions. Nothing here does I/O or imports React.
 */
import type {CertificateCheck, CertificateSummary, CfTarget, CfVersion, Verdict} from '../src/ports.js';
import type {DuplicateMatch} from './duplicates.js';

export type StepId = string;

/** Steps of the shared library (flows/steps/) that a flow includes; its own ids are added to these. */
export type FrameStepId = 'preflight' | 'write-outputs' | 'done' | 'step-failed';
export type CertificateStepId = 'certificate-source' | 'certificate-path' | 'certificate-password' | 'load-certificate' | 'certificate-review' | 'sap-key-validity' | 'create-key';
export type LiveTestStepId = 'live-test' | 'live-test-path' | 'live-test-key' | 'probe' | 'probe-result';

export type SetupStepId =
  | FrameStepId
  | CertificateStepId
  | LiveTestStepId
  | 'blocked' | 'confirm-target' | 'choose-option' | 'option2-warning' | 'choose-role' | 'custom-role'
  | 'instance-name' | 'lookup-instance' | 'instance-existing' | 'remove-failed-instance' | 'create-instance' | 'update-instance'
  | 'csr-subject' | 'csr-key-type' | 'generate-csr' | 'csr-next' | 'export-pkcs12' | 'write-pkcs12'
  | 'sap-key-length' | 'key-name' | 'scan-duplicates' | 'duplicate-found'
  | 'tenant-checks' | 'tenant-key-path' | 'check-api-key' | 'check-tenant' | 'tenant-results' | 'check-private-key'
  | 'basic-compare' | 'save-plan' | 'offer-cleanup' | 'cleanup';

export type OptionId = 'role-based' | 'certificate-in-iflow';
export type CertificateSource = 'external' | 'sap-generated' | 'new-csr';
export type CsrKeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256';

export interface LiveTestAnswers {
  run: boolean;
  path?: string;
  method?: 'GET' | 'POST';
  privateKeyPath?: string;
}

/** The answers the certificate and live-test steps read and write; setup and renewal both have them. */
export interface CertificateAnswers {
  certificateSource?: string;
  certificatePath?: string;
  certificatePassword?: string;
  sapKey?: {validityDays: number; keyLength: number};
  liveTest?: LiveTestAnswers;
}

/** What the user decided. A plan file is a serialised Answers object. */
export interface Answers extends CertificateAnswers {
  targetConfirmed?: boolean;
  /** A plan may pin the org and space; a run against another target stops at preflight. */
  expectedTarget?: {org?: string; space?: string};
  option?: OptionId;
  roleChoice?: 'ESBMessaging.send' | 'custom';
  customRole?: string;
  instanceName?: string;
  /** How to treat an existing instance of that name. */
  instanceAction?: 'reuse' | 'update';
  certificateSource?: CertificateSource;
  keyName?: string;
  /** Accept certificate warnings (never failures). */
  acceptCertificateWarnings?: boolean;
  /** Go on with a leaf whose chain is incomplete (the only failure); the live test then shows the effect. */
  acceptIncompleteChain?: boolean;
  liveTest?: LiveTestAnswers & {compareBasic?: boolean};
  /** After a failure: keep what this run created (default) or remove it. */
  onFailure?: 'keep' | 'remove';
  /** A new private key and CSR, when the sender has no certificate yet. */
  csr?: {commonName: string; organization?: string; keyType: CsrKeyType};
  /** PKCS#12 for the sender system: modern algorithms, legacy ones for older importers, or none. */
  exportPkcs12?: 'modern' | 'legacy' | 'skip';
  /** Write the answers as a plan file at the end (interactive runs). */
  savePlan?: boolean;
  /** Checks on the tenant through the Cloud Integration OData API (plan `api`). */
  tenantChecks?: {mode: 'skip' | 'file' | 'create'; apiKeyPath?: string; keepApiInstance?: boolean};
  /** Extra client roots the user trusts although they are not (yet) on SAP's load balancer list. */
  trustedRoots?: string[];
}

// ---------------------------------------------------------------------------------------------
// Facts: what effects found out. Never holds secrets (private keys, client secrets): those stay
// in files written 0600 by the engine, and the state may be saved to disk for resume.

export interface InstanceFact {
  guid: string;
  name: string;
  planName?: string;
  offeringName?: string;
  /** null when the broker does not allow reading parameters. */
  parameters: Record<string, unknown> | null;
  lastOperation?: {type: string; state: string; description: string} | null;
  /** ISO time the platform created it; tells "this run made it" from "it was there before". */
  createdAt?: string;
  /**
   * Where `parameters` come from: read back from the broker ('stored'), or what was sent because
   * the broker does not return them ('sent'); 'sent' parameters were not checked.
   */
  parametersSource?: 'stored' | 'sent';
  /** Why the parameters could not be read back, when they could not. */
  parametersUnreadable?: string;
}

export interface CertificateFact {
  kind: string;
  path: string;
  leaf: CertificateSummary | null;
  chain: CertificateSummary[];
  checks: CertificateCheck[];
  verdict: Verdict;
  /** True when the input also carried a private key (PKCS#12, or key in the same PEM). */
  hasPrivateKey: boolean;
  /** Where the leaf's root was found: SAP's load balancer list, or a root the user chose to trust. */
  rootSource?: 'supplied' | 'sap-list' | 'user-trusted' | 'unknown';
}

export interface DuplicateFact {
  instanceName: string;
  instanceGuid: string;
  keyName: string;
  keyGuid?: string;
  match: DuplicateMatch;
}

export interface KeyFact {
  guid: string;
  name: string;
  instanceName: string;
  clientId?: string;
  url?: string;
  certificateDetails?: Record<string, unknown>;
  alreadyExisted: boolean;
  /** Files written for an SAP-generated key (certificate chain, private key 0600). */
  files?: Record<string, string>;
  /** The leaf in the key equals the leaf the user gave (external certificates). */
  certificateVerified?: boolean;
}

export interface ProbeFact {
  url: string;
  outcome: string;
  status?: number;
  success: boolean;
  summary: string;
  causes: string[];
  fix: string[];
  docs: string[];
  serverRootSubject?: string;
  trustStoreFile?: string;
  /** Basic authentication with a ClientId/Secret key of the same instance, and what it shows. */
  basic?: {status?: number; outcome: string; summary: string};
  comparison?: string;
  /** The whole probe result, JSON-serialisable, for --json and the checklist. */
  raw: unknown;
}

export interface JudgementFact {
  verdict: 'pass' | 'warn' | 'fail' | 'not-checked';
  message: string;
  fix: string;
}

export interface TenantEndpointFact {
  iflowId: string;
  url: string;
  protocol?: string;
  runtimeStatus?: string;
  channel?: JudgementFact & {name?: string; senderAuthType?: string; userRole?: string};
}

export interface TenantFact {
  /** The API answered; false with `error` when it could not be used. */
  reachable: boolean;
  error?: {message: string; fix: string[]};
  keystore?: JudgementFact & {validUntil?: string};
  trial: boolean;
  endpoints: TenantEndpointFact[];
  /** The temporary api instance this run created for the checks, and whether it was removed. */
  temporary?: {instanceName: string; keyName: string; removed: boolean};
}

export interface ActionRecord {
  kind: 'created' | 'updated' | 'reused' | 'deleted' | 'written' | 'skipped';
  what: string;
  name: string;
  guid?: string;
  note?: string;
  /** The platform holds it, but its last operation failed ("create failed"): never reused, offered for removal. */
  failed?: boolean;
}

export interface FlowError {
  code: string;
  message: string;
  fix: string[];
  /** The step whose effect failed, to retry it. */
  step?: StepId;
  details?: Record<string, unknown>;
}

export interface Facts {
  cfVersion?: CfVersion;
  target?: CfTarget;
  planAvailable?: boolean;
  existingInstance?: InstanceFact | null;
  instance?: InstanceFact;
  certificate?: CertificateFact;
  duplicates?: DuplicateFact[];
  /** Keys the duplicate scan could not read: the scan is then not conclusive for them. */
  unreadableKeys?: Array<{instanceName: string; keyName: string; reason: string}>;
  /** The private key given for the live test matches the certificate (read locally). */
  privateKeyChecked?: boolean;
  key?: KeyFact;
  probe?: ProbeFact;
  tenant?: TenantFact;
  /** Files of a new key and CSR (the key is 0600). */
  csr?: {privateKey: string; csr: string; subject: string};
  /** The PKCS#12 for the sender; its password is in a 0600 file, never in the state. */
  pkcs12?: {file: string; passwordFile?: string; legacy: boolean};
  outputs?: Record<string, string>;
  actions: ActionRecord[];
}

/** Facts about the environment the flow runs in, fixed at start. */
export interface FlowContext {
  /** Offline demo landscape: shown in the header, and some defaults come from it. */
  demo?: {scenario: string; lesson?: string[]};
  defaults?: {
    /** The option a demo scenario preselects. */
    option?: OptionId;
    certificatePath?: string;
    privateKeyPath?: string;
    endpointPath?: string;
    /** Option 2's endpoint (its sender channel lists the certificate). */
    endpointPathOption2?: string;
    instanceName?: string;
  };
  outputDir: string;
  /** The timestamp used in generated names (ISO); fixed so the flow stays pure. */
  startedAt: string;
}

export type FlowStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** The state every flow shares; a flow adds its own answers (A) and facts (F). */
export interface MachineState<A = unknown, F = unknown, Id extends string = StepId> {
  step: Id;
  answers: A;
  facts: F;
  /** Question steps answered so far, for Back. */
  history: Id[];
  error?: FlowError;
  status: FlowStatus;
  context: FlowContext;
  /** One line per step that finished, for the collapsed view and the checklist. */
  trail: TrailEntry[];
}

/** Any flow's state, for code shared by every flow (machine, runner, views). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyState = MachineState<any, any, any>;

/**
 * How far a line of the trail (or an item of the checklist) can be trusted: verified = the tool
 * read it back or called it; done = the tool did it without re-reading; answer = a choice made;
 * todo = the customer's part; failed; skipped; not-checked = a check that could not be made.
 */
export type Status = 'verified' | 'done' | 'answer' | 'todo' | 'failed' | 'skipped' | 'not-checked';

export interface TrailEntry {
  step: StepId;
  summary: string;
  /** Default: 'answer' for question steps, 'done' for effects. */
  status?: Status;
}

/** The setup wizard's state. */
export type FlowState = MachineState<Answers, Facts, SetupStepId>;

// ---------------------------------------------------------------------------------------------
// Questions

export interface Choice<V extends string = string> {
  value: V;
  label: string;
  hint?: string;
}

export type Question =
  | {type: 'select'; prompt: string; choices: Choice[]; initial?: string}
  /** `completion: 'path'`: the answer is a file or folder, so the view offers Tab completion. */
  | {type: 'text'; prompt: string; initial?: string; placeholder?: string; mask?: boolean; completion?: 'path'}
  | {type: 'confirm'; prompt: string; initial?: boolean};

/** Text blocks a view shows above a question; plain data, the view decides the styling. */
export interface Panel {
  tone: 'info' | 'success' | 'warning' | 'error';
  title?: string;
  lines: string[];
}

export type AnswerValue = string | boolean;

export interface QuestionStep<S extends AnyState = FlowState> {
  kind: 'question';
  id: S['step'];
  phase: string;
  title: string;
  question(state: S): Question;
  panels?(state: S): Panel[];
  /** Returns an error text when the answer is not acceptable, else null. */
  validate?(value: AnswerValue, state: S): string | null;
  /** Records the answer and picks the next step. */
  apply(state: S, value: AnswerValue): S;
  /** The answer a plan file gives for this step, if any. */
  fromPlan?(answers: S['answers'], state: S): AnswerValue | undefined;
  summary?(state: S, value: AnswerValue): string;
}

export interface EffectStep<S extends AnyState = FlowState, E extends {type: string} = Effect, R = EffectResults[(E & Effect)['type']]> {
  kind: 'effect';
  id: S['step'];
  phase: string;
  title: string;
  effect(state: S): E;
  onResult(state: S, result: R): S;
  /** Where a failure goes; by default the flow's failure step with retry / quit. */
  onError?(state: S, error: FlowError): S;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Step<S extends AnyState = FlowState> = QuestionStep<S> | EffectStep<S, any, any>;

// ---------------------------------------------------------------------------------------------
// Effects: requests for work, as data. The engine maps each type to its ports.

export type Effect =
  | {type: 'preflight'; offering: string; plan: string}
  | {type: 'lookup-instance'; name: string}
  | {type: 'create-instance'; offering: string; plan: string; name: string; parameters: Record<string, unknown>}
  | {type: 'update-instance'; name: string; parameters: Record<string, unknown>}
  | {type: 'load-certificate'; path: string; password?: string; trustedRoots?: string[]}
  | {type: 'check-private-key'; certificatePem: string; privateKeyPath: string}
  | {type: 'check-api-key'; path: string}
  | {type: 'scan-duplicates'; plan: string; fingerprint256: string; subject: string; issuer: string; skipInstanceGuids?: string[]; scope?: 'org' | 'space'}
  | {
      type: 'create-key';
      instanceName: string;
      keyName: string;
      parameters?: Record<string, unknown>;
      expectLeafFingerprint?: string;
      writeSapGeneratedFiles?: boolean;
      /** The key already holds this certificate (re-run): read it, create nothing. */
      existingKeyGuid?: string;
    }
  | ProbeEffect
  | {type: 'tenant-checks'; mode: 'file' | 'create'; apiKeyPath?: string; keepApiInstance: boolean; option: 1 | 2; instanceRoles: string[]; runtimeUrl?: string}
  | (Omit<ProbeEffect, 'type'> & {type: 'basic-compare'; instanceName: string})
  | {type: 'generate-csr'; commonName: string; organization?: string; keyType: CsrKeyType}
  | {type: 'export-pkcs12'; certificatePath: string; privateKeyPath?: string; password?: string; legacy: boolean}
  | {type: 'cleanup'; resources: CleanupResource[]}
  | {type: 'write-outputs'};

/** What a 401 can be told apart by: keys holding the certificate, and the tenant's key pair when it was checked. */
export interface CrossCheck {
  keysWithThisCertificate?: number;
  tenantKeyPair?: 'present' | 'missing';
}

/** A call of the endpoint with the client certificate, with what the flow knows to explain a failure. */
export interface ProbeEffect {
  type: 'probe';
  url: string;
  method: 'GET' | 'POST';
  certificatePath: string;
  privateKeyPath?: string;
  password?: string;
  crossCheck?: CrossCheck;
}

export type CleanupResource = {kind: 'key'; instanceName: string; keyName: string} | {kind: 'instance'; instanceName: string};

export interface EffectResults {
  preflight: {cfVersion: CfVersion; target: CfTarget; planAvailable: boolean};
  'lookup-instance': {instance: InstanceFact | null};
  'create-instance': {instance: InstanceFact; alreadyExisted: boolean};
  'update-instance': {instance: InstanceFact};
  'load-certificate': CertificateFact;
  'check-private-key': {matches: true};
  'check-api-key': {clientIdKnown: boolean};
  'scan-duplicates': {duplicates: DuplicateFact[]; keysScanned: number; instancesScanned: number; spacesScanned?: number; unreadable: NonNullable<Facts['unreadableKeys']>};
  'create-key': KeyFact;
  probe: ProbeFact;
  'tenant-checks': TenantFact;
  'basic-compare': {probe: ProbeFact; temporaryKey: NonNullable<TenantFact['temporary']>};
  'generate-csr': NonNullable<Facts['csr']>;
  'export-pkcs12': NonNullable<Facts['pkcs12']>;
  cleanup: {removed: CleanupResource[]};
  'write-outputs': {files: Record<string, string>};
}

