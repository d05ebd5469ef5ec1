/**
 * What each effect of the setup flow does, through the ports. The flow decides *what* to do;
 * this file only does it and reports facts back (never secrets: keys stay in 0600 files).
 */
import type {CertificateFact, DuplicateFact, Effect, EffectResults, FlowState, InstanceFact, KeyFact, MachineState, ProbeEffect, ProbeFact, TenantFact} from '../../flows/types.js';
import {keyInScan, parametersMismatch} from '../../flows/parameters.js';
import {dnKey} from '../../flows/dn.js';
import {duplicateMatch} from '../../flows/duplicates.js';
import {firstX509} from '../certs/pem-text.js';
import {CpiMtlsError, isCancellation, toCpiMtlsError} from '../errors.js';
import {mapLimited, oauthOf} from '../lifecycle/common.js';
import type {CfPort, ServiceInstance, ServiceKeyBinding, ServiceKeyCredentials} from '../ports.js';
import {executorOf, type EffectExecutor} from './runner.js';

export interface CertificateService {
  load(path: string, password: string | undefined, signal: AbortSignal, trustedRoots?: string[]): Promise<CertificateFact>;
  /** Reads a private key file and throws unless it belongs to the certificate. */
  checkPrivateKey(certificatePem: string, privateKeyPath: string, signal: AbortSignal): Promise<void>;
  /** Reads an api-plan service key file and throws when it is unusable. */
  checkApiKey(path: string, signal: AbortSignal): Promise<void>;
  generateCsr(request: Extract<Effect, {type: 'generate-csr'}>, dir: string, signal: AbortSignal): Promise<EffectResults['generate-csr']>;
  exportPkcs12(request: Extract<Effect, {type: 'export-pkcs12'}>, dir: string, signal: AbortSignal): Promise<EffectResults['export-pkcs12']>;
  /** Writes the certificate chain and private key of an SAP-generated key; returns the paths. */
  writeSapGeneratedFiles(credentials: ServiceKeyCredentials, dir: string): Promise<Record<string, string>>;
}

/** The live call as the flow decided it. */
type ProbeCall = Omit<ProbeEffect, 'type'> & {
  certificate?: CertificateFact;
  /** Also call with Basic authentication, to tell a certificate problem from a role problem. */
  basic?: {clientId: string; clientSecret: string};
};

export interface ProbeService {
  run(request: ProbeCall, signal: AbortSignal): Promise<ProbeFact>;
}

export interface TenantService {
  check(request: Extract<Effect, {type: 'tenant-checks'}>, signal: AbortSignal): Promise<TenantFact>;
}

export interface OutputService {
  write(state: FlowState, signal: AbortSignal): Promise<Record<string, string>>;
}

/** A change the run would make, for --dry-run: the exact cf command and the JSON it would send. */
export interface PlannedChange {
  command: string;
  parameters?: Record<string, unknown>;
}

export interface EngineServices {
  cf: CfPort;
  /** Writes are recorded in `planned` instead of being run; reads still run. */
  dryRun?: boolean;
  planned?: PlannedChange[];
  certificates: CertificateService;
  probe: ProbeService;
  tenant: TenantService;
  outputs: OutputService;
  /**
   * Commands that remove temporary credentials a cancelled step could not remove (its result never
   * reaches the flow state); the checklist and the terminal list them.
   */
  leftovers?: string[];
}

/** SHA-256 fingerprint and DNs of the first certificate in a PEM text, or null. */
export function firstCertificate(pemText: unknown): {fingerprint256: string; subject: string; issuer: string} | null {
  const x509 = firstX509(pemText);
  return x509 && {fingerprint256: x509.fingerprint256, subject: dnKey(x509.subject), issuer: dnKey(x509.issuer)};
}

