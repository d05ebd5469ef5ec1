/**
 * The setup command: picks interactive (Ink) or headless (plan file), starts the demo landscape
 * when asked, composes the engine with the real ports, and maps the end state to an exit code.
 */
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {initialState} from '../flows/machine.js';
import {setupFlow} from '../flows/setup.js';
import type {Answers, FlowState} from '../flows/types.js';
import {createCfAdapter} from './cf/adapter.js';
import {buildChecklist, renderChecklistText} from './checklist.js';
import type {DemoLandscape} from './demo/landscape.js';
import {createEffectExecutor, type PlannedChange} from './engine/effects.js';
import {runHeadless} from './engine/headless.js';
import {FlowRunner} from './engine/runner.js';
import {createEngineServices} from './engine/services.js';
import {CpiMtlsError, toCpiMtlsError} from './errors.js';
import type {CfPort} from './ports.js';
import {DEMO_SCENARIOS} from './demo/scenarios.js';

export interface SetupOptions {
  demoScenario?: string;
  listScenarios?: boolean;
  cfBinary?: string;
  outDir?: string;
  planFile?: string;
  json?: boolean;
  dryRun?: boolean;
  showSecrets?: boolean;
  debug?: boolean;
  /** Teaching panels beside each step (workshops). */
  explain?: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

function runFolderName(now: Date, demo: boolean): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${demo ? 'demo-' : ''}${stamp}`;
}

/** --dry-run output: each command that would run, with the exact JSON it would send. */
export function renderPlannedChanges(planned: PlannedChange[]): string {
  if (planned.length === 0) return 'Dry run: nothing would change; everything is already in place.\n';
  const lines = ['Dry run: nothing was changed. These commands would run:', ''];
  for (const change of planned) {
    lines.push(`  ${change.command}`);
    if (change.parameters) lines.push(...JSON.stringify(change.parameters, null, 2).split('\n').map(line => `      ${line}`));
  }
  return lines.join('\n') + '\n';
}

function exitCodeOf(state: FlowState): number {
  return state.status === 'done' ? 0 : state.status === 'cancelled' ? 130 : 1;
}

function printError(stderr: NodeJS.WritableStream, error: CpiMtlsError): void {
  stderr.write(`✖ ${error.message}\n`);
  for (const fix of error.fix) stderr.write(`  → ${fix}\n`);
}

export async function runSetup(options: SetupOptions): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;

  if (options.listScenarios) {
    for (const scenario of DEMO_SCENARIOS) stdout.write(`${scenario.name.padEnd(24)} ${scenario.summary}\n`);
    return 0;
  }
  if (options.demoScenario && !DEMO_SCENARIOS.some(s => s.name === options.demoScenario)) {
    stderr.write(`Unknown demo scenario "${options.demoScenario}". List them with: cpi-mtls --demo --list\n`);
    return 2;
  }

  const interactive = !options.planFile && !options.json && Boolean(stdin.isTTY) && Boolean(stdout.isTTY);
  if (!interactive && !options.planFile) {
    stderr.write(
      'cpi-mtls needs a terminal for its questions, and this is not one (or --json was given).\n' +
        '  → Run it in an interactive terminal, or\n' +
        '  → describe the setup in a plan file and run: cpi-mtls apply --plan setup.yaml [--json]\n' +
        '    (the README has a full example per option; the wizard offers to save one at its end)\n',
    );
    return 2;
  }

  let answers: Answers = {};
  let planOutput: string | undefined;
  if (options.planFile) {
    try {
      const {loadPlan} = await import('./plan.js');
      const loaded = await loadPlan(options.planFile);
      answers = loaded.answers;
      planOutput = loaded.plan.output ? path.resolve(loaded.baseDir, loaded.plan.output) : undefined;
    } catch (error) {
      const e = toCpiMtlsError(error);
      printError(stderr, e);
      return e.exitCode;
    }
  }

  const now = new Date();
  const outputDir = path.resolve(options.outDir ?? planOutput ?? path.join('cpi-mtls-output', runFolderName(now, Boolean(options.demoScenario))));
  await mkdir(outputDir, {recursive: true});

  let landscape: DemoLandscape | undefined;
  const cleanup = async () => landscape?.stop();

  // Composes the engine; for the demo, after the landscape is up. The interactive path shows its
  // first frame at once and builds the runner meanwhile.
  const prepare = async () => {
    if (options.demoScenario) {
      const {startDemoLandscape} = await import('./demo/landscape.js');
      landscape = await startDemoLandscape({scenario: options.demoScenario, home: env.CPI_MTLS_DEMO_HOME || undefined});
    }
    const cf = createCfAdapter({binary: options.cfBinary, env: landscape?.cfEnv, dryRun: options.dryRun});
    const services = createEngineServices({
      cf,
      dryRun: options.dryRun,
      outputDir,
      extraTrustedClientRootsPem: landscape?.extraTrustedClientRootsPem,
      extraServerCaPems: landscape?.extraServerCaPems,
    });
    const state = initialState(
      setupFlow,
      {
        outputDir,
        startedAt: now.toISOString(),
        demo: landscape ? {scenario: landscape.scenario} : undefined,
        defaults: landscape?.defaults,
      },
      answers,
    );
    return {runner: new FlowRunner(setupFlow, state, createEffectExecutor(services)), cf, planned: services.planned ?? []};
  };

  try {
    const prepared = prepare();
    const checklistOf = (s: FlowState, cf: {log: CfPort['log']}) => buildChecklist(s, cf.log, s.facts.outputs ?? {}, new Date());
    if (interactive) {
      const {runInteractive} = await import('../components/interactive.js');
      let log: CfPort['log'] = [];
      let planned: PlannedChange[] = [];
      const code = await runInteractive({
        runner: prepared.then(p => ((log = p.cf.log), (planned = p.planned), p.runner)),
        checklistOf: s => checklistOf(s, {log}),
        demo: options.demoScenario,
        explain: options.explain,
        preparing: options.demoScenario ? 'Starting the demo landscape (stand-in cf, local tenant, demo certificates)' : 'Starting',
      });
      if (options.dryRun) stdout.write(renderPlannedChanges(planned));
      return code;
    }
    const {runner, cf, planned} = await prepared;

    const onSigint = () => runner.cancel();
    process.on('SIGINT', onSigint);
    try {
      const result = await runHeadless(runner, answers, line => stderr.write(line + '\n'));
      const final = result.state;
      if (result.missingAnswer) {
        stderr.write(`✖ The plan has no answer for "${result.missingAnswer.title}" (step ${result.missingAnswer.step}).\n  → Add the field to the plan; the README lists every field.\n`);
      }
      const checklist = checklistOf(final, cf);
      const cfCalls = cf.log.map(e => ({args: e.args, exitCode: e.exitCode, durationMs: e.durationMs, write: e.write}));
      if (options.json) {
        const document = {outcome: checklist.outcome, status: final.status, dryRun: Boolean(options.dryRun), planned, checklist, files: final.facts.outputs ?? {}, cfCalls, error: final.error ?? null};
        stdout.write(JSON.stringify(document, null, 2) + '\n');
      } else if (options.dryRun) {
        stdout.write(renderPlannedChanges(planned));
      } else {
        stdout.write(renderChecklistText(checklist) + '\n');
        for (const [what, file] of Object.entries(final.facts.outputs ?? {})) stdout.write(`${what.padEnd(22)} ${file}\n`);
      }
      if (final.error) printError(stderr, new CpiMtlsError(final.error.code, final.error.message, {fix: final.error.fix}));
      return result.missingAnswer ? 2 : exitCodeOf(final);
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await cleanup();
  }
}
