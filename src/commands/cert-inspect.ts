/**
 * `cpi-mtls cert inspect|new|p12`: the certificate workbench on the command line. Each
 * function takes the arguments after its subcommand and returns the exit code; nothing here
 * imports Ink or React, so `--help` stays fast.
 */
import {COMMON_OPTIONS, parseCommandArgs, showHelp} from './args.js';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {CpiMtlsError, UsageError} from '../errors.js';
import {EXIT, runCommand, writeJson, writeText, type CommandIo} from '../runtime/command.js';
import {formatCertificateReport} from '../certs/format.js';
import {inspectClientCertificate, DEFAULT_EXPIRY_WARNING_DAYS, type CertificateReport} from '../certs/inspect.js';
import {loadCertificateInput, type CertificateInput, type LoadOptions} from '../certs/load.js';

export type {CommandIo};

export const CERT_INSPECT_HELP = `Usage: cpi-mtls cert inspect <file...> [options]

Checks a client certificate for SAP Cloud Integration before anything is uploaded:
which certificate is the leaf, chain completeness and order, a root SAP's load balancer
trusts, EKU clientAuth, validity, key match, key size and signature algorithm.

Files: PEM (any number of certificates, any order), DER (.cer/.crt), PKCS#12 (.p12/.pfx),
private keys, or the JSON of a service key of key type "certificate".

Options:
  --key FILE            private key to match against the certificate
  --password-file FILE  password of a PKCS#12 file or passphrase of an encrypted key
                        (first line; or set CPI_MTLS_CERT_PASSWORD)
  --extra-roots FILE    PEM file of client roots you trust in addition to SAP's list (test
                        landscapes, a custom domain with its own trust list); repeatable.
                        A chain ending there passes as "trusted by your choice"
  --expiry-days N       warn when a certificate expires within N days (default ${DEFAULT_EXPIRY_WARNING_DAYS})
  --strict-roots        a public root that is not on SAP's list fails instead of warning
  --demo [scenario]     trust the demo landscape's own roots, as the wizard does (default: happy)
  --json                machine-readable report on stdout
  --ascii               [ok]/[warn]/[FAIL] instead of ✔ ⚠ ✖
  -h, --help            show this help

Examples:
  cpi-mtls cert inspect s4hana-sender.chain.pem --key s4hana-sender.key.pem
  cpi-mtls cert inspect client.p12 --password-file p12.pass --json
  cpi-mtls cert inspect service-key.json --expiry-days 60
  cpi-mtls cert inspect --demo ~/.cpi-mtls/demo/happy/customer-files/s4hana-sender.chain.pem

Exit codes: 0 no check failed, 1 a check failed or a file could not be read, 2 usage error.`;

function write(stream: CommandIo['stdout'], text: string): void {
  writeText(stream, text.endsWith('\n') ? text : `${text}\n`);
}

function useColor(io: CommandIo): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR !== undefined) return io.env.FORCE_COLOR !== '0' && io.env.FORCE_COLOR !== '';
  return Boolean((io.stdout as {isTTY?: boolean}).isTTY);
}

/** The workbench words its next steps "Fix: …" (the runtime prints them, and the --json document). */
function formatCertError(problem: CpiMtlsError): string {
  return [`✖ ${problem.message}`, ...problem.fix.map((fix) => `  Fix: ${fix}`)].join('\n') + '\n';
}

async function readPasswordFile(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new CpiMtlsError('file-not-found', `Cannot read the password file ${file}: ${(error as Error).message}`, {cause: error, fix: ['Check the path of --password-file.']});
  });
  // First line only, without the line break editors add.
  return text.split(/\r?\n/)[0];
}

/** Loads a file; asks for the password (up to three times) when a prompt is available. */
async function loadWithPrompt(file: string, options: LoadOptions, io: CommandIo): Promise<CertificateInput> {
  let current = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadCertificateInput(file, current);
    } catch (error) {
      const code = error instanceof CpiMtlsError ? error.code : '';
      const canAsk = io.promptPassword && (code === 'password-required' || code === 'wrong-password') && attempt < 3;
      if (!canAsk) throw error;
      const label = code === 'wrong-password' && attempt > 0 ? `Wrong password. Password for ${path.basename(file)}` : `Password for ${path.basename(file)}`;
      const answer = await io.promptPassword!(label);
      current = {password: answer, passphrase: answer};
    }
  }
}

