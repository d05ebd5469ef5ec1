/**
 * `cpi-mtls export terraform`: the inbound access as Terraform configuration for the Cloud
 * Foundry provider, with import blocks that adopt what exists. From a setup's output folder (what
 * that run created; offline) or, with --from-audit, from the landscape as `cpi-mtls audit` reads it.
 */
import {readdir, readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {CF_OPTIONS, demoScenario, parseCommandArgs, showHelp} from './args.js';
import {CpiMtlsError, UsageError} from '../errors.js';
import {EXIT, runCommand, writeJson, type CommandIo} from '../runtime/command.js';
import type {CfPort} from '../ports.js';
import type {TfModel} from '../export/terraform.js';

export const EXPORT_HELP = `cpi-mtls export terraform: the it-rt instances and service keys as Terraform configuration.

Usage
  cpi-mtls export terraform [options]

Writes main.tf (or main.tf.json) for the Cloud Foundry provider (cloudfoundry/cloudfoundry 1.x)
with import blocks (Terraform >= 1.5): \`terraform plan\` adopts the existing instances and
external-certificate keys and should show no change. Each external key's leaf certificate is a
.pem file beside it, read with file(). A SAP-generated key is declared but not adopted: Terraform
would create a new key with a new certificate, and key credentials land in the Terraform state.

Options
  --from <dir>         a setup's output folder (default: the newest in ./cpi-mtls-output);
                       exports the instance and key that setup created or reused, offline
  --from-audit         read the targeted space like cpi-mtls audit: every integration-flow
                       instance and every certificate key in it
  --out <dir>          where to write (default ./terraform). A folder holding other files than
                       the ones export writes (and Terraform's own) is refused, never overwritten
  --format <f>         hcl (default, main.tf) or tf-json (main.tf.json, Terraform's JSON syntax)
  --org <org>          fail unless the export is of this org (guards scripts; the cf target is never changed)
  --space <space>      fail unless the export is of this space
  --json               the result as JSON on stdout
  --cf <path>          cf executable (default: cf on PATH)
  --demo [scenario]    read the offline demo landscape (implies --from-audit; default scenario: expiring)
  -h, --help           this help

Examples:
  cpi-mtls export terraform
  cpi-mtls export terraform --from-audit --org acme-dev --space integration --out infra/cpi
  cpi-mtls export terraform --demo --format tf-json

Exit codes: 0 written, 1 nothing to export or a read failed, 2 usage error, 130 cancelled.`;

const OUTPUT_ROOT = 'cpi-mtls-output';
/** What export writes, and what Terraform puts beside it: a folder holding only these is safe to write into. */
const OURS = /^(main\.tf(\.json)?|README\.md|cpi-mtls-model\.json|[^/\\]+\.pem|\.terraform(\.lock\.hcl)?|terraform\.tfstate(\.backup)?)$/;

function parse(argv: string[]) {
  const {values, positionals} = parseCommandArgs('export terraform', argv, {
    from: {type: 'string'},
    'from-audit': {type: 'boolean'},
    format: {type: 'string'},
    org: {type: 'string'},
    space: {type: 'string'},
    ...CF_OPTIONS,
  });
  const [what, ...rest] = positionals;
  if (values.help) return 'help';
  if (what !== 'terraform') throw new UsageError(what ? `Unknown export "${what}".` : 'Say what to export.', {fix: ['cpi-mtls export terraform --help']});
  const demo = demoScenario('export terraform', rest, values.demo);
  const format = values.format ?? 'hcl';
  if (format !== 'hcl' && format !== 'tf-json') throw new UsageError(`--format ${format}: use hcl or tf-json.`, {fix: ['For example: cpi-mtls export terraform --format tf-json']});
  const fromAudit = Boolean(values['from-audit'] || values.demo);
  if (fromAudit && values.from) throw new UsageError('--from and --from-audit exclude each other.', {fix: ['--from <output folder> exports what a setup created; --from-audit reads the landscape.']});
  return {...values, format: format as 'hcl' | 'tf-json', fromAudit, demo, out: path.resolve(values.out ?? 'terraform')};
}

/** The newest setup output folder with a Terraform model: what a consultant just ran. */
async function newestOutput(): Promise<string> {
  const root = path.resolve(OUTPUT_ROOT);
  const found: Array<{dir: string; time: number}> = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const model = path.join(root, name, 'terraform', 'cpi-mtls-model.json');
    const time = await stat(model).then(s => s.mtimeMs, () => undefined);
    if (time !== undefined) found.push({dir: path.join(root, name), time});
  }
  const newest = found.sort((a, b) => b.time - a.time)[0];
  if (!newest) throw new CpiMtlsError('no-setup-output', `No setup output with a Terraform configuration in ${root}.`, {fix: ['Give the folder: cpi-mtls export terraform --from <output folder>', 'Or read the landscape: cpi-mtls export terraform --from-audit']});
  return newest.dir;
}