function instanceFact(instance: ServiceInstance, read: ParametersRead | {parameters: Record<string, unknown>; source: 'sent'}): InstanceFact {
  return {
    guid: instance.guid,
    name: instance.name,
    planName: instance.planName,
    offeringName: instance.offeringName,
    parameters: read.parameters,
    parametersSource: read.parameters === null ? undefined : read.source,
    ...('unreadable' in read && read.unreadable ? {parametersUnreadable: read.unreadable} : {}),
    lastOperation: instance.lastOperation,
    createdAt: instance.createdAt,
  };
}

interface ParametersRead {
  parameters: Record<string, unknown> | null;
  source: 'stored';
  /** Why they could not be read: the broker does not return them, or the read failed. */
  unreadable?: string;
}

/** Reads the stored parameters; a broker that does not return them, or a failed read, is "not checked", never fatal. */
async function readParameters(cf: CfPort, guid: string, signal: AbortSignal): Promise<ParametersRead> {
  try {
    return {parameters: await cf.instanceParameters(guid, {signal}), source: 'stored'};
  } catch (error) {
    signal.throwIfAborted();
    if (isCancellation(error)) throw error;
    const e = toCpiMtlsError(error);
    if (/not support|ServiceFetchInstanceParametersNotSupported/i.test(`${e.code} ${e.message}`)) return {parameters: null, source: 'stored', unreadable: 'the broker does not return them'};
    if (['cf-token-expired', 'cf-not-logged-in'].includes(e.code)) throw error;
    return {parameters: null, source: 'stored', unreadable: `reading them failed: ${e.message}`};
  }
}

/** The key of that name on the instance of that name, or null when either is missing. */
export async function findKeyByName(cf: CfPort, instanceName: string, keyName: string, signal: AbortSignal): Promise<ServiceKeyBinding | null> {
  const instance = await cf.findInstance(instanceName, {signal});
  return instance ? ((await cf.listKeys([instance.guid], {signal})).find(k => k.name === keyName) ?? null) : null;
}

/** Cleanup of temporary credentials runs under its own bound, not the (maybe aborted) run's signal. */
export const CLEANUP_TIMEOUT_MS = 60_000;

/** Checks that the broker stored what was sent (roles and grant types), as SAP's procedure advises. */
function verifyParameters(sent: Record<string, unknown>, stored: Record<string, unknown> | null, name: string): void {
  const mismatch = parametersMismatch(sent, stored);
  if (!mismatch) return;
  throw new CpiMtlsError('parameters-mismatch', `Instance ${name} holds ${mismatch.field} ${JSON.stringify(mismatch.stored)}, but ${JSON.stringify(mismatch.sent)} was sent.`, {
    fix: [`Check the instance in the BTP cockpit (View Parameters) and update it: cf update-service ${name} -c <file with the full parameter set>`],
  });
}

/** The live call as the flow decided it, with the certificate checks the diagnosis refers to. */
function probeRequest(effect: Omit<ProbeEffect, 'type'>, certificate: CertificateFact | undefined): ProbeCall {
  const {url, method, certificatePath, privateKeyPath, password, crossCheck} = effect;
  return {url, method, certificatePath, privateKeyPath, password, crossCheck, certificate};
}

/**
 * A create that failed may leave the resource on the platform ("create failed"): found under its
 * own bound, it is added to the error, so the flow can report and remove it.
 */
async function withLeftover(error: unknown, find: (signal: AbortSignal) => Promise<{guid: string; lastOperation?: {type: string; state: string} | null} | null>): Promise<unknown> {
  if (isCancellation(error)) return error;
  const found = await find(AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).catch(() => null);
  if (!found) return error;
  const op = found.lastOperation;
  const leftover = {guid: found.guid, state: op ? `${op.type} ${op.state}` : 'state unknown'};
  const e = toCpiMtlsError(error);
  return new CpiMtlsError(e.code, e.message, {fix: e.fix, details: {...e.details, leftover}, cause: error});
}

/**
 * The state each handler reads: the effects the renewal and the migration run too read no more
 * of it than every flow has (its context; the probe also the certificate checks).
 */