function describeInput(input: CertificateInput): string {
  const kind = {pem: 'PEM', der: 'DER', pkcs12: 'PKCS#12', 'service-key': 'service key', 'private-key': 'private key'}[input.kind];
  const parts = [kind];
  if (input.certificates.length) parts.push(`${input.certificates.length} certificate${input.certificates.length > 1 ? 's' : ''}`);
  if (input.privateKeyPem && input.kind !== 'private-key') parts.push('private key');
  return `${input.path} (${parts.join(', ')})`;
}

/** The report as JSON: everything public, never the private key. */
export function reportToJson(report: CertificateReport, inputs: CertificateInput[]): Record<string, unknown> {
  return {
    verdict: report.verdict,
    inputs: inputs.map((input) => ({path: input.path, kind: input.kind, certificates: input.certificates.length, privateKey: Boolean(input.privateKeyPem)})),
    leaf: report.leaf,
    intermediates: report.intermediates,
    root: report.root,
    rootSource: report.rootSource,
    chainInOrder: report.chainInOrder.map((certificate) => certificate.fingerprint256),
    checks: report.checks,
  };
}

export async function runCertInspect(argv: string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  return runCommand(io, json, async () => {
    const {values, positionals} = parseCommandArgs('cert inspect', argv, {
        ...COMMON_OPTIONS,
        ascii: {type: 'boolean'},
        key: {type: 'string'},
        'password-file': {type: 'string'},
        'extra-roots': {type: 'string', multiple: true},
        'expiry-days': {type: 'string'},
        'strict-roots': {type: 'boolean'},
        demo: {type: 'boolean'},
      });
    if (values.help) return showHelp(io, CERT_INSPECT_HELP);
    // --demo [scenario]: a first argument that names a scenario is the scenario, not a file.
    let scenario: string | undefined;
    if (values.demo) {
      const {findDemoScenario, DEFAULT_DEMO_SCENARIO} = await import('../demo/scenarios.js');
      scenario = positionals[0] && findDemoScenario(positionals[0]) ? positionals.shift() : DEFAULT_DEMO_SCENARIO;
    }
    if (positionals.length === 0) throw new UsageError('Give at least one certificate file.', {fix: ['cpi-mtls cert inspect client.pem [--key client.key]']});
    let expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS;
    if (values['expiry-days'] !== undefined) {
      expiryWarningDays = Number(values['expiry-days']);
      if (!/^\d+$/.test(values['expiry-days']) || expiryWarningDays > 3650) {
        throw new UsageError(`--expiry-days must be a whole number of days (0-3650), not "${values['expiry-days']}".`);
      }
    }
    const password = values['password-file'] !== undefined ? await readPasswordFile(values['password-file']) : io.env.CPI_MTLS_CERT_PASSWORD;
    const loadOptions: LoadOptions = password === undefined ? {} : {password, passphrase: password};

    const inputs: CertificateInput[] = [];
    for (const file of positionals) inputs.push(await loadWithPrompt(file, loadOptions, io));
    let privateKeyPem = inputs.find((input) => input.privateKeyPem)?.privateKeyPem;
    if (values.key !== undefined) {
      const keyInput = await loadWithPrompt(values.key, loadOptions, io);
      if (!keyInput.privateKeyPem) {
        throw new CpiMtlsError('no-private-key', `${values.key} holds no private key.`, {fix: ['Give the key file with --key (PEM "BEGIN PRIVATE KEY" / "BEGIN RSA PRIVATE KEY", or PKCS#12).']});
      }
      inputs.push(keyInput);
      privateKeyPem = keyInput.privateKeyPem;
    }
    const extraRoots = values['extra-roots']?.length ? await (await import('../certs/trusted-roots.js')).loadTrustedRootFiles(values['extra-roots'], {label: '--extra-roots'}) : [];
    // The wizard trusts the demo's own roots; inspecting its files must give the same verdict.
    const demoRoots = scenario ? await (await import('../demo/landscape.js')).demoTrustedClientRoots(scenario, io.env.CPI_MTLS_DEMO_HOME || undefined) : [];
    const extraTrustedRootsPem = [...extraRoots.map((file) => file.pem), ...demoRoots];

    const report = inspectClientCertificate(
      {certificates: inputs.flatMap((input) => input.certificates), ...(privateKeyPem ? {privateKeyPem} : {})},
      {expiryWarningDays, extraTrustedRootsPem, strictRoots: Boolean(values['strict-roots'])},
    );
    if (json) {
      writeJson(io, reportToJson(report, inputs));
    } else {
      write(io.stdout, `Read ${inputs.map(describeInput).join('; ')}\n`);
      write(io.stdout, formatCertificateReport(report, {color: useColor(io), ascii: Boolean(values.ascii)}));
    }
    return report.verdict === 'fail' ? EXIT.notComplete : EXIT.complete;
  }, formatCertError);
}