async function fromOutput(dir: string): Promise<{model: TfModel; pems: Record<string, string>; skipped: string[]; source: string}> {
  const {MODEL_FILE} = await import('../export/handover.js');
  // The output folder or its terraform/ folder.
  const tfDir = await stat(path.join(dir, 'terraform', MODEL_FILE)).then(() => path.join(dir, 'terraform'), () => dir);
  const text = await readFile(path.join(tfDir, MODEL_FILE), 'utf8').catch(() => {
    throw new CpiMtlsError('no-setup-output', `${dir} holds no Terraform model (terraform/${MODEL_FILE}).`, {fix: ['Give the output folder of a setup that created or reused an instance.']});
  });
  const model = JSON.parse(text) as TfModel;
  const pems: Record<string, string> = {};
  for (const file of model.instances.flatMap(i => i.keys.map(k => k.certificateFile)).filter(f => f !== undefined)) pems[file] = await readFile(path.join(tfDir, file), 'utf8');
  return {model, pems, skipped: [], source: tfDir};
}

/** The audit's reads, keeping what the configuration needs: each instance's parameters and each key's leaf. */
async function fromAudit(cf: CfPort, signal: AbortSignal, io: CommandIo) {
  const [audit, {firstX509}, {oauthOf}, {modelOfAudit}] = await Promise.all([import('../lifecycle/audit.js'), import('../certs/pem-text.js'), import('../lifecycle/common.js'), import('../export/terraform.js')]);
  const parameters = new Map<string, Record<string, unknown>>();
  const leaves = new Map<string, string>();
  const reading: CfPort = Object.assign(Object.create(cf) as CfPort, {
    async instanceParameters(guid: string, call?: Parameters<CfPort['instanceParameters']>[1]) {
      const value = await cf.instanceParameters(guid, call);
      parameters.set(guid, value);
      return value;
    },
    async keyCredentials(guid: string, call?: Parameters<CfPort['keyCredentials']>[1]) {
      const credentials = await cf.keyCredentials(guid, call);
      const leaf = firstX509(oauthOf(credentials).certificate);
      if (leaf) leaves.set(guid, leaf.toString());
      return credentials;
    },
  });
  const data = await audit.collectAudit(reading, {planNames: ['integration-flow'], signal, onProgress: line => io.stderr.write(`… ${line}\n`)});
  // The platform accepts one certificate in two keys; every call with it then fails (401).
  for (const f of audit.analyseAudit(data).findings.filter(f => f.id === 'duplicate-certificate')) io.stderr.write(`⚠ ${f.message}\n`);
  return {...modelOfAudit(data, parameters, leaves), source: `${data.target.apiEndpoint} org ${data.target.org} / space ${data.target.space}`};
}

async function assertWritable(dir: string): Promise<void> {
  const foreign = (await readdir(dir).catch(() => [] as string[])).filter(name => !OURS.test(name));
  if (foreign.length) throw new UsageError(`${dir} holds files export does not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}).`, {fix: ['Choose a new or empty folder with --out <dir>.']});
}

export async function runExportCommand(argv: string[], io: CommandIo): Promise<number> {
  return runCommand(io, argv.includes('--json'), async run => {
    const args = parse(argv);
    if (args === 'help') return showHelp(io, EXPORT_HELP);
    await assertWritable(args.out);
    let result;
    if (args.fromAudit) {
      const {cfForRun} = await import('../runtime/landscape.js');
      const {cf} = await cfForRun(run, io.env, {demo: args.demo, cf: args.cf});
      result = await fromAudit(cf, run.signal, io);
    } else result = await fromOutput(path.resolve(args.from ?? (await newestOutput())));
    const {model, pems, skipped, source} = result;
    for (const [option, want, have] of [['--org', args.org, model.org], ['--space', args.space, model.space]] as const) {
      if (want !== undefined && want !== have) throw new UsageError(`${option} ${want}, but the export is of ${option.slice(2)} ${have} (${source}).`, {fix: [`Target it first: cf target -o ${args.org ?? model.org} -s ${args.space ?? model.space}`]});
    }
    for (const reason of skipped) io.stderr.write(`⚠ Not exported: ${reason}\n`);
    if (model.instances.length === 0) throw new CpiMtlsError('nothing-to-export', `No integration-flow instance to export in ${source}.`);
    const {writeTerraformFiles} = await import('../export/handover.js');
    const main = await writeTerraformFiles(args.out, model, args.format, pems);
    const keys = model.instances.flatMap(i => i.keys);
    const summary = {instances: model.instances.length, keys: keys.length, imported: model.instances.filter(i => i.guid).length + keys.filter(k => k.guid && k.kind === 'external').length};
    if (args.json) writeJson(io, {outcome: 'complete', source, org: model.org, space: model.space, ...summary, skipped, files: {main, certificates: Object.keys(pems).map(f => path.join(args.out, f))}});
    else io.stdout.write(`✔ Wrote ${main}: ${summary.instances} instance(s), ${summary.keys} key(s), ${summary.imported} adopted by import blocks (from ${source}).\n  Next: cd ${path.relative(process.cwd(), args.out) || '.'} && terraform init && terraform plan\n`);
    return EXIT.complete;
  });
}
