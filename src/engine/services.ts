/**
 * The real services behind the setup flow's effects: the certificate workbench, the live probe
 * and the output writer, composed with a cf adapter. Heavy modules load on first use.
 */
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import type {CertificateFact, FlowState, ProbeFact, TenantEndpointFact, TenantFact} from '../../flows/types.js';
import {setupOutputFiles} from '../../flows/setup.js';
import {buildChecklist, renderChecklistMarkdown} from '../checklist.js';
import {CpiMtlsError, isCancellation, toCpiMtlsError} from '../errors.js';
import {oauthOf, readTextFile, writeFileAtomic} from '../lifecycle/common.js';
import type {CertificateCheckId, CfPort} from '../ports.js';
import {CLEANUP_TIMEOUT_MS, type CertificateService, type EngineServices, type OutputService, type ProbeService, type TenantService} from './effects.js';

export interface ServiceOptions extends Pick<EngineServices, 'cf' | 'dryRun' | 'leftovers'> {
  outputDir: string;
  /** Client roots to treat as trusted by the load balancer (the demo landscape's own CA). */
  extraTrustedClientRootsPem?: string[];
  /** Server CAs the sender trusts in addition to the system store (the demo load balancer). */
  extraServerCaPems?: string[];
  probeTimeoutMs?: number;
  now?: () => Date;
}

/** Extra trusted client roots (--trust-root, trustedRoots:): each file must hold CA certificates. */
async function readTrustedRoots(files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const {loadTrustedRootFiles} = await import('../certs/trusted-roots.js');
  return (await loadTrustedRootFiles(files, {label: 'trusted root (--trust-root / trustedRoots)'})).map(file => file.pem);
}

/** The certificates of a file and the private key: from the same file (PKCS#12, PEM bundle) or from the key file. */
async function loadKeyPair(certificatePath: string, privateKeyPath: string | undefined, password: string | undefined) {
  const {loadCertificateInput} = await import('../certs/load.js');
  const input = await loadCertificateInput(certificatePath, {password, passphrase: password});
  let keyPem = input.privateKeyPem;
  if (!keyPem && privateKeyPath) keyPem = (await loadCertificateInput(privateKeyPath, {passphrase: password})).privateKeyPem;
  return {certificates: input.certificates, keyPem};
}