type StateFor<K extends Effect['type']> = K extends 'preflight' | 'load-certificate' | 'create-key'
  ? MachineState<unknown, unknown>
  : K extends 'probe'
    ? MachineState<unknown, {certificate?: CertificateFact}>
    : FlowState;

export type EffectHandlers = {
  [K in Effect['type']]: (effect: Extract<Effect, {type: K}>, state: StateFor<K>, signal: AbortSignal) => Promise<EffectResults[K]>;
};

export function createEffectExecutor(services: EngineServices): EffectExecutor {
  return executorOf<FlowState, Effect>('setup', createEffectHandlers(services));
}

/** One handler per effect type; the other flows' engines call the shared ones directly. */
export function createEffectHandlers(services: EngineServices): EffectHandlers {
  const {cf} = services;
  const dryRun = Boolean(services.dryRun);
  const plan = (change: PlannedChange) => services.planned?.push(change);

  return {
    async preflight(effect, _state, signal) {
      const cfVersion = await cf.version({signal});
      const target = await cf.target({signal});
      const planAvailable = await cf.hasPlan(effect.offering, effect.plan, {signal});
      return {cfVersion, target, planAvailable};
    },

    async 'lookup-instance'(effect, _state, signal) {
      const instance = await cf.findInstance(effect.name, {signal});
      if (!instance) return {instance: null};
      return {instance: instanceFact(instance, await readParameters(cf, instance.guid, signal))};
    },

    async 'check-private-key'(effect, _state, signal) {
      await services.certificates.checkPrivateKey(effect.certificatePem, effect.privateKeyPath, signal);
      return {matches: true as const};
    },

    async 'check-api-key'(effect, _state, signal) {
      await services.certificates.checkApiKey(effect.path, signal);
      return {clientIdKnown: true};
    },

    async 'create-instance'(effect, _state, signal) {
      let created: Awaited<ReturnType<CfPort['createInstance']>>;
      try {
        created = await cf.createInstance({offering: effect.offering, plan: effect.plan, name: effect.name, parameters: effect.parameters}, {signal});
      } catch (error) {
        throw await withLeftover(error, s => cf.findInstance(effect.name, {signal: s}));
      }
      const {instance, alreadyExisted} = created;
      if (dryRun) {
        plan({command: `cf create-service ${effect.offering} ${effect.plan} ${effect.name} -c <parameters.json>`, parameters: effect.parameters});
        return {instance: instanceFact(instance, {parameters: effect.parameters, source: 'sent'}), alreadyExisted: false};
      }
      // cf says "already exists" for a leftover whose creation failed: that is no instance to use.
      if (instance.lastOperation?.state === 'failed') {
        throw new CpiMtlsError('instance-failed', `Service instance ${effect.name} exists, but its last operation failed (${instance.lastOperation.type} failed: ${instance.lastOperation.description || 'no reason given'}).`, {
          fix: [`Remove it: cf delete-service ${effect.name} -f, then run again (or choose another instance name).`],
        });
      }
      const read = await readParameters(cf, instance.guid, signal);
      if (!alreadyExisted) verifyParameters(effect.parameters, read.parameters, effect.name);
      return {instance: instanceFact(instance, read), alreadyExisted};
    },

    async 'update-instance'(effect, _state, signal) {
      const instance = await cf.updateInstance({name: effect.name, parameters: effect.parameters}, {signal});
      if (dryRun) {
        plan({command: `cf update-service ${effect.name} -c <parameters.json>`, parameters: effect.parameters});
        return {instance: instanceFact(instance, {parameters: effect.parameters, source: 'sent'})};
      }
      const read = await readParameters(cf, instance.guid, signal);
      verifyParameters(effect.parameters, read.parameters, effect.name);
      return {instance: instanceFact(instance, read)};
    },

    'load-certificate': (effect, _state, signal) => services.certificates.load(effect.path, effect.password, signal, effect.trustedRoots),

    async 'scan-duplicates'(effect, _state, signal) {
      const scope = effect.scope ?? 'space';
      const instances = await cf.listInstances({planNames: [effect.plan], scope}, {signal});
      const byGuid = new Map(instances.map(instance => [instance.guid, instance]));
      const skip = new Set(effect.skipInstanceGuids ?? []);
      const withKeys = instances.filter(instance => !skip.has(instance.guid));
      const keys = withKeys.length === 0 ? [] : await cf.listKeys(withKeys.map(instance => instance.guid), {signal});
      const unreadable: Array<{instanceName: string; keyName: string; reason: string}> = [];
      const found = await mapLimited(keys, 6, async key => {
        const instanceName = byGuid.get(key.instanceGuid)?.name ?? key.instanceGuid;
        const op = key.lastOperation;
        const counts = keyInScan(op);
        if (counts === 'skip') return null;
        if (counts === 'unknown') {
          unreadable.push({instanceName, keyName: key.name, reason: `${op!.type} ${op!.state}`});
          return null;
        }
        let credentials: ServiceKeyCredentials;
        try {
          credentials = await cf.keyCredentials(key.guid, {signal});
        } catch (error) {
          if (isCancellation(error) || signal.aborted) throw error;
          unreadable.push({instanceName, keyName: key.name, reason: toCpiMtlsError(error).message});
          return null;
        }
        const certificateText = oauthOf(credentials).certificate;
        const cert = firstCertificate(certificateText);
        if (!cert) {
          // ClientId/Secret keys carry no certificate; a certificate that cannot be parsed is not known.
          if (typeof certificateText === 'string' && certificateText.trim() !== '') unreadable.push({instanceName, keyName: key.name, reason: 'its certificate cannot be parsed'});
          return null;
        }
        const found = {instanceName, instanceGuid: key.instanceGuid, keyName: key.name, keyGuid: key.guid};
        const match = duplicateMatch(cert, effect);
        return match && ({...found, match} as DuplicateFact);
      }, signal);
      const spaces = new Set(instances.map(instance => instance.spaceGuid).filter(Boolean));
      return {
        duplicates: found.filter((d): d is DuplicateFact => d !== null),
        keysScanned: keys.length,
        instancesScanned: instances.length,
        ...(scope === 'org' ? {spacesScanned: spaces.size} : {}),
        unreadable,
      };
    },

    async 'create-key'(effect, state, signal) {
      let created: Awaited<ReturnType<CfPort['createKey']>>;
      try {
        created = effect.existingKeyGuid
          ? {key: {guid: effect.existingKeyGuid, name: effect.keyName, instanceGuid: '', lastOperation: null}, alreadyExisted: true}
          : await cf.createKey({instanceName: effect.instanceName, keyName: effect.keyName, parameters: effect.parameters}, {signal});
      } catch (error) {
        throw await withLeftover(error, s => findKeyByName(cf, effect.instanceName, effect.keyName, s));
      }
      const {key, alreadyExisted} = created;
      if (alreadyExisted && key.lastOperation?.state === 'failed') {
        throw new CpiMtlsError('key-failed', `Service key ${effect.keyName} exists, but its last operation failed (${key.lastOperation.type} failed).`, {
          fix: [`Remove it: cf delete-service-key ${effect.instanceName} ${effect.keyName} -f, then run again (or choose another key name).`],
        });
      }
      if (dryRun) {
        plan({command: `cf create-service-key ${effect.instanceName} ${effect.keyName}${effect.parameters ? ' -c <parameters.json>' : ''}`, parameters: effect.parameters});
        return {guid: key.guid, name: key.name, instanceName: effect.instanceName, alreadyExisted: false};
      }
      const credentials = await cf.keyCredentials(key.guid, {signal});
      const oauth = oauthOf(credentials);
      const cert = firstCertificate(oauth.certificate);
      const fact: KeyFact = {
        guid: key.guid,
        name: key.name,
        instanceName: effect.instanceName,
        clientId: typeof oauth.clientid === 'string' ? oauth.clientid : undefined,
        url: typeof oauth.url === 'string' ? oauth.url : undefined,
        certificateDetails: oauth.certificatedetails && typeof oauth.certificatedetails === 'object' ? (oauth.certificatedetails as Record<string, unknown>) : undefined,
        alreadyExisted,
      };
      if (effect.expectLeafFingerprint) {
        fact.certificateVerified = cert?.fingerprint256 === effect.expectLeafFingerprint;
        if (!fact.certificateVerified) {
          throw new CpiMtlsError(
            alreadyExisted ? 'key-name-taken' : 'key-certificate-mismatch',
            alreadyExisted
              ? `Instance ${effect.instanceName} already has a key named ${effect.keyName} with ${cert ? 'another certificate' : 'no certificate'}.`
              : `Key ${effect.keyName} was created, but the certificate it holds is not the one that was sent.`,
            {fix: alreadyExisted ? ['Choose another key name (Back), or delete the old key after checking who uses it: cf delete-service-key ' + `${effect.instanceName} ${effect.keyName} -f`] : ['Inspect the key: cf service-key ' + `${effect.instanceName} ${effect.keyName}`]},
          );
        }
      }
      if (effect.writeSapGeneratedFiles) {
        fact.files = await services.certificates.writeSapGeneratedFiles(credentials, state.context.outputDir);
      }
      return fact;
    },

    async probe(effect, state, signal) {
      if (dryRun) {
        return {url: effect.url, outcome: 'skipped', success: true, summary: 'Not run: dry run (no key was created).', causes: [], fix: [], docs: [], raw: null} satisfies ProbeFact;
      }
      return services.probe.run(probeRequest(effect, state.facts.certificate), signal);
    },

    async 'basic-compare'(effect, state, signal) {
      const keyName = `cpi-mtls-basic-check-${Date.now().toString(36)}`;
      const temporaryKey = {instanceName: effect.instanceName, keyName, removed: false};
      let reported = false;
      try {
        // Inside the try: cf may finish the key even when the run is cancelled while it creates it.
        const {key} = await cf.createKey({instanceName: effect.instanceName, keyName}, {signal});
        const oauth = oauthOf(await cf.keyCredentials(key.guid, {signal}));
        // The same facts as the first call: the comparison adds to the diagnosis, it does not replace it.
        const basic = {clientId: String(oauth.clientid ?? ''), clientSecret: String(oauth.clientsecret ?? '')};
        const probe = await services.probe.run({...probeRequest(effect, state.facts.certificate), basic}, signal);
        reported = true;
        return {probe, temporaryKey};
      } finally {
        // The secret key must not outlive the comparison, also after Ctrl+C or a timeout: the delete
        // gets its own bound, not the run's (maybe aborted) signal. Deleting a key that was never
        // created is a no-op. What cannot be removed is reported: in the result, or, when the step
        // ends without one, as a leftover for the checklist and the terminal.
        await cf.deleteKey(effect.instanceName, keyName, {signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS)}).then(
          () => (temporaryKey.removed = true),
          () => undefined,
        );
        if (!temporaryKey.removed && !reported) services.leftovers?.push(`cf delete-service-key ${effect.instanceName} ${keyName} -f`);
      }
    },

    'generate-csr': (effect, state, signal) => services.certificates.generateCsr(effect, state.context.outputDir, signal),

    'export-pkcs12': (effect, state, signal) => services.certificates.exportPkcs12(effect, state.context.outputDir, signal),

    'tenant-checks': (effect, _state, signal) => services.tenant.check(effect, signal),

    async cleanup(effect, _state, signal) {
      // Keys first, then instances (an instance with keys cannot be deleted cleanly).
      const removed: typeof effect.resources = [];
      for (const resource of effect.resources) {
        if (resource.kind === 'key') await cf.deleteKey(resource.instanceName, resource.keyName, {signal});
        else await cf.deleteInstance(resource.instanceName, {signal});
        removed.push(resource);
      }
      return {removed};
    },

    'write-outputs': async (_effect, state, signal) => ({files: await services.outputs.write(state, signal)}),
  };
}
