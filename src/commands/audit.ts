/**
 * `cpi-mtls audit`: scans every it-rt instance and service key of the targeted space (or org)
 * and reports expired and expiring certificates, duplicates, shared DNs, client_x509 and
 * ClientId/Secret keys. Exit 1 on a failure finding, so it can gate a pipeline.
 */
import {CF_OPTIONS, demoScenario, parseCommandArgs, showHelp} from './args.js';
import path from 'node:path';
import {UsageError} from '../errors.js';
import {EXIT, runCommand, writeJson, type CommandIo} from '../runtime/command.js';
import {assertAuditFormat, renderAuditFormat} from '../export/audit-formats.js';

export const AUDIT_HELP = `cpi-mtls audit: certificate and service-key audit of SAP Cloud Integration inbound access.

Usage
  cpi-mtls audit [options]

Scans every it-rt instance (plans integration-flow and api) in the targeted space, or in the
whole org with --org: plan, roles, grant types, and each service key's type and certificate.

Findings
  ✖ expired / expiring     certificate past or within --days of certificatedetails.validuntil
  ✖ duplicate-certificate  the same certificate in several keys (401 invalid_client at runtime)
  ✖ client-x509            instance still carries the deprecated client_x509 grant
  ⚠ shared-dn              different certificates with the same subject and issuer DN
                           (rejected when certificate pinning is off)
  ℹ secret-key             ClientId/Secret key on an instance used for certificates

Options
  --org                scan every space of the targeted org
  --days <n>           expiry window in days (default 30)
  --strict             warnings fail the run too
  --out <dir>          write audit.md and audit.json there
  --json               the audit as JSON on stdout; progress on stderr
  --format <f>         text (default), json, prometheus (node_exporter textfile) or junit (CI);
                       with --out also written there as audit.prom / audit-junit.xml
  --parallel <n>       service-key reads in parallel (default 8)
  --cf <path>          cf executable (default: cf on PATH)
  --demo [scenario]    audit the offline demo landscape (default scenario: expiring)
  -h, --help           this help

Environment
  CPI_MTLS_CF_TIMEOUT_MS   bound of one cf call in milliseconds (default 60000)

Examples:
  cpi-mtls audit --org --days 60
  cpi-mtls audit --format junit --out audit-results
  cpi-mtls audit --demo

Secrets (clientsecret, private keys) are never read into the report.
Exit codes: 0 no failure, 1 failures found (or warnings with --strict), 2 usage error, 130 cancelled.`;

function parse(argv: string[]) {
  const parsed = parseCommandArgs('audit', argv, {
    ...CF_OPTIONS,
    org: {type: 'boolean'},
    days: {type: 'string'},
    strict: {type: 'boolean'},
    format: {type: 'string'}, // export formats (src/export/)
    parallel: {type: 'string'},
  });
  const {values, positionals} = parsed;
  if (values.help) return 'help';
  const demo = demoScenario('audit', positionals, values.demo);
  const format = assertAuditFormat(values.format); // export formats (src/export/)
  return {org: Boolean(values.org), days: values.days, strict: Boolean(values.strict), out: values.out, json: Boolean(values.json) || format === 'json', parallel: values.parallel, cf: values.cf, demo, format};
}

function parallelOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--parallel ${value}: give a whole number between 1 and 64.`);
  return n;
}

export async function runAuditCommand(argv: string[], io: CommandIo): Promise<number> {
  return runCommand(io, argv.includes('--json'), async run => {
    const args = parse(argv);
    if (args === 'help') return showHelp(io, AUDIT_HELP);
    const audit = await import('../lifecycle/audit.js');
    const days = audit.assertDays(args.days);
    const parallel = parallelOf(args.parallel);
    const {cfForRun} = await import('../runtime/landscape.js');
    const {cf} = await cfForRun(run, io.env, {demo: args.demo, cf: args.cf});
    const data = await audit.collectAudit(cf, {scope: args.org ? 'org' : 'space', parallel, signal: run.signal, onProgress: line => io.stderr.write(`… ${line}\n`)});
    const report = audit.analyseAudit(data, {days, strict: args.strict});
    const files: Record<string, string> = {};
    if (args.out) {
      const {writeFileAtomic} = await import('../lifecycle/common.js');
      const dir = path.resolve(args.out);
      files.markdown = path.join(dir, 'audit.md');
      files.json = path.join(dir, 'audit.json');
      await writeFileAtomic(files.markdown, audit.renderAuditMarkdown(report));
      await writeFileAtomic(files.json, JSON.stringify(audit.auditJson(report, files), null, 2) + '\n');
    }
    const exported = await renderAuditFormat(args.format, report, {strict: args.strict}); // export formats (src/export/)
    if (exported && args.out) files[exported.what] = await exported.write(path.resolve(args.out));
    if (exported) io.stdout.write(exported.text);
    else if (args.json) writeJson(io, audit.auditJson(report, files));
    else {
      io.stdout.write(audit.renderAuditText(report) + '\n');
      for (const [what, file] of Object.entries(files)) io.stdout.write(`${what.padEnd(10)} ${file}\n`);
    }
    return report.failed ? EXIT.notComplete : EXIT.complete;
  });
}