export function createCertificateService(options: Pick<ServiceOptions, 'extraTrustedClientRootsPem' | 'now'>): CertificateService {
  return {
    async load(file, password, signal, trustedRoots = []) {
      const {loadCertificateInput} = await import('../certs/load.js');
      const {inspectClientCertificate} = await import('../certs/inspect.js');
      signal.throwIfAborted();
      const userRoots = await readTrustedRoots(trustedRoots);
      const input = await loadCertificateInput(file, {password, passphrase: password});
      if (input.certificates.length === 0) {
        throw new CpiMtlsError('no-certificate', `${file} holds ${input.kind === 'private-key' ? 'a private key' : 'no certificate'}, not a client certificate.`, {
          fix: ['Give the file with the client certificate (PEM, DER or PKCS#12). The private key is asked for later, for the live test only.'],
        });
      }
      const report = inspectClientCertificate(
        {certificates: input.certificates, privateKeyPem: input.privateKeyPem},
        {now: options.now?.(), extraTrustedRootsPem: [...(options.extraTrustedClientRootsPem ?? []), ...userRoots]},
      );
      const chain = report.chainInOrder.filter(c => c.fingerprint256 !== report.leaf?.fingerprint256);
      return {
        kind: input.kind,
        path: file,
        leaf: report.leaf,
        chain,
        checks: report.checks,
        verdict: report.verdict,
        hasPrivateKey: Boolean(input.privateKeyPem),
        rootSource: report.rootSource,
      } satisfies CertificateFact;
    },
    async checkPrivateKey(certificatePem, privateKeyPath, signal) {
      const {loadCertificateInput} = await import('../certs/load.js');
      const {createPrivateKey, X509Certificate} = await import('node:crypto');
      signal.throwIfAborted();
      const input = await loadCertificateInput(privateKeyPath, {});
      if (!input.privateKeyPem) {
        throw new CpiMtlsError('no-private-key', `${privateKeyPath} holds no private key${input.certificates.length ? ' (only certificates)' : ''}.`, {
          fix: ['Give the PEM file with the private key of the client certificate (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).'],
        });
      }
      if (!new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(input.privateKeyPem))) {
        throw new CpiMtlsError('key-mismatch', `The private key in ${privateKeyPath} does not belong to the client certificate.`, {
          fix: ['Give the private key that was created together with this certificate (its CSR); check with: cpi-mtls cert inspect <certificate> --key <private key>'],
        });
      }
    },
    async checkApiKey(file, signal) {
      signal.throwIfAborted();
      await readApiKeyFile(file);
    },
    async generateCsr(request, dir, signal) {
      const {generateKeyAndCsr} = await import('../certs/generate.js');
      const {writePublicFile, writeSecretFile} = await import('../certs/files.js');
      const key = request.keyType === 'ec-p256' ? {keyType: 'ec' as const, curve: 'P-256' as const} : {keyType: 'rsa' as const, bits: Number(request.keyType.slice(4)) as 2048 | 3072 | 4096};
      const subject = {CN: request.commonName, ...(request.organization ? {O: request.organization} : {})};
      const {privateKeyPem, csrPem} = await generateKeyAndCsr(key, subject, [], signal);
      const base = request.commonName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'sender';
      const files = {privateKey: path.join(dir, `${base}.key.pem`), csr: path.join(dir, `${base}.csr.pem`)};
      await writeSecretFile(files.privateKey, privateKeyPem);
      await writePublicFile(files.csr, csrPem);
      return {...files, subject: `CN=${request.commonName}${request.organization ? `, O=${request.organization}` : ''}`};
    },
    async exportPkcs12(request, dir) {
      const {exportPkcs12, writeSecretFile} = await import('../certs/files.js');
      const {certificates, keyPem} = await loadKeyPair(request.certificatePath, request.privateKeyPath, request.password);
      if (!keyPem) throw new CpiMtlsError('no-private-key', 'A PKCS#12 needs the private key of the client certificate.', {fix: ['Give the private key file, or export later with: cpi-mtls cert p12']});
      const {der, password} = exportPkcs12({privateKeyPem: keyPem, certificates, legacy: request.legacy, friendlyName: 'cpi-mtls client'});
      const file = path.join(dir, request.legacy ? 'sender-legacy.p12' : 'sender.p12');
      const passwordFile = `${file}.password.txt`;
      // Password first: a .p12 without its password file would be useless.
      await writeSecretFile(passwordFile, password + '\n');
      await writeSecretFile(file, der);
      return {file, passwordFile, legacy: request.legacy};
    },
    async writeSapGeneratedFiles(credentials, dir) {
      const {writeSapGeneratedKeyFiles} = await import('../certs/files.js');
      const written = await writeSapGeneratedKeyFiles(credentials, dir, {baseName: 'sap-generated'});
      // certificate = what the sender presents (leaf + chain); privateKey is 0600.
      return {certificate: written.chainPath, leaf: written.certificatePath, privateKey: written.keyPath};
    },
  };
}

