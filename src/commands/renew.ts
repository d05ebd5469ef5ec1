/**
 * `cpi-mtls renew`: zero-downtime renewal of a client certificate (flows/renew.ts). In a
 * terminal it asks; with --json, --plan or without a terminal it runs from the flags, and then
 * deletes the old key only with --delete-old after a passing live test.
 */
import {CF_OPTIONS, demoScenario, parseCommandArgs, readOptionFile, showHelp} from './args.js';
import path from 'node:path';
import {missingHeadlessAnswers, renewNameProblems, type RenewAnswers} from '../../flows/renew.js';
import {CpiMtlsError, UsageError} from '../errors.js';
import {timeoutsFromEnv} from '../timeouts.js';
import {chooseMode, defaultOutputDir, runCommand, type CommandIo} from '../runtime/command.js';

export const RENEW_HELP = `cpi-mtls renew: renew a client certificate without downtime (Option 1; --option2 for a certificate in the sender channel).

Usage
  cpi-mtls renew [options]

Steps: pick the instance and the expiring key, bring the new certificate (file, or SAP-generated),
check it is not used elsewhere, add it as a NEW key on the same instance, call the endpoint with
it, and only after that (and your confirmation) delete the old key.

Options
  --instance <name>        the integration-flow instance
  --key <name>             the key whose certificate expires
  --cert <file>            the new certificate (PEM, DER, PKCS#12)
  --password-file <file>   password of a PKCS#12 file
  --sap-generated          let SAP generate the new certificate (--validity <days>, default 365)
  --new-key <name>         name of the new key (default derived from the certificate)
  --accept-warnings        accept certificate warnings (never failures)
  --path <endpoint>        live test endpoint, e.g. /http/orders (or a full URL)
  --private-key <file>     private key of the new certificate for the live test (PEM)
  --method GET|POST        live test method (default POST)
  --no-live-test           skip the live test (the old key is then kept)
  --delete-old             headless: delete the old key after a PASSING live test
  --option2                the sender channel lists the certificate: explain the redeploy and
                           write the certificate file for the channel
  --plan <file>            the answers as JSON or YAML (same names as above, camelCase)
  --json                   run without questions; one JSON result on stdout
  --out <dir>              output folder (default ./cpi-mtls-output/renew-<date-time>)
  --cf <path>              cf executable (default: cf on PATH)
  --demo [scenario]        run on the offline demo landscape (default scenario: expiring,
                           whose key cpi-inbound-mtls/s4hana-sender-expiring expires in 10 days)
  -h, --help               this help

Environment
  CPI_MTLS_CF_TIMEOUT_MS     bound of one cf call in milliseconds (default 60000)
  CPI_MTLS_PROBE_TIMEOUT_MS  bound of each stage of the live test in milliseconds

Examples:
  cpi-mtls renew --demo
  cpi-mtls renew --instance cpi-inbound-mtls --key s4hana-sender-2025 --cert s4hana-sender-2026.chain.pem
  cpi-mtls renew --plan renew.yaml --json --delete-old

Exit codes: 0 renewed, 1 a step failed (or the live test failed), 2 usage error, 130 cancelled.`;

async function readSecretLine(file: string): Promise<string> {
  const text = await readOptionFile(file, 'the password file', 'Give a file that holds the PKCS#12 password on its first line: --password-file <file>.');
  return text.split(/\r?\n/)[0] ?? '';
}

async function loadPlanAnswers(file: string): Promise<RenewAnswers> {
  const [{renewPlanSchema}, {readPlanFile, planPath}] = await Promise.all([import('../schema/renew-plan.js'), import('../plan.js')]);
  const {plan: answers, baseDir: base} = await readPlanFile(file, renewPlanSchema, 'renewal plan', 'cpi-mtls renew --help lists the fields (the option names in camelCase)');
  if (answers.certificatePath) answers.certificatePath = planPath(base, answers.certificatePath);
  if (answers.liveTest?.privateKeyPath) answers.liveTest.privateKeyPath = planPath(base, answers.liveTest.privateKeyPath);
  return answers;
}

