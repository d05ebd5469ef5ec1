#!/usr/bin/env node
/**
 * Entry point: parses arguments, picks the mode, and loads only what that mode needs. `--help`
 * and `--version` import nothing beyond Node built-ins (no Ink, no node-forge, no execa).
 */
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {closest, usageError} from './suggest.js';

const COMMANDS = ['apply', 'setup', 'cert', 'audit', 'renew', 'migrate-neo', 'probe', 'export'] as const;
const CERT_COMMANDS = ['inspect', 'new', 'p12'] as const;

const CERT_HELP = `cpi-mtls cert: the certificate workbench.

Usage
  cpi-mtls cert inspect <file...>   check certificates against SAP's rules (PEM, DER, PKCS#12, service key)
  cpi-mtls cert new                 create a private key and a CSR
  cpi-mtls cert p12                 bundle key, certificate and chain as PKCS#12 for the sender

Examples:
  cpi-mtls cert inspect s4hana-sender.chain.pem --key s4hana-sender.key.pem
  cpi-mtls cert new --cn s4hana-sender
  cpi-mtls cert p12 --help

Each command has its own --help.`;

const HELP = `cpi-mtls: connect a sender system to SAP Cloud Integration (Cloud Foundry) with a client certificate, verified end to end.

Usage
  cpi-mtls [options]                     the setup wizard against the landscape cf is logged in to
  cpi-mtls --demo [scenario]             the wizard on the embedded offline demo landscape
  cpi-mtls --demo --list                 list the demo scenarios
  cpi-mtls --demo reset [scenario|--all] restore a demo scenario (or all of them) to its start
  cpi-mtls apply --plan <file>           run a setup from a plan file, without questions
  cpi-mtls cert inspect <file...>        check certificates against SAP's rules (PEM, DER, PKCS#12, service key)
  cpi-mtls cert new                      create a private key and a CSR
  cpi-mtls cert p12                      bundle key, certificate and chain as PKCS#12 for the sender
  cpi-mtls probe <url>                   live TLS test: load balancer chain, mTLS call, diagnosis
  cpi-mtls audit [--org] [--days N]      expiring, duplicate and shared certificates, client_x509, secret keys
  cpi-mtls renew                         zero-downtime certificate renewal: new key, live test, then delete the old one
  cpi-mtls migrate-neo                   move Neo certificate-to-user mappings to it-rt instances and keys
  cpi-mtls export terraform              instances and keys as Terraform configuration (a setup's, or --from-audit)

Options
  --cf <path>          cf executable to use (default: cf on PATH)
  --out <dir>          output folder (default: ./cpi-mtls-output/<date-time>)
  --plan <file>        plan file (YAML or JSON) for apply
  --json               one machine-readable result on stdout; progress goes to stderr
  --dry-run            show the cf commands and parameters that would run; change nothing
  --trust-root <file>  a client root CA to accept although it is not (yet) on SAP's load balancer
                       list (repeatable); the checklist says it was trusted by your choice
  --explain            show "why this matters" beside each step (default in --demo; --no-explain turns it off)
  --no-color           no colours (NO_COLOR is honoured too)
  -h, --help           this help
  -v, --version        the version

Examples:
  cpi-mtls --demo
  cpi-mtls --demo reset --all
  cpi-mtls apply --plan s4hana-sender.yaml --json > result.json

Exit codes: 0 complete, 1 not complete (a step or check failed), 2 usage error or invalid plan,
130 cancelled.
Command help: cpi-mtls cert inspect --help, cpi-mtls probe --help, cpi-mtls audit|renew|migrate-neo --help,
cpi-mtls export terraform --help.
Docs: README.md (real landscapes, plan files, outputs).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};
  return pkg.version;
}

const OPTION_NAMES = ['help', 'version', 'demo', 'list', 'cf', 'out', 'plan', 'json', 'dry-run', 'no-color', 'debug', 'explain', 'no-explain', 'trust-root', 'all'];

async function main(argv: string[]): Promise<number> {
  // Colour decisions must happen before chalk (through Ink) is loaded: chalk ignores NO_COLOR.
  if (process.env.NO_COLOR || argv.includes('--no-color')) process.env.FORCE_COLOR = '0';

  const [command, ...rest] = argv;
  // The only place that loads components/: the runtime gets the Ink renderer as a function and
  // calls it only for an interactive run.
  const io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, ui: () => import('../components/interactive.js')};
  if (command === 'cert') {
    const [sub, ...args] = rest;
    const certs = await import('../src/commands/cert-inspect.js');
    if (sub === 'inspect') return certs.runCertInspect(args, io);
    if (sub === 'new') return certs.runCertNew(args, io);
    if (sub === 'p12') return certs.runCertP12(args, io);
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(CERT_HELP + '\n');
      return sub === undefined ? 2 : 0;
    }
    const guess = closest(sub, CERT_COMMANDS);
    process.stderr.write(usageError(`Unknown cert command "${sub}".`, guess ? `Did you mean: cpi-mtls cert ${guess}?` : 'Use cpi-mtls cert inspect|new|p12 (cpi-mtls cert --help).'));
    return 2;
  }
  if (command === 'audit') return (await import('../src/commands/audit.js')).runAuditCommand(rest, io);
  if (command === 'renew') return (await import('../src/commands/renew.js')).runRenewCommand(rest, io);
  if (command === 'migrate-neo') return (await import('../src/commands/migrate-neo.js')).runMigrateNeoCommand(rest, io);
  if (command === 'export') return (await import('../src/commands/export.js')).runExportCommand(rest, io);
  if (command === 'probe') return (await import('../src/commands/probe.js')).runProbeCommand(rest, io);

  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: {type: 'boolean', short: 'h'},
        version: {type: 'boolean', short: 'v'},
        demo: {type: 'boolean'},
        list: {type: 'boolean'},
        cf: {type: 'string'},
        out: {type: 'string'},
        plan: {type: 'string'},
        json: {type: 'boolean'},
        'dry-run': {type: 'boolean'},
        'no-color': {type: 'boolean'},
        debug: {type: 'boolean'},
        explain: {type: 'boolean'},
        'no-explain': {type: 'boolean'},
        'trust-root': {type: 'string', multiple: true},
        all: {type: 'boolean'},
      },
    });
  } catch (error) {
    const option = /Unknown option '(--?[^']+)'/.exec((error as Error).message)?.[1];
    const guess = option?.startsWith('--') ? closest(option.slice(2), OPTION_NAMES) : undefined;
    process.stderr.write(usageError((error as Error).message, guess ? `Did you mean --${guess}? (cpi-mtls --help lists the options)` : 'Run cpi-mtls --help for the options.'));
    return 2;
  }
  const {values, positionals} = parsed;
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (values.version) {
    process.stdout.write(version() + '\n');
    return 0;
  }

  const [first, ...others] = positionals;
  const isApply = first === 'apply';
  if (first && !isApply && !values.demo && first !== 'setup') {
    const guess = closest(first, COMMANDS);
    process.stderr.write(usageError(`Unknown command "${first}".`, guess ? `Did you mean: cpi-mtls ${guess}?` : 'Run cpi-mtls --help for the commands.'));
    return 2;
  }
  if (isApply && !values.plan) {
    process.stderr.write('apply needs a plan file: cpi-mtls apply --plan <file>\n');
    return 2;
  }
  const scenario = values.demo ? (isApply ? others[0] : first) ?? 'happy' : undefined;
  if (values.demo && first === 'reset') {
    const {findDemoScenario, DEFAULT_DEMO_SCENARIO, DEMO_SCENARIOS} = await import('../src/demo/scenarios.js');
    const names = values.all ? DEMO_SCENARIOS.map(s => s.name) : [others[0] ?? DEFAULT_DEMO_SCENARIO];
    for (const name of names) {
      if (findDemoScenario(name)) continue;
      const guess = closest(name, DEMO_SCENARIOS.map(s => s.name));
      process.stderr.write(usageError(`Unknown demo scenario "${name}".`, guess ? `Did you mean: cpi-mtls --demo reset ${guess}? (cpi-mtls --demo --list lists them)` : 'List them with: cpi-mtls --demo --list'));
      return 2;
    }
    const {resetDemoLandscape} = await import('../src/demo/landscape.js');
    const {abandonRuns, targetKey} = await import('../src/engine/progress.js');
    const demoHome = process.env.CPI_MTLS_DEMO_HOME || undefined;
    // With CPI_MTLS_DEMO_HOME every scenario shares that one folder: remove it once.
    const homes = new Set<string>();
    let forgotten = 0;
    for (const name of names) {
      homes.add(await resetDemoLandscape(name, demoHome));
      // The unfinished runs point at what the reset removed: a resume would act on a landscape that is gone.
      forgotten += abandonRuns(values.out ?? 'cpi-mtls-output', targetKey({demo: {scenario: name, home: demoHome}}));
    }
    const runs = forgotten ? `; ${forgotten} unfinished run(s) will not be offered for resume` : '';
    process.stdout.write(`${names.length === 1 ? `Demo landscape "${names[0]}"` : `All ${names.length} demo landscapes`} restored to the start (${[...homes].join(', ')} removed${runs}).\n`);
    return 0;
  }

  const {runSetup} = await import('../src/main.js');
  return runSetup({
    demoScenario: scenario,
    listScenarios: Boolean(values.list),
    cfBinary: values.cf,
    outDir: values.out,
    planFile: values.plan,
    json: Boolean(values.json),
    dryRun: Boolean(values['dry-run']),
    // Teaching panels are on by default in the demo (workshops), off otherwise.
    explain: values['no-explain'] ? false : Boolean(values.explain) || Boolean(values.demo),
    trustRoots: values['trust-root'],
  }, io);
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`${error instanceof Error ? (process.argv.includes('--debug') ? error.stack : error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
