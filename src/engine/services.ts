/**
 * The real services behind the setup flow's effects: the certificate workbench, the live probe
 * and the output writer, composed with a cf adapter. Heavy modules load on first use.
 */
import {mkdir, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {CertificateFact, FlowState, ProbeFact} from '../../flows/types.js';
import {isOption2} from '../../flows/setup.js';
import {roleJson} from '../../flows/parameters.js';
import {chosenRole, wantedInstanceParameters} from '../../flows/setup.js';
import {buildChecklist, renderChecklistMarkdown} from '../checklist.js';
import {CpiMtlsError} from '../errors.js';
import type {CfPort} from '../ports.js';
import type {CertificateService, EngineServices, OutputService, ProbeService} from './effects.js';

export interface ServiceOptions {
  cf: CfPort;
  dryRun?: boolean;
  outputDir: string;
  /** Client roots to treat as trusted by the load balancer (the demo landscape's own CA). */
  extraTrustedClientRootsPem?: string[];
  /** Server CAs the sender trusts in addition to the system store (the demo load balancer). */
  extraServerCaPems?: string[];
  probeTimeoutMs?: number;
  now?: () => Date;
}

async function writeAtomic(file: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true});
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content, {mode});
  await rename(temp, file);
}

export function createCertificateService(options: Pick<ServiceOptions, 'extraTrustedClientRootsPem' | 'now'>): CertificateService {
  return {
    async load(file, password, signal) {
      const {loadCertificateInput} = await import('../certs/load.js');
      const {inspectClientCertificate} = await import('../certs/inspect.js');
      signal.throwIfAborted();
      const input = await loadCertificateInput(file, {password, passphrase: password});
      if (input.certificates.length === 0) {
        throw new CpiMtlsError('no-certificate', `${file} holds ${input.kind === 'private-key' ? 'a private key' : 'no certificate'}, not a client certificate.`, {
          fix: ['Give the file with the client certificate (PEM, DER or PKCS#12). The private key is asked for later, for the live test only.'],
        });
      }
      const report = inspectClientCertificate(
        {certificates: input.certificates, privateKeyPem: input.privateKeyPem},
        {now: options.now?.(), extraTrustedRootsPem: options.extraTrustedClientRootsPem},
      );
      const chain = report.chainInOrder.filter(c => c.fingerprint256 !== report.leaf?.fingerprint256);
      const fact: CertificateFact = {
        kind: input.kind,
        path: file,
        leaf: report.leaf,
        chain,
        checks: report.checks,
        verdict: report.verdict,
        hasPrivateKey: Boolean(input.privateKeyPem),
      };
      return fact;
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
      const {loadCertificateInput} = await import('../certs/load.js');
      const input = await loadCertificateInput(request.certificatePath, {password: request.password, passphrase: request.password});
      let keyPem = input.privateKeyPem;
      if (!keyPem && request.privateKeyPath) {
        const keyInput = await loadCertificateInput(request.privateKeyPath, {passphrase: request.password});
        keyPem = keyInput.privateKeyPem;
      }
      if (!keyPem) {
        throw new CpiMtlsError('no-private-key', 'The live test needs the private key of the client certificate.', {
          fix: ['Give the private key file (PEM), or a PKCS#12 file that holds key and certificate.'],
        });
      }
      // Send leaf plus intermediates (no root), the way a sender should.
      const sendChain = input.certificates.filter(c => !c.selfSigned || input.certificates.length === 1);
      const certPem = sendChain.map(c => c.pem.trim()).join('\n') + '\n';
      const checks = request.certificate?.checks ?? [];
      const verdictOf = (pattern: RegExp) => {
        const check = checks.find(c => pattern.test(c.id));
        return check ? check.verdict !== 'fail' : undefined;
      };
      const result = await runProbe({
        url: request.url,
        method: request.method,
        client: {certPem, keyPem},
        extraCaPems: options.extraServerCaPems,
        localFacts: {ekuClientAuth: verdictOf(/eku|client-?auth/i), chainComplete: verdictOf(/chain/i), rootTrustedBySap: verdictOf(/root/i)},
        crossCheck: {keysWithThisCertificate: request.keysWithThisCertificate},
        timeoutMs: options.probeTimeoutMs,
        signal,
        outputDir: path.join(options.outputDir, 'load-balancer-chain'),
      });
      const client = result.client;
      const outcome = client?.outcome ?? 'network-error';
      const fact: ProbeFact = {
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
        raw: result,
      };
      return fact;
    },
  };
}

export function createOutputService(options: Pick<ServiceOptions, 'cf' | 'outputDir' | 'now'>): OutputService {
  return {
    async write(state: FlowState) {
      const dir = options.outputDir;
      const files: Record<string, string> = {};
      const role = chosenRole(state.answers);
      if (role) {
        files.roleJson = path.join(dir, 'role.json');
        await writeAtomic(files.roleJson, JSON.stringify(roleJson(role)) + '\n');
      }
      if (state.facts.instance || state.answers.instanceName) {
        files.instanceParameters = path.join(dir, 'instance-parameters.json');
        await writeAtomic(files.instanceParameters, JSON.stringify(state.facts.instance?.parameters ?? wantedInstanceParameters(state.answers), null, 2) + '\n');
      }
      const leaf = state.facts.certificate?.leaf;
      if (leaf && state.answers.certificateSource === 'external') {
        // Option 2: the file to upload in the sender channel's Client Certificate table.
        const [what, name] = isOption2(state) ? ['channelCertificate', 'sender-channel-certificate.crt'] : ['leafCertificate', 'client-leaf.pem'];
        files[what] = path.join(dir, name);
        await writeAtomic(files[what], leaf.pem.trim() + '\n');
      }
      for (const [what, file] of Object.entries(state.facts.key?.files ?? {})) files[`sapGenerated.${what}`] = file;
      if (state.facts.probe?.trustStoreFile) files.loadBalancerRoot = state.facts.probe.trustStoreFile;
      if (state.facts.probe) {
        files.probe = path.join(dir, 'live-test.json');
        await writeAtomic(files.probe, JSON.stringify(state.facts.probe.raw, null, 2) + '\n');
      }
      files.checklist = path.join(dir, 'checklist.md');
      files.checklistJson = path.join(dir, 'checklist.json');
      const checklist = buildChecklist(state, options.cf.log, files, options.now?.() ?? new Date());
      await writeAtomic(files.checklist, renderChecklistMarkdown(checklist));
      await writeAtomic(files.checklistJson, JSON.stringify(checklist, null, 2) + '\n');
      return files;
    },
  };
}

export function createEngineServices(options: ServiceOptions): EngineServices {
  return {
    cf: options.cf,
    dryRun: options.dryRun,
    planned: [],
    certificates: createCertificateService(options),
    probe: createProbeService(options),
    outputs: createOutputService(options),
  };
}