export function createProbeService(options: Pick<ServiceOptions, 'extraServerCaPems' | 'outputDir' | 'probeTimeoutMs'>): ProbeService {
  return {
    async run(request, signal) {
      const {runProbe} = await import('../probe/probe.js');
      const {certificates, keyPem} = await loadKeyPair(request.certificatePath, request.privateKeyPath, request.password);
      if (!keyPem) {
        throw new CpiMtlsError('no-private-key', 'The live test needs the private key of the client certificate.', {
          fix: ['Give the private key file (PEM), or a PKCS#12 file that holds key and certificate.'],
        });
      }
      // Send leaf plus intermediates (no root), the way a sender should.
      const sendChain = certificates.filter(c => !c.selfSigned || certificates.length === 1);
      const certPem = sendChain.map(c => c.pem.trim()).join('\n') + '\n';
      const checks = request.certificate?.checks ?? [];
      const verdictOf = (id: CertificateCheckId) => {
        const check = checks.find(c => c.id === id);
        return check ? check.verdict !== 'fail' : undefined;
      };
      const result = await runProbe({
        url: request.url,
        method: request.method,
        client: {certPem, keyPem},
        basic: request.basic,
        extraCaPems: options.extraServerCaPems,
        localFacts: {ekuClientAuth: verdictOf('eku'), chainComplete: verdictOf('chain'), rootTrustedBySap: verdictOf('root')},
        crossCheck: request.crossCheck,
        timeoutMs: options.probeTimeoutMs,
        signal,
        outputDir: path.join(options.outputDir, 'load-balancer-chain'),
      });
      const client = result.client;
      const outcome = client?.outcome ?? 'network-error';
      return {
        url: request.url,
        outcome,
        status: client?.status,
        success: outcome === 'success' || outcome === 'server-error',
        summary: client?.diagnosis.summary ?? 'No answer.',
        causes: client?.diagnosis.causes ?? [],
        fix: client?.diagnosis.fix ?? [],
        docs: client?.diagnosis.docs ?? [],
        serverRootSubject: result.server.root.subject,
        trustStoreFile: result.server.files?.trustStoreFile,
        ...(result.basic ? {basic: {status: result.basic.status, outcome: result.basic.outcome, summary: result.basic.diagnosis.summary}} : {}),
        ...(result.comparison ? {comparison: result.comparison} : {}),
        raw: result,
      } satisfies ProbeFact;
    },
  };
}

/** Reads an api-plan service key: the whole `cf service-key` output, the v8 wrapper, or the bare credentials. */
export async function readApiKeyFile(file: string): Promise<{url: string; tokenUrl: string; clientId: string; clientSecret: string}> {
  const text = await readTextFile(file, error => new CpiMtlsError('api-key-unreadable', `Cannot read the api service key ${file}: ${error.code ?? error.message}.`, {
    fix: ['Save it with: cf service-key <api instance> <key> > api-key.json'],
  }));
  const start = text.indexOf('{');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(start >= 0 ? text.slice(start) : text) as Record<string, unknown>;
  } catch {
    throw new CpiMtlsError('api-key-invalid', `${file} is not JSON.`, {fix: ['Save the key with: cf service-key <api instance> <key> > api-key.json']});
  }
  const credentials = parsed.credentials && typeof parsed.credentials === 'object' ? (parsed.credentials as Record<string, unknown>) : parsed;
  const oauth = oauthOf(credentials);
  const fields = {url: oauth.url, tokenUrl: oauth.tokenurl, clientId: oauth.clientid, clientSecret: oauth.clientsecret};
  const missing = Object.entries(fields).filter(([, v]) => typeof v !== 'string' || v === '').map(([k]) => k);
  if (missing.length) {
    const {apiInstanceParameters} = await import('../tenant/api.js');
    throw new CpiMtlsError('api-key-invalid', `${file} lacks ${missing.join(', ')}: it is not a ClientId/Secret key of plan api.`, {
      fix: [`Create one: cf create-service it-rt api <name> -c '${JSON.stringify(apiInstanceParameters())}' (on Windows pass the JSON as a file) and cf create-service-key <name> <key>`],
    });
  }
  return fields as {url: string; tokenUrl: string; clientId: string; clientSecret: string};
}

/** Errors after which no further API read can succeed: the whole check reports the API as unusable. */
const API_UNUSABLE = new Set(['tenant-api-config', 'tenant-api-unreachable', 'tenant-api-tls', 'tenant-api-timeout', 'tenant-api-credentials', 'tenant-api-unauthorized']);

/**
 * Removes the temporary api key and instance, each under its own timeout and never under the
 * caller's signal (it may be aborted already). True only when the instance is gone (Cloud
 * Controller deletes its keys with it); the checklist lists the delete commands otherwise.
 */
async function removeTemporaryApiInstance(cf: CfPort, temporary: {instanceName: string; keyName: string}): Promise<boolean> {
  try {
    await cf.deleteKey(temporary.instanceName, temporary.keyName, {signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS)});
  } catch {
    // Deleting the instance below removes the key too.
  }
  try {
    await cf.deleteInstance(temporary.instanceName, {signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS)});
    return true;
  } catch {
    return false;
  }
}

