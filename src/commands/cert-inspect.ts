/**
 * `cpi-mtls cert inspect|new|p12`: the certificate workbench on the command line. Each
 * function takes the arguments after its subcommand and returns the exit code; nothing here
 * imports Ink or React, so `--help` stays fast.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {CpiMtlsError, UsageError, toCpiMtlsError} from '../errors.js';
import {formatCertificateReport} from '../certs/format.js';
import {inspectClientCertificate, DEFAULT_EXPIRY_WARNING_DAYS, type CertificateReport} from '../certs/inspect.js';
import {loadCertificateInput, type CertificateInput, type LoadOptions} from '../certs/load.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Asks for a password without echo; absent in non-interactive runs. */
  promptPassword?: (label: string) => Promise<string>;
}

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
  --extra-roots FILE    PEM file of additional trusted roots (test landscapes)
  --expiry-days N       warn when a certificate expires within N days (default ${DEFAULT_EXPIRY_WARNING_DAYS})
  --strict-roots        a public root that is not on SAP's list fails instead of warning
  --json                machine-readable report on stdout
  --ascii               [ok]/[warn]/[FAIL] instead of ✔ ⚠ ✖
  -h, --help            show this help

Exit codes: 0 no check failed, 1 a check failed or a file could not be read, 2 usage error.
`;

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

function useColor(io: CommandIo): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR !== undefined) return io.env.FORCE_COLOR !== '0' && io.env.FORCE_COLOR !== '';
  return Boolean((io.stdout as {isTTY?: boolean}).isTTY);
}

function parse<T extends Record<string, {type: 'string' | 'boolean'; multiple?: boolean; short?: string}>>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({args: argv, options, allowPositionals: true, strict: true});
  } catch (error) {
    throw new UsageError((error as Error).message, {fix: [help.split('\n')[0]]});
  }
}

function reportError(error: unknown, io: CommandIo, json: boolean): number {
  const problem = toCpiMtlsError(error);
  if (json) {
    write(io.stdout, JSON.stringify({error: problem.toJSON()}, null, 2));
  } else {
    write(io.stderr, `✖ ${problem.message}`);
    for (const fix of problem.fix) write(io.stderr, `  Fix: ${fix}`);
  }
  return problem.exitCode;
}

async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CpiMtlsError('file-not-found', `Cannot read the password file ${file}: ${(error as Error).message}`, {cause: error, fix: ['Check the path of --password-file.']});
  }
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
  try {
    const {values, positionals} = parse(
      argv,
      {
        json: {type: 'boolean'},
        ascii: {type: 'boolean'},
        help: {type: 'boolean', short: 'h'},
        key: {type: 'string'},
        'password-file': {type: 'string'},
        'extra-roots': {type: 'string', multiple: true},
        'expiry-days': {type: 'string'},
        'strict-roots': {type: 'boolean'},
      },
      CERT_INSPECT_HELP,
    );
    if (values.help) {
      write(io.stdout, CERT_INSPECT_HELP);
      return 0;
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
    const extraTrustedRootsPem: string[] = [];
    for (const file of values['extra-roots'] ?? []) {
      try {
        extraTrustedRootsPem.push(await readFile(file, 'utf8'));
      } catch (error) {
        throw new CpiMtlsError('file-not-found', `Cannot read the extra roots file ${file}: ${(error as Error).message}`, {cause: error, fix: ['Check the path of --extra-roots.']});
      }
    }

    const report = inspectClientCertificate(
      {certificates: inputs.flatMap((input) => input.certificates), ...(privateKeyPem ? {privateKeyPem} : {})},
      {expiryWarningDays, extraTrustedRootsPem, strictRoots: Boolean(values['strict-roots'])},
    );
    if (json) {
      write(io.stdout, JSON.stringify(reportToJson(report, inputs), null, 2));
    } else {
      write(io.stdout, `Read ${inputs.map(describeInput).join('; ')}\n`);
      write(io.stdout, formatCertificateReport(report, {color: useColor(io), ascii: Boolean(values.ascii)}));
    }
    return report.verdict === 'fail' ? 1 : 0;
  } catch (error) {
    return reportError(error, io, json);
  }
}
