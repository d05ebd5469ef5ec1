/**
 * `cpi-mtls probe <url>`: the live TLS connectivity test from the command line. Progress goes
 * to stderr, the result to stdout. The probe modules load only after the arguments are valid,
 * so `--help` stays instant.
 */
import {readFile, stat} from 'node:fs/promises';
import {COMMON_OPTIONS, parseCommandArgs, showHelp} from './args.js';
import {UsageError} from '../errors.js';
import {timeoutsFromEnv} from '../timeouts.js';

// The runtime loads after the call, so the static imports stay light (--help is instant).
type CommandIo = import('../runtime/command.js').CommandIo;

export const PROBE_HELP = `cpi-mtls probe: live TLS test of an SAP Cloud Integration endpoint, from where the sender sits.

Usage
  cpi-mtls probe <url> [options]

  <url>  the iflow endpoint: runtime URL + /http/<address> (or /cxf/<address> for SOAP)

Client certificate (what the sender presents)
  --cert <pem>               leaf certificate followed by its intermediates (PEM)
  --key <pem>                its private key (PEM, unencrypted)
  --p12 <file>               or a PKCS#12 (.p12/.pfx) with key, leaf and chain
  --p12-password-file <f>    file holding the PKCS#12 password (default: empty password)

Basic-auth comparison
  --basic <clientid>         also call with Basic auth; the secret comes from the environment
                             variable CPI_MTLS_CLIENT_SECRET or from --basic-secret-file
  --basic-secret-file <f>    file holding the clientsecret (never printed)

Options
  --method GET|POST          HTTP method (default GET; POST sends a small JSON body)
  --ca <pem>                 extra CA certificates to trust for the server side (repeatable);
                             NODE_EXTRA_CA_CERTS=<pem> is honoured the same way
  --out <dir>                save the server chain (.cer, .pem, certificates.zip) here
  --timeout <ms>             timeout of each stage: connect, TLS, response (default 10000,
                             or CPI_MTLS_PROBE_TIMEOUT_MS)
  --no-aia                   do not download a missing root from the certificate's issuer URL
  --json                     print the result as JSON
  -h, --help                 this help

Examples:
  cpi-mtls probe https://my-tenant.it-cpi018-rt.cfapps.eu10-003.hana.ondemand.com/http/orders
  cpi-mtls probe https://my-tenant.it-cpi018-rt.cfapps.eu10-003.hana.ondemand.com/http/orders --p12 client.p12 --p12-password-file p12.pass
  cpi-mtls probe https://my-tenant.it-cpi018-rt.cfapps.eu10-003.hana.ondemand.com/http/orders --cert client.chain.pem --key client.key --method POST

Proxy: HTTPS_PROXY / https_proxy and NO_PROXY / no_proxy are honoured (HTTP CONNECT).
Exit codes: 0 the connection works (HTTP 2xx, or 5xx from the iflow), 1 it does not, 2 usage error, 130 cancelled.`;