export function createTenantService(options: Pick<ServiceOptions, 'cf' | 'extraServerCaPems' | 'now' | 'probeTimeoutMs' | 'leftovers'>): TenantService {
  const {cf} = options;
  return {
    async check(request, signal) {
      const {apiInstanceParameters, createTenantApi, DEFAULT_TENANT_API_TIMEOUT_MS} = await import('../tenant/api.js');
      const {readIflowArchive} = await import('../tenant/iflw.js');
      const {judgeKeystoreEntry, judgeSenderChannel, isTrialHost, notChecked} = await import('../tenant/checks.js');
      const trialHost = Boolean(request.runtimeUrl && isTrialHost(request.runtimeUrl));
      let temporary: TenantFact['temporary'];
      let result: TenantFact | undefined;
      let cancellation: unknown;

      /** A read failure that ends the whole check (cancelled, API unusable) is rethrown; others are returned. */
      const readFailure = (error: unknown): CpiMtlsError => {
        if (signal.aborted || isCancellation(error)) throw error;
        const e = toCpiMtlsError(error);
        if (API_UNUSABLE.has(e.code)) throw e;
        return e;
      };
      const reasonOf = (e: CpiMtlsError) => e.message.replace(/\.$/, '');

      try {
        let credentials: {url: string; tokenUrl: string; clientId: string; clientSecret: string};
        if (request.mode === 'file') credentials = await readApiKeyFile(request.apiKeyPath ?? '');
        else {
          const instanceName = `cpi-mtls-check-${randomBytes(3).toString('hex')}`;
          // Recorded before the create call: a create cut short by Ctrl+C may still leave the instance.
          temporary = {instanceName, keyName: 'cpi-mtls-check', removed: false};
          await cf.createInstance({offering: 'it-rt', plan: 'api', name: instanceName, parameters: apiInstanceParameters()}, {signal});
          const {key} = await cf.createKey({instanceName, keyName: temporary.keyName}, {signal});
          const oauth = oauthOf(await cf.keyCredentials(key.guid, {signal}));
          credentials = {url: String(oauth.url), tokenUrl: String(oauth.tokenurl), clientId: String(oauth.clientid), clientSecret: String(oauth.clientsecret)};
        }
        // Every call is bounded, the token request included: a tenant that never answers cannot hang the run.
        const api = createTenantApi({...credentials, apiUrl: credentials.url, extraCaPems: options.extraServerCaPems, signal, timeoutMs: options.probeTimeoutMs ?? DEFAULT_TENANT_API_TIMEOUT_MS});

        let keystore: TenantFact['keystore'];
        try {
          const entry = await api.getKeystoreEntry();
          keystore = {...judgeKeystoreEntry(entry, options.now?.() ?? new Date()), validUntil: entry?.validNotAfter?.toISOString()};
        } catch (error) {
          // A 404 (entry missing) is not an error: getKeystoreEntry returns null and the judgement fails.
          const e = readFailure(error);
          keystore = notChecked('the key pair sap_cloudintegrationcertificate', reasonOf(e), [...e.fix, 'Or check it in the web UI: Monitor → Manage Security → Keystore.'].join(' '));
        }

        const endpoints: TenantEndpointFact[] = [];
        // After a 403 on the first export, every further export would get one too.
        let exportForbidden: CpiMtlsError | undefined;
        // Bounded: a large tenant has hundreds of flows; the first ones answer the question.
        for (const endpoint of (await api.listServiceEndpoints()).slice(0, 20)) {
          const url = endpoint.entryPoints[0]?.url;
          if (!url) continue;
          const fact: TenantEndpointFact = {iflowId: endpoint.name, url, protocol: endpoint.protocol};
          try {
            const runtime = await api.getRuntimeArtifact(endpoint.name);
            fact.runtimeStatus = runtime?.status ?? 'not deployed';
          } catch (error) {
            fact.runtimeStatus = `not checked (${reasonOf(readFailure(error))})`;
          }
          const what = `the sender channel of ${endpoint.name}`;
          const lookInUi = 'Meanwhile check the sender channel in the web UI (Connection tab → Authorization).';
          try {
            if (exportForbidden) throw exportForbidden;
            const archive = readIflowArchive(await api.downloadIflow(endpoint.name));
            const address = new URL(url).pathname.replace(/^\/(http|cxf)/i, '').toLowerCase();
            const channel = archive.senderChannels.find(c => (c.urlPath ?? '').toLowerCase() === address) ?? archive.senderChannels[0];
            fact.channel = channel
              ? {...judgeSenderChannel(channel, request.option, request.instanceRoles), name: channel.name, senderAuthType: channel.senderAuthType, userRole: channel.userRole}
              : notChecked(what, 'the integration flow has no sender channel cpi-mtls recognises', lookInUi);
          } catch (error) {
            const e = readFailure(error);
            if (e.code === 'tenant-api-forbidden') exportForbidden = e;
            fact.channel = notChecked(what, reasonOf(e), [...e.fix, lookInUi].join(' '));
          }
          endpoints.push(fact);
        }
        result = {reachable: true, keystore, trial: trialHost, endpoints, temporary};
      } catch (error) {
        if (signal.aborted || isCancellation(error)) cancellation = error;
        else {
          const e = toCpiMtlsError(error);
          result = {reachable: false, error: {message: e.message, fix: e.fix}, trial: trialHost, endpoints: [], temporary};
        }
      }
      // Success, failure or Ctrl+C: the temporary credentials go, under their own timeout.
      if (temporary && !request.keepApiInstance) temporary.removed = await removeTemporaryApiInstance(cf, temporary);
      if (cancellation !== undefined || !result) {
        // The cancelled step's result never reaches the flow: the checklist lists what is left.
        if (temporary && !temporary.removed && !request.keepApiInstance) {
          options.leftovers?.push(`cf delete-service-key ${temporary.instanceName} ${temporary.keyName} -f`, `cf delete-service ${temporary.instanceName} -f`);
        }
        signal.throwIfAborted();
        throw cancellation;
      }
      return result;
    },
  };
}