async function parse(argv: string[]) {
  const parsed = parseCommandArgs('renew', argv, {
    instance: {type: 'string'},
    key: {type: 'string'},
    cert: {type: 'string'},
    'password-file': {type: 'string'},
    'sap-generated': {type: 'boolean'},
    validity: {type: 'string'},
    'new-key': {type: 'string'},
    'accept-warnings': {type: 'boolean'},
    path: {type: 'string'},
    'private-key': {type: 'string'},
    method: {type: 'string'},
    'no-live-test': {type: 'boolean'},
    'delete-old': {type: 'boolean'},
    option2: {type: 'boolean'},
    plan: {type: 'string'},
    ...CF_OPTIONS,
  });
  const v = parsed.values;
  if (v.help) return 'help';
  const demo = demoScenario('renew', parsed.positionals, v.demo);
  if (v.cert && v['sap-generated']) throw new UsageError('Use either --cert <file> or --sap-generated, not both.');
  const method = v.method?.toUpperCase();
  if (method && method !== 'GET' && method !== 'POST') throw new UsageError(`--method must be GET or POST, not ${v.method}.`);
  let validity: number | undefined;
  if (v.validity !== undefined) {
    validity = Number(v.validity);
    if (!Number.isInteger(validity) || validity < 1 || validity > 365) throw new UsageError(`--validity ${v.validity}: SAP-generated certificates are valid for 1 to 365 days.`);
  }
  const answers: RenewAnswers = v.plan ? await loadPlanAnswers(v.plan) : {};
  if (v.instance) answers.instanceName = v.instance;
  if (v.key) answers.oldKeyName = v.key;
  if (v.cert) {
    answers.certificateSource = 'external';
    answers.certificatePath = path.resolve(v.cert);
  }
  if (v['password-file']) answers.certificatePassword = await readSecretLine(v['password-file']);
  if (v['sap-generated']) {
    answers.certificateSource = 'sap-generated';
    answers.sapKey = {validityDays: validity ?? answers.sapKey?.validityDays ?? 365, keyLength: answers.sapKey?.keyLength ?? 2048};
  }
  if (v['new-key']) answers.newKeyName = v['new-key'];
  if (v['accept-warnings']) answers.acceptCertificateWarnings = true;
  if (v['no-live-test']) answers.liveTest = {run: false};
  else if (v.path || v['private-key'] || method) {
    answers.liveTest = {
      ...answers.liveTest,
      run: true,
      ...(v.path ? {path: v.path} : {}),
      ...(v['private-key'] ? {privateKeyPath: path.resolve(v['private-key'])} : {}),
      ...(method ? {method: method as 'GET' | 'POST'} : {}),
    };
  }
  if (v['delete-old']) answers.deleteOld = true;
  if (v.option2) answers.option2 = true;
  if (answers.deleteOld && answers.liveTest?.run === false) {
    throw new UsageError(`${v['delete-old'] ? '--delete-old' : 'deleteOld: true'} and ${v['no-live-test'] ? '--no-live-test' : 'liveTest.run: false'} contradict each other: deleting the old key needs proof that the new one works, and that proof is the live test.`, {
      fix: ['Drop --no-live-test and give the endpoint with --path <endpoint> to delete the old key after a passing live test,', 'or drop --delete-old to keep the old key and delete it later with cf delete-service-key.'],
    });
  }
  const flagOf = {instanceName: v.instance ? '--instance' : 'instanceName (plan)', oldKeyName: v.key ? '--key' : 'oldKeyName (plan)', newKeyName: v['new-key'] ? '--new-key' : 'newKeyName (plan)'} as const;
  const [bad] = renewNameProblems(answers);
  if (bad) throw new UsageError(`${flagOf[bad.field]} "${bad.value}": ${bad.problem}`, {fix: [`Give ${flagOf[bad.field]} a name of letters, digits, ".", "_" and "-" that starts with a letter or digit.`]});
  return {answers, json: Boolean(v.json), plan: v.plan, out: v.out, cf: v.cf, demo};
}

/**
 * What the new certificate file brings for the live test (its private key, or the need for a
 * password), or undefined when that cannot be told here: the run then reads and checks the file
 * itself, before any change.
 */