// ---------------------------------------------------------------------------------------------
// cert new

export const CERT_NEW_HELP = `Usage: cpi-mtls cert new --cn NAME [options]

Creates a private key and a certificate signing request (CSR) that asks for clientAuth.
Send the CSR to your CA (or to SAP Cloud Root CA through the Destination service).

Options:
  --cn NAME             common name, e.g. the sender system's host name (required)
  --o, --ou, --l, --st  organization, unit, locality, state
  --c CC                two-letter country code
  --san VALUE           subject alternative name (DNS:host, IP:1.2.3.4, email:a@b); repeatable
  --key-type rsa|ec     default rsa
  --bits N              RSA size: 2048 (default), 3072, 4096
  --out DIR             output folder (default: current folder)
  --name BASE           file names BASE.key and BASE.csr (default: client)
  --force               overwrite an existing key file
  --json                print the file paths as JSON

Examples:
  cpi-mtls cert new --cn s4hana-sender.example.com
  cpi-mtls cert new --cn s4hana-sender --o "ACME Corp" --c DE --out certs --name s4hana-sender`;

export async function runCertNew(argv: string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  return runCommand(io, json, async (run) => {
    const {values} = parseCommandArgs('cert new', argv, {
        cn: {type: 'string'},
        o: {type: 'string'},
        ou: {type: 'string'},
        l: {type: 'string'},
        st: {type: 'string'},
        c: {type: 'string'},
        san: {type: 'string', multiple: true},
        'key-type': {type: 'string'},
        bits: {type: 'string'},
        out: {type: 'string'},
        name: {type: 'string'},
        force: {type: 'boolean'},
        ...COMMON_OPTIONS,
      });
    if (values.help) return showHelp(io, CERT_NEW_HELP);
    if (!values.cn) throw new UsageError('--cn is required.', {fix: ['cpi-mtls cert new --cn sender.example.com --o "Acme" --c DE']});
    const keyType = values['key-type'] ?? 'rsa';
    if (keyType !== 'rsa' && keyType !== 'ec') throw new UsageError(`--key-type must be rsa or ec, not "${keyType}".`);
    const bits = Number(values.bits ?? 2048);
    if (keyType === 'rsa' && ![2048, 3072, 4096].includes(bits)) throw new UsageError(`--bits must be 2048, 3072 or 4096, not "${values.bits}".`);
    const directory = values.out ?? '.';
    const base = values.name ?? 'client';
    const keyPath = path.join(directory, `${base}.key`);
    const csrPath = path.join(directory, `${base}.csr`);
    if (!values.force && (await stat(keyPath).then(() => true, () => false))) {
      throw new CpiMtlsError('file-exists', `${keyPath} exists already; a certificate may depend on it.`, {fix: ['Choose another --name or --out, or pass --force to replace it.']});
    }
    const {generateKeyAndCsr} = await import('../certs/generate.js');
    const {writeSecretFile, writePublicFile} = await import('../certs/files.js');
    const subject = {CN: values.cn, ...(values.o ? {O: values.o} : {}), ...(values.ou ? {OU: values.ou} : {}), ...(values.l ? {L: values.l} : {}), ...(values.st ? {ST: values.st} : {}), ...(values.c ? {C: values.c} : {})};
    const request = keyType === 'ec' ? ({keyType: 'ec', curve: 'P-256'} as const) : ({keyType: 'rsa', bits: bits as 2048 | 3072 | 4096} as const);
    const {privateKeyPem, csrPem} = await generateKeyAndCsr(request, subject, values.san ?? [], run.signal);
    await writeSecretFile(keyPath, privateKeyPem);
    await writePublicFile(csrPath, csrPem);
    if (json) writeJson(io, {keyPath, csrPath});
    else {
      write(io.stdout, `✔ Private key  ${keyPath} (mode 0600; keep it on the sender system)`);
      write(io.stdout, `✔ CSR          ${csrPath}`);
      write(io.stdout, `  Check it:    openssl req -in ${csrPath} -noout -text -verify`);
    }
    return 0;
  }, formatCertError);
}

// ---------------------------------------------------------------------------------------------
// cert p12