export function createOutputService(options: Pick<ServiceOptions, 'cf' | 'outputDir' | 'now'>): OutputService {
  return {
    async write(state: FlowState) {
      const dir = options.outputDir;
      const files: Record<string, string> = {};
      for (const file of setupOutputFiles(state)) {
        if ('path' in file) files[file.what] = file.path;
        else await writeFileAtomic((files[file.what] = path.join(dir, file.name)), file.content);
      }
      if (state.answers.savePlan) {
        const {answersToPlan, planSchemaModeline} = await import('../plan.js');
        const {stringify} = await import('yaml');
        files.plan = path.join(dir, 'plan.yaml');
        const header = planSchemaModeline() + '\n# cpi-mtls plan: run it in the next subaccount with  cpi-mtls apply --plan plan.yaml\n# Passwords are never saved; give a PKCS#12 password with certificate.passwordFile.\n';
        await writeFileAtomic(files.plan, header + stringify(answersToPlan(state.answers, dir)));
      }
      Object.assign(files, await (await import('../export/handover.js')).writeHandoverOutputs(state, dir, files)); // hand-over files (src/export/)
      files.checklist = path.join(dir, 'checklist.md');
      files.checklistJson = path.join(dir, 'checklist.json');
      const checklist = buildChecklist(state, options.cf.log, files, options.now?.() ?? new Date());
      await writeFileAtomic(files.checklist, renderChecklistMarkdown(checklist));
      await writeFileAtomic(files.checklistJson, JSON.stringify(checklist, null, 2) + '\n');
      return files;
    },
  };
}

export function createEngineServices(options: ServiceOptions): EngineServices {
  return {
    leftovers: options.leftovers,
    cf: options.cf,
    dryRun: options.dryRun,
    planned: [],
    certificates: createCertificateService(options),
    probe: createProbeService(options),
    tenant: createTenantService(options),
    outputs: createOutputService(options),
  };
}
