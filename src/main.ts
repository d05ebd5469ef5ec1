/**
 * The setup command (wizard and apply): resume, the output folder, the demo landscape and the
 * engine with the real ports; the runtime (src/runtime/) runs it interactive or headless.
 */
import {mkdir, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {initialState} from '../flows/machine.js';
import {setupFlow} from '../flows/setup.js';
import type {Answers, FlowState} from '../flows/types.js';
import {chooseMode, defaultOutputDir, EXIT, NO_TERMINAL_GUIDANCE, reportError, runCommand, type CommandIo, type Run} from './runtime/command.js';
import {runFlow} from './runtime/flow.js';
import {cfForRun} from './runtime/landscape.js';
import {buildChecklist} from './checklist.js';
import {createEffectExecutor, type PlannedChange} from './engine/effects.js';
import {FlowRunner} from './engine/runner.js';
import {createEngineServices} from './engine/services.js';
import {describeCandidate, findResumable, markAbandoned, planHash, ProgressRecorder, repeatSafeExecutor, resumedState, targetKey, type ProgressRecord, type ResumeCandidate} from './engine/progress.js';
import {CpiMtlsError, formatError, UsageError} from './errors.js';
import type {CfPort} from './ports.js';
import {DEMO_SCENARIOS} from './demo/scenarios.js';
import {timeoutsFromEnv} from './timeouts.js';

export interface SetupOptions {
  demoScenario?: string;
  listScenarios?: boolean;
  cfBinary?: string;
  outDir?: string;
  planFile?: string;
  json?: boolean;
  dryRun?: boolean;
  /** Teaching panels beside each step (workshops). */
  explain?: boolean;
  /** --trust-root files: client roots to accept although they are not on SAP's list. */
  trustRoots?: string[];
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

/**
 * The output folder must take files before the first step: a run that could not write its
 * checklist at the end would have changed the landscape without a record of it.
 */
async function ensureWritableFolder(dir: string): Promise<void> {
  const probe = path.join(dir, `.cpi-mtls-write-test-${process.pid}`);
  try {
    await makeFolders(dir);
    await writeFile(probe, '');
    await rm(probe, {force: true});
  } catch (error) {
    throw new UsageError(`The output folder ${dir} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      fix: ['Choose a folder you can write to with --out <dir> (in a plan: output:). Nothing was changed.'],
    });
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for a path under a
 * pseudo file system such as /proc (it retries ENOENT forever), which made such a run spin.
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) break;
      throw Object.assign(new Error(`${current} is a file, not a folder`), {code: 'ENOTDIR'});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** A resumed run relies on resources of the saved state: they must still exist and work. */
async function staleResources(cf: CfPort, state: FlowState): Promise<string[]> {
  const instance = state.facts.instance;
  if (!instance) return [];
  const found = await cf.findInstance(instance.name);
  if (!found || found.guid !== instance.guid) return [`service instance ${instance.name}${found ? ' (now another instance of that name)' : ''}`];
  const missing: string[] = [];
  if (found.lastOperation?.state === 'failed') missing.push(`service instance ${instance.name} (last operation ${found.lastOperation.type} failed)`);
  const key = state.facts.key;
  if (key) {
    const keys = await cf.listKeys([found.guid]);
    const current = keys.find(k => k.name === key.name);
    if (!current || (key.guid && current.guid !== key.guid)) missing.push(`service key ${instance.name}/${key.name}`);
  }
  return missing;
}

/** Resume is on unless CPI_MTLS_RESUME says otherwise (e.g. a pipeline that must always start anew). */
function resumeEnabled(env: NodeJS.ProcessEnv): boolean {
  return !/^(0|off|no|never|false)$/i.test(env.CPI_MTLS_RESUME ?? '');
}

/**
 * A resumed run goes on where the saved one was: refuse when cf now targets another org or
 * space (its steps would act there), or when the login has expired meanwhile.
 */
async function checkResumeTarget(cf: CfPort, state: FlowState): Promise<void> {
  const saved = state.facts.target;
  if (!saved) return;
  const current = await cf.target();
  if (current.org.name !== saved.org.name || current.space.name !== saved.space.name || current.apiEndpoint !== saved.apiEndpoint) {
    throw new CpiMtlsError(
      'resume-target-changed',
      `The unfinished run worked in org ${saved.org.name} / space ${saved.space.name} (${saved.apiEndpoint}), but cf now targets org ${current.org.name} / space ${current.space.name} (${current.apiEndpoint}).`,
      {
        fix: [
          `To resume it, target its space again: cf target -o ${saved.org.name} -s ${saved.space.name}`,
          'To start a new run here instead, set CPI_MTLS_RESUME=off (or choose "Start a new run" in the wizard).',
        ],
      },
    );
  }
}

/**
 * The PKCS#12 password is never saved. When a resumed wizard run still needs it (the live test
 * takes the private key from the PKCS#12), it goes back to the flow's own password question;
 * the steps after it repeat safely (the key that holds the certificate is read, not recreated).
 * Steps up to loading the certificate ask for it themselves.
 */
function askPasswordAgainIfNeeded(state: FlowState, record: ProgressRecord): FlowState {
  if (!record.hadCertificatePassword || state.answers.certificatePassword !== undefined) return state;
  if (!state.facts.certificate?.hasPrivateKey || state.facts.probe?.success || !setupFlow.steps['certificate-password']) return state;
  if (['certificate-path', 'certificate-password', 'load-certificate'].includes(state.step)) return state;
  return {...state, step: 'certificate-password'};
}

export async function runSetup(options: SetupOptions, io: CommandIo): Promise<number> {
  const {stdout, stderr} = io;

  if (options.listScenarios) {
    for (const scenario of DEMO_SCENARIOS) stdout.write(`${scenario.name.padEnd(24)} ${scenario.summary}\n`);
    return 0;
  }
  if (options.demoScenario && !DEMO_SCENARIOS.some(s => s.name === options.demoScenario)) {
    stderr.write(`Unknown demo scenario "${options.demoScenario}". List them with: cpi-mtls --demo --list\n`);
    return 2;
  }

  const mode = chooseMode(io, {json: Boolean(options.json), plan: options.planFile});
  if (mode !== 'interactive' && !options.planFile) {
    stderr.write(NO_TERMINAL_GUIDANCE);
    return 2;
  }
  return runCommand(io, Boolean(options.json), run => setup(options, io, run, mode));
}

async function setup(options: SetupOptions, io: CommandIo, run: Run, mode: 'interactive' | 'headless'): Promise<number> {
  const {stdout, stderr, env} = io;
  const interactive = mode === 'interactive';
  let answers: Answers = options.trustRoots?.length ? {trustedRoots: options.trustRoots.map(root => path.resolve(root))} : {};
  let planOutput: string | undefined;
  if (options.planFile) {
    const {loadPlan} = await import('./plan.js');
    const loaded = await loadPlan(options.planFile);
    answers = {...loaded.answers, ...(answers.trustedRoots ? {trustedRoots: [...(loaded.answers.trustedRoots ?? []), ...answers.trustedRoots]} : {})};
    planOutput = loaded.plan.output ? path.resolve(loaded.baseDir, loaded.plan.output) : undefined;
  }
  const {probeTimeoutMs} = timeoutsFromEnv(env);
  const ui = interactive ? await io.ui!() : undefined;

  // Resume: the newest unfinished run for this landscape (for apply: made from the same plan).
  const fixedOutput = options.outDir ?? planOutput;
  const pointerDir = path.resolve(fixedOutput ?? 'cpi-mtls-output');
  const target = targetKey({
    demo: options.demoScenario ? {scenario: options.demoScenario, home: env.CPI_MTLS_DEMO_HOME || undefined} : undefined,
    cfBinary: options.cfBinary,
    cfHome: env.CF_HOME || undefined,
  });
  const hashOfPlan = options.planFile ? planHash(answers) : undefined;
  let resume: ResumeCandidate | null = null;
  if (!options.dryRun && resumeEnabled(env)) {
    resume = findResumable({pointerDir, target, planHash: hashOfPlan ?? null, flow: setupFlow.name});
    if (resume && ui) {
      // The answer decides which state the flow starts from, so it cannot be a step of the flow.
      const record = resume.record;
      const choice = await ui.askToResume({
        resumeTitle: record.resumeTitle ?? record.resumeStep ?? '',
        description: describeCandidate(record),
        progressFile: resume.file,
        passwordNotSaved: Boolean(record.hadCertificatePassword),
        demo: options.demoScenario,
      });
      if (choice === 'quit') return EXIT.cancelled;
      if (choice === 'new') {
        markAbandoned(resume.file, pointerDir);
        resume = null;
      }
    }
  }

  const now = new Date();
  const outputDir = resume
    ? path.resolve(resume.record.state.context.outputDir)
    : (fixedOutput ? path.resolve(fixedOutput) : defaultOutputDir(undefined, now, Boolean(options.demoScenario)));
  // The --json document of a run that stopped before its first step.
  const notStarted = (progress: Record<string, unknown> | null) => ({outcome: 'not-started', status: 'failed', dryRun: Boolean(options.dryRun), progress});
  try {
    await ensureWritableFolder(outputDir);
  } catch (error) {
    return reportError(io, error, Boolean(options.json), notStarted(null));
  }
  // Made once the resume decision is final (a stale resume becomes a new run).
  let recorder = null as ProgressRecorder | null;
  if (resume && !interactive) stderr.write(`↻ Resuming: ${describeCandidate(resume.record)}\n  progress file ${resume.file}\n`);

  /** Removal commands for temporary credentials that an interrupted step could not remove. */
  const leftovers: string[] = [];
  let planned: PlannedChange[] = [];

  return runFlow(io, run, {
    mode,
    json: Boolean(options.json),
    answers,
    demo: options.demoScenario,
    explain: options.explain,
    preparing: options.demoScenario ? 'Starting the demo landscape (stand-in cf, local tenant, demo certificates)' : 'Starting',
    missingAnswerFix: 'Add the field to the plan; the README lists every field.',
    // Composes the engine; for the demo, after the landscape is up. The interactive path shows its
    // first frame at once and builds the runner meanwhile.
    async prepare() {
      const {cf, landscape} = await cfForRun(run, env, {demo: options.demoScenario, cf: options.cfBinary, dryRun: options.dryRun});
      const services = createEngineServices({
        leftovers,
        cf,
        dryRun: options.dryRun,
        outputDir,
        extraTrustedClientRootsPem: landscape?.extraTrustedClientRootsPem,
        extraServerCaPems: landscape?.extraServerCaPems,
        probeTimeoutMs,
      });
      planned = services.planned ?? [];
      const fresh = () => initialState(setupFlow, {outputDir, startedAt: now.toISOString(), demo: landscape ? {scenario: landscape.scenario, lesson: landscape.lesson} : undefined, defaults: landscape?.defaults}, answers);
      let state = resume ? resumedState(resume, {certificatePassword: answers.certificatePassword}) : fresh();
      if (resume) {
        await checkResumeTarget(cf, state);
        // The saved state says an instance or key exists: read it again rather than trust it.
        const stale = await staleResources(cf, state);
        if (stale.length > 0) {
          stderr.write(`↻ The unfinished run relied on ${stale.join(', ')}, which no longer exist${stale.length === 1 ? 's' : ''} as saved (removed outside cpi-mtls?).\n  → Starting a new run instead; the old progress file is kept as abandoned.\n`);
          markAbandoned(resume.file, pointerDir);
          resume = null;
          state = fresh();
        }
      }
      recorder = options.dryRun
        ? null
        : new ProgressRecorder({flow: setupFlow, outputDir, pointerDir, target, planHash: hashOfPlan, planFile: options.planFile, resumedFrom: resume?.record});
      if (resume && interactive) state = askPasswordAgainIfNeeded(state, resume.record);
      const execute = repeatSafeExecutor(createEffectExecutor(services), cf, resume?.record);
      const runner = new FlowRunner(setupFlow, state, execute, {onTransition: recorder?.record});
      recorder?.record(state);
      return {runner, cfLog: () => cf.log};
    },
    checklistOf: (state, log) => buildChecklist(state, log, state.facts.outputs ?? {}, new Date(), leftovers),
    resultJson(state, log, checklist) {
      const last = recorder?.last;
      const progress = recorder ? {file: recorder.file, resumed: resume !== null, resumable: Boolean(last?.resumable), status: last?.status ?? null, resumeStep: last?.resumeStep ?? null} : null;
      const cfCalls = log.map(e => ({args: e.args, exitCode: e.exitCode, durationMs: e.durationMs, write: e.write}));
      return {outcome: checklist.outcome, status: state.status, dryRun: Boolean(options.dryRun), planned, checklist, files: state.facts.outputs ?? {}, cfCalls, error: state.error ?? null, progress};
    },
    textResult: options.dryRun ? () => renderPlannedChanges(planned) : undefined,
    notStarted: () => ({
      document: notStarted(resume ? {file: resume.file, resumed: false, resumable: true, status: resume.record.status, resumeStep: resume.record.resumeStep ?? null} : null),
      note: resume ? `↻ Nothing was changed; the unfinished run is kept in ${resume.file}.\n  → Fix the above, then run the same apply command again to resume it.\n` : undefined,
    }),
    async afterRun(_state, how) {
      // The progress file on disk, and how to go on when the run can be resumed.
      if (recorder) {
        const last = recorder.last;
        if (recorder.writeError) stderr.write(`⚠ Progress could not be saved to ${recorder.file}: ${recorder.writeError.message}\n`);
        else if (last?.resumable && last.status !== 'running') {
          // A failed live test ends without an error of its own: say why the run can go on.
          if (last.reason?.code === 'live-test-failed') stderr.write(formatError(last.reason));
          const again = options.planFile ? 'Run the same apply command again' : 'Start cpi-mtls again from this folder';
          stderr.write(`↻ Progress saved in ${recorder.file}.\n  → ${again} to resume at "${last.resumeTitle}"; finished steps are not repeated.\n`);
        }
      }
      if (how === 'interactive' && options.dryRun) stdout.write(renderPlannedChanges(planned));
      for (const command of leftovers) stderr.write(`✖ Temporary credentials were left behind; remove them: ${command}\n`);
    },
  }, ui);
}
