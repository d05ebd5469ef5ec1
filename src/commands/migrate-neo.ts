/**
 * `cpi-mtls migrate-neo`: moves Neo certificate-to-user mappings to Cloud Foundry as it-rt
 * instances (one per distinct set of roles) with one External Certificate key per certificate
 * (flows/migrate-neo.ts). Re-running after a partial failure creates only what is missing.
 */
import {CF_OPTIONS, parseCommandArgs, readOptionFile, showHelp} from './args.js';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {MigrateAnswers} from '../../flows/migrate-neo.js';
import {validateInstanceName} from '../../flows/validate.js';
import {UsageError} from '../errors.js';
import {timeoutsFromEnv} from '../timeouts.js';
import {chooseMode, defaultOutputDir, runCommand, type CommandIo} from '../runtime/command.js';

export const MIGRATE_NEO_HELP = `cpi-mtls migrate-neo: move Neo certificate-to-user mappings to Cloud Foundry (it-rt instances and keys).

Usage
  cpi-mtls migrate-neo [options]

Reads the mappings (Neo API or export file) and each user's roles, checks every certificate
(expired, no clientAuth, unsupported root, duplicates), plans one integration-flow instance per
distinct set of roles and one key per certificate, shows the exact cf operations, applies them
on confirmation and reports per mapping what was created, skipped and why. A re-run continues
after a partial failure without duplicates.

Input
  --neo-url <url>        Neo tenant management URL (…-tmn.hci.<region>.hana.ondemand.com);
                         user and password from CPI_MTLS_NEO_USER / CPI_MTLS_NEO_PASSWORD (or asked)
  --mappings <file>      or the exported JSON of GET /api/v1/CertificateUserMappings
  --roles <file>         JSON {"<user>": ["<role>", …]}; without it the roles are asked per user
  --ca <pem>             intermediate/root certificates that complete the leaf chains (repeatable)
  --trust-root <pem>     treat this root as trusted by the load balancer (test landscapes only)
  --plan <file>          answers as JSON/YAML (userRoles, instanceNames, …)

Options
  --yes                  apply without asking (headless); without it a headless run only plans
  --json                 no questions; one JSON result on stdout
  --out <dir>            output folder (default ./cpi-mtls-output/migrate-neo-<date-time>)
  --cf <path>            cf executable (default: cf on PATH)
  --demo                 offline: demo landscape, sample export and a local Neo API stand-in
  -h, --help             this help

Environment
  CPI_MTLS_CF_TIMEOUT_MS bound of one cf call in milliseconds (default 60000)

Examples:
  cpi-mtls migrate-neo --demo
  cpi-mtls migrate-neo --mappings mappings.json --roles roles.json --json
  cpi-mtls migrate-neo --neo-url https://abc123-tmn.hci.eu2.hana.ondemand.com --yes

Exit codes: 0 done (or planned), 1 a mapping failed or a step failed, 2 usage error, 130 cancelled.`;

function readText(file: string, what: string): Promise<string> {
  return readOptionFile(file, what, 'Check the path; relative paths start from the current folder.');
}

async function parse(argv: string[], env: NodeJS.ProcessEnv) {
  const parsed = parseCommandArgs('migrate-neo', argv, {
    'neo-url': {type: 'string'},
    mappings: {type: 'string'},
    roles: {type: 'string'},
    ca: {type: 'string', multiple: true},
    'trust-root': {type: 'string', multiple: true},
    plan: {type: 'string'},
    yes: {type: 'boolean', short: 'y'},
    ...CF_OPTIONS,
  }, {allowPositionals: false});
  const v = parsed.values;
  if (v.help) return 'help';
  if (v['neo-url'] && v.mappings) throw new UsageError('Use either --neo-url or --mappings, not both.');
  let answers: MigrateAnswers = {};
  if (v.plan) {
    const [{migrateNeoPlanSchema}, {readPlanFile, planPath}] = await Promise.all([import('../schema/migrate-neo-plan.js'), import('../plan.js')]);
    const read = await readPlanFile(v.plan, migrateNeoPlanSchema, 'migration plan', 'cpi-mtls migrate-neo --help lists the fields (userRoles, instanceNames, mappingsFile, rolesFile, …)');
    answers = read.plan;
    for (const [roles, name] of Object.entries(answers.instanceNames ?? {})) {
      const problem = validateInstanceName(name);
      if (problem) throw new UsageError(`The plan ${v.plan}: instanceNames["${roles}"] "${name}": ${problem}`, {fix: ['Give each instance a name of letters, digits, ".", "_" and "-" that starts with a letter or digit.']});
    }
    if (answers.mappingsFile) answers.mappingsFile = planPath(read.baseDir, answers.mappingsFile);
    if (answers.rolesFile) answers.rolesFile = planPath(read.baseDir, answers.rolesFile);
  }
  if (v.mappings) answers = {...answers, source: 'file', mappingsFile: path.resolve(v.mappings)};
  if (v['neo-url']) answers = {...answers, source: 'api', neoUrl: v['neo-url']};
  if (answers.source === 'api') {
    if (env.CPI_MTLS_NEO_USER) answers.neoUser = env.CPI_MTLS_NEO_USER;
    if (env.CPI_MTLS_NEO_PASSWORD) answers.neoPassword = env.CPI_MTLS_NEO_PASSWORD;
  }
  if (v.roles) answers.rolesFile = path.resolve(v.roles);
  if (v.yes) answers.apply = true;
  return {answers, json: Boolean(v.json), plan: v.plan, out: v.out, cf: v.cf, demo: Boolean(v.demo), ca: v.ca ?? [], trustRoots: v['trust-root'] ?? []};
}