function parse(argv: string[]) {
  const {values, positionals} = parseCommandArgs('probe', argv, {
        cert: {type: 'string'},
        key: {type: 'string'},
        p12: {type: 'string'},
        'p12-password-file': {type: 'string'},
        basic: {type: 'string'},
        'basic-secret-file': {type: 'string'},
        method: {type: 'string'},
        ca: {type: 'string', multiple: true},
        out: {type: 'string'},
        timeout: {type: 'string'},
        'no-aia': {type: 'boolean'},
        ...COMMON_OPTIONS,
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'probe needs the endpoint URL.' : `probe takes one URL, got ${positionals.length}: ${positionals.join(' ')}.`, {
      fix: ['cpi-mtls probe https://<tenant>.it-cpi018-rt.cfapps.eu10.hana.ondemand.com/http/<address> --cert client.pem --key client.key'],
    });
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(values.cert ? '--cert needs --key (the private key of the certificate).' : '--key needs --cert (the certificate of the key).', {fix: ['Pass both --cert <pem> and --key <pem>, or --p12 <file>.']});
  }
  if (values.p12 && values.cert) throw new UsageError('Use either --cert/--key or --p12, not both.');
  if (values['p12-password-file'] && !values.p12) throw new UsageError('--p12-password-file needs --p12.');
  if (values['basic-secret-file'] && !values.basic) throw new UsageError('--basic-secret-file needs --basic <clientid>.');
  const method = (values.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new UsageError(`--method must be GET or POST, not ${values.method}.`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, not "${values.timeout}".`, {fix: ['For example --timeout 15000.']});
  }
  // The method was checked above.
  return {...values, url: positionals[0], method: method as 'GET' | 'POST', timeoutMs};
}

/** Certificate, key, CA and password files are a few kilobytes; larger is the wrong file. */
const MAX_INPUT_BYTES = 1024 * 1024;

async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new UsageError(`Cannot read ${what} ${file}: it is a folder, not a file.`, {fix: [`Give the file inside the folder for ${what}.`]});
    if (info.size > MAX_INPUT_BYTES) {
      throw new UsageError(`Cannot read ${what} ${file}: it is ${(info.size / 1024 / 1024).toFixed(1)} MiB; expected a PEM, PKCS#12 or text file of a few kilobytes (at most 1 MiB).`, {fix: [`Check the path given for ${what}.`]});
    }
    return await readFile(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${what} ${file}: ${code === 'ENOENT' ? 'the file does not exist' : (error as Error).message}.`, {fix: [`Check the path given for ${what}.`]});
  }
}

function firstLine(buffer: Buffer): string {
  return buffer.toString('utf8').split(/\r?\n/)[0];
}

export async function runProbeCommand(argv: string[], io: CommandIo): Promise<number> {
  const {EXIT, runCommand} = await import('../runtime/command.js');
  return runCommand(io, argv.includes('--json'), async run => {
    const args = parse(argv);
    // The same timeout variable as every other command, validated the same way; --timeout wins.
    const fromEnv = timeoutsFromEnv(io.env).probeTimeoutMs;
    if (args === 'help') return showHelp(io, PROBE_HELP);
    if (args.timeoutMs === undefined) args.timeoutMs = fromEnv;
    const secret = args.basic ? (args['basic-secret-file'] ? firstLine(await readInput(args['basic-secret-file'], 'the clientsecret file')) : io.env.CPI_MTLS_CLIENT_SECRET) : undefined;
    if (args.basic && !secret) {
      throw new UsageError('--basic needs the clientsecret.', {fix: ['Set CPI_MTLS_CLIENT_SECRET in the environment, or pass --basic-secret-file <file>.']});
    }
    const extraCaPems = await Promise.all((args.ca ?? []).map(async (file) => (await readInput(file, 'the CA file')).toString('utf8')));
    let material: import('../probe/credentials.js').ClientMaterial | undefined;
    if (args.cert && args.key) {
      const {loadPemClient} = await import('../probe/credentials.js');
      material = loadPemClient((await readInput(args.cert, 'the certificate file')).toString('utf8'), (await readInput(args.key, 'the key file')).toString('utf8'), {cert: args.cert, key: args.key});
    } else if (args.p12) {
      const {loadPkcs12Client} = await import('../probe/credentials.js');
      const password = args['p12-password-file'] ? firstLine(await readInput(args['p12-password-file'], 'the PKCS#12 password file')) : '';
      material = await loadPkcs12Client(await readInput(args.p12, 'the PKCS#12 file'), password, args.p12);
    }

    const [{runProbe, connectionWorks}, {formatProbeResult}] = await Promise.all([import('../probe/probe.js'), import('../probe/format.js')]);
    const result = await runProbe(
      {
        url: args.url,
        method: args.method,
        client: material && {certPem: material.certPem, keyPem: material.keyPem},
        basic: args.basic && secret ? {clientId: args.basic, clientSecret: secret} : undefined,
        extraCaPems,
        timeoutMs: args.timeoutMs,
        outputDir: args.out,
        fetchIssuers: !args['no-aia'],
        env: io.env,
        signal: run.signal,
      },
      {onStage: (stage) => io.stderr.write(`… ${stage}\n`)},
    );
    io.stdout.write(args.json ? JSON.stringify(result, null, 2) + '\n' : formatProbeResult(result));
    const primary = result.client ?? result.basic;
    const works = primary ? connectionWorks(primary.outcome) : !result.server.error;
    return works ? EXIT.complete : EXIT.notComplete;
  });
}