export const CERT_P12_HELP = `Usage: cpi-mtls cert p12 <certificate files...> [options]

Packs key, client certificate and chain (leaf first) for the sender system.

Options:
  --key FILE            private key (unless the input holds it already)
  --out FILE            output PKCS#12 file (default: client.p12)
  --password-file FILE  password for the new file (first line); without it one is generated
                        and shown once
  --in-password-file F  password of an input PKCS#12 or encrypted key
  --legacy              3DES/SHA-1 for older importers (Java before 8u301, old Windows)
  --pem                 also write <out>-chain.pem (leaf then chain) and <out>-key.pem
  --url URL             print a curl command line that calls URL with the certificate
  --name ALIAS          alias (friendly name) in the file (default: client)
  --json                print paths (and a generated password) as JSON

Examples:
  cpi-mtls cert p12 client.crt intermediate.pem --key client.key --out s4hana-sender.p12
  cpi-mtls cert p12 client.chain.pem --key client.key --legacy --password-file p12.pass`;

export async function runCertP12(argv: string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  return runCommand(io, json, async () => {
    const {values, positionals} = parseCommandArgs('cert p12', argv, {
        key: {type: 'string'},
        out: {type: 'string'},
        'password-file': {type: 'string'},
        'in-password-file': {type: 'string'},
        legacy: {type: 'boolean'},
        pem: {type: 'boolean'},
        url: {type: 'string'},
        name: {type: 'string'},
        ...COMMON_OPTIONS,
      });
    if (values.help) return showHelp(io, CERT_P12_HELP);
    if (positionals.length === 0) throw new UsageError('Give the certificate file(s).', {fix: ['cpi-mtls cert p12 client-chain.pem --key client.key --out client.p12']});
    const inPassword = values['in-password-file'] !== undefined ? await readPasswordFile(values['in-password-file']) : io.env.CPI_MTLS_CERT_PASSWORD;
    const loadOptions: LoadOptions = inPassword === undefined ? {} : {password: inPassword, passphrase: inPassword};
    const inputs: CertificateInput[] = [];
    for (const file of positionals) inputs.push(await loadWithPrompt(file, loadOptions, io));
    if (values.key !== undefined) inputs.push(await loadWithPrompt(values.key, loadOptions, io));
    const privateKeyPem = [...inputs].reverse().find((input) => input.privateKeyPem)?.privateKeyPem;
    if (!privateKeyPem) throw new CpiMtlsError('no-private-key', 'A PKCS#12 file needs the private key.', {fix: ['Give it with --key FILE.']});
    const certificates = inputs.flatMap((input) => input.certificates);
    const password = values['password-file'] !== undefined ? await readPasswordFile(values['password-file']) : undefined;
    const {exportPkcs12, writeSecretFile, writeSenderPemFiles, curlCommandLine} = await import('../certs/files.js');
    const exported = exportPkcs12({privateKeyPem, certificates, ...(password ? {password} : {}), legacy: Boolean(values.legacy), friendlyName: values.name ?? 'client'});
    const out = values.out ?? 'client.p12';
    await writeSecretFile(out, exported.der);
    const result: Record<string, unknown> = {p12Path: out, legacy: Boolean(values.legacy)};
    if (exported.generatedPassword) result.password = exported.password;
    let pemFiles: {chainPath: string; keyPath: string} | undefined;
    if (values.pem || values.url) {
      const base = path.basename(out).replace(/\.(p12|pfx)$/i, '');
      pemFiles = await writeSenderPemFiles({privateKeyPem, certificates, dir: path.dirname(out), baseName: base});
      Object.assign(result, pemFiles);
    }
    const curl = values.url && pemFiles ? curlCommandLine({url: values.url, certificatePath: pemFiles.chainPath, keyPath: pemFiles.keyPath}) : undefined;
    if (curl) result.curl = curl.command;
    if (json) {
      writeJson(io, result);
    } else {
      write(io.stdout, `✔ PKCS#12      ${out} (mode 0600, ${values.legacy ? '3DES/SHA-1 legacy' : 'AES-256/SHA-256'})`);
      if (exported.generatedPassword) write(io.stdout, `  Password:    ${exported.password}   (shown once; store it in your password manager)`);
      if (pemFiles) {
        write(io.stdout, `✔ Chain PEM    ${pemFiles.chainPath} (leaf first)`);
        write(io.stdout, `✔ Key PEM      ${pemFiles.keyPath} (mode 0600)`);
      }
      if (curl) {
        write(io.stdout, `  Try it:      ${curl.command}`);
        write(io.stdout, `  Note:        ${curl.note}`);
      }
    }
    return 0;
  }, formatCertError);
}