export async function runMigrateNeoCommand(argv: string[], io: CommandIo): Promise<number> {
  return runCommand(io, argv.includes('--json'), async run => {
    const a = await parse(argv, io.env);
    if (a === 'help') return showHelp(io, MIGRATE_NEO_HELP);
    timeoutsFromEnv(io.env); // an invalid timeout stops the run before it starts
    const caPems = await Promise.all(a.ca.map(file => readText(file, 'the CA file')));
    const trustedRoots = await Promise.all(a.trustRoots.map(file => readText(file, 'the root file')));
    const mode = chooseMode(io, {json: a.json, plan: a.plan});
    if (mode === 'headless' && !a.demo && !a.answers.source) {
      throw new UsageError('Without a terminal (or with --json / --plan), migrate-neo needs --mappings <file> or --neo-url <url>.', {fix: ['cpi-mtls migrate-neo --mappings neo-export.json --roles roles.json [--yes] --json', 'Or try it offline: cpi-mtls migrate-neo --demo']});
    }
    const now = new Date();
    const outputDir = path.resolve(a.out ?? defaultOutputDir('migrate-neo', now, a.demo));
    const [{migrateNeoFlow}, {initialState}, {FlowRunner}, {cfForRun}, {createEngineServices}, migrate, {runFlow, outputsText}, {renderChecklistText}] = await Promise.all([
      import('../../flows/migrate-neo.js'),
      import('../../flows/machine.js'),
      import('../engine/runner.js'),
      import('../runtime/landscape.js'),
      import('../engine/services.js'),
      import('../lifecycle/migrate.js'),
      import('../runtime/flow.js'),
      import('../checklist.js'),
    ]);
    return runFlow(io, run, {
      mode,
      json: a.json,
      answers: a.answers,
      demo: a.demo ? 'neo-migration' : undefined,
      preparing: a.demo ? 'Starting the demo landscape and the Neo API stand-in' : 'Starting',
      async prepare() {
        const answers: MigrateAnswers = {...a.answers};
        const neoCaPems: string[] = [];
        const {cf, landscape} = await cfForRun(run, io.env, {demo: a.demo ? 'neo-migration' : undefined, cf: a.cf});
        if (landscape) {
          const neo = await import('../demo/neo.js');
          const sample = await neo.writeSampleNeoExport(landscape.pki, path.join(landscape.home, 'neo'));
          const neoServer = await neo.startNeoApiServer({pki: landscape.pki, mappings: sample.mappings});
          run.onCleanup(() => neoServer.close());
          neoCaPems.push(neoServer.caPem);
          caPems.push(await readFile(sample.caCertificates, 'utf8'));
          trustedRoots.push(...landscape.extraTrustedClientRootsPem);
          if (!answers.source) Object.assign(answers, {source: 'api', neoUrl: neoServer.url});
          if (answers.source === 'api' && !a.answers.neoUrl) answers.neoUrl = neoServer.url;
          if (answers.source === 'api' && answers.neoUrl === neoServer.url) Object.assign(answers, {neoUser: neoServer.user, neoPassword: neoServer.password});
          if (answers.rolesFile === undefined && !answers.userRoles) answers.rolesFile = sample.roles;
          io.stderr.write(`Demo: Neo API stand-in at ${neoServer.url} (user ${neoServer.user}); sample export ${sample.mappings}\n`);
        }
        const services = {...createEngineServices({cf, outputDir}), caPems, trustedRootsPem: trustedRoots, neoCaPems};
        const state = initialState(migrateNeoFlow, {outputDir, startedAt: now.toISOString(), demo: landscape ? {scenario: 'neo-migration'} : undefined}, answers);
        const runner = new FlowRunner(migrateNeoFlow, state, migrate.createMigrateExecutor(services));
        // Headless answers come from the same object (demo values included).
        Object.assign(a.answers, answers);
        return {runner, cfLog: () => cf.log};
      },
      checklistOf: (state, log) => migrate.migrateChecklist(state, log),
      resultJson: (state, log) => migrate.migrateJson(state, log),
      textResult: (state, checklist) => `${renderChecklistText(checklist)}\n${migrate.migrateText(state)}\n${outputsText(state)}`,
    });
  });
}