async function certificateFileFacts(answers: RenewAnswers): Promise<{hasPrivateKey: boolean; needsPassword?: boolean} | undefined> {
  if (answers.certificateSource !== 'external' || !answers.certificatePath) return undefined;
  const {loadCertificateInput} = await import('../certs/load.js');
  try {
    const input = await loadCertificateInput(answers.certificatePath, {password: answers.certificatePassword, passphrase: answers.certificatePassword});
    return {hasPrivateKey: Boolean(input.privateKeyPem)};
  } catch (error) {
    if (error instanceof CpiMtlsError && error.code === 'password-required') return {hasPrivateKey: true, needsPassword: true};
    return undefined;
  }
}

/** Makes sure the demo landscape has a key to renew (scenarios other than "expiring" may lack one). */
async function plantDemoRenewal(cf: import('../ports.js').CfPort, pki: import('../demo/pki.js').DemoPki): Promise<void> {
  const instance = await cf.findInstance('cpi-inbound-mtls');
  if (!instance) {
    await cf.createInstance({offering: 'it-rt', plan: 'integration-flow', name: 'cpi-inbound-mtls', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}});
  }
  const keys = await cf.listKeys([(await cf.findInstance('cpi-inbound-mtls'))!.guid]);
  if (keys.length === 0) {
    await cf.createKey({instanceName: 'cpi-inbound-mtls', keyName: 's4hana-sender-expiring', parameters: {'key-type': 'certificate_external', 'X.509': pki.clientLeafExpiring.certPem}});
  }
}

export async function runRenewCommand(argv: string[], io: CommandIo): Promise<number> {
  return runCommand(io, argv.includes('--json'), async run => {
    const a = await parse(argv);
    if (a === 'help') return showHelp(io, RENEW_HELP);
    const timeouts = timeoutsFromEnv(io.env);
    const mode = chooseMode(io, {json: a.json, plan: a.plan});
    if (mode === 'headless') {
      // Every answer the run will need, checked before the first cf call: a headless run that
      // stops at a question after the new key exists leaves that key behind.
      const missing = missingHeadlessAnswers(a.answers, await certificateFileFacts(a.answers));
      if (missing.length) {
        throw new UsageError(`Without a terminal (or with --json / --plan), renew needs every answer up front; missing: ${missing.map(m => m.how.split(/[: ]/)[0]).join(', ')}. Nothing was changed.`, {
          fix: [...missing.map(m => `${m.how} (plan field ${m.field})`), 'List candidates first: cpi-mtls audit', 'Example: cpi-mtls renew --instance <name> --key <old key> --cert <new.pem> --path /http/<address> --private-key <key.pem> [--delete-old] --json'],
          details: {missing: missing.map(m => m.field)},
        });
      }
    }
    const now = new Date();
    const outputDir = path.resolve(a.out ?? defaultOutputDir('renew', now, Boolean(a.demo)));
    const [{renewFlow}, {initialState}, {FlowRunner}, {cfForRun}, {createEngineServices}, renew, {runFlow}] = await Promise.all([
      import('../../flows/renew.js'),
      import('../../flows/machine.js'),
      import('../engine/runner.js'),
      import('../runtime/landscape.js'),
      import('../engine/services.js'),
      import('../lifecycle/renew.js'),
      import('../runtime/flow.js'),
    ]);
    return runFlow(io, run, {
      mode,
      json: a.json,
      answers: a.answers,
      demo: a.demo,
      preparing: a.demo ? `Starting the demo landscape (${a.demo})` : 'Starting',
      async prepare() {
        const {cf, landscape} = await cfForRun(run, io.env, {demo: a.demo, cf: a.cf});
        if (landscape) await plantDemoRenewal(cf, landscape.pki);
        const services = createEngineServices({cf, outputDir, extraTrustedClientRootsPem: landscape?.extraTrustedClientRootsPem, extraServerCaPems: landscape?.extraServerCaPems, probeTimeoutMs: timeouts.probeTimeoutMs});
        const state = initialState(renewFlow, {outputDir, startedAt: now.toISOString(), demo: landscape ? {scenario: landscape.scenario} : undefined, defaults: landscape?.defaults}, a.answers);
        return {runner: new FlowRunner(renewFlow, state, renew.createRenewExecutor(services)), cfLog: () => cf.log};
      },
      checklistOf: (state, log) => renew.renewChecklist(state, log),
      resultJson: (state, log) => renew.renewJson(state, log),
    });
  });
}
