/**
 * Runs a flow (setup, renew, migrate-neo) on the runtime: in the Ink wizard, or headless with
 * every question answered from the flags or a plan, printing one result (text or JSON) at the
 * end. Both ways end with the exit code of the checklist's outcome.
 */
import type {AnyState} from '../../flows/types.js';
import {renderChecklistText, type Checklist, fileLabel} from '../checklist.js';
import type {FlowRunner} from '../engine/runner.js';
import {CpiMtlsError, formatError, toCpiMtlsError} from '../errors.js';
import type {CfLogEntry} from '../ports.js';
import {exitCodeOfRun, EXIT, reportError, writeJson, writeText, type CommandIo, type InteractiveUi, type Run} from './command.js';

export interface FlowCommand<S extends AnyState> {
  mode: 'interactive' | 'headless';
  json: boolean;
  /** The answers a headless run gives (flags, plan); read when the questions come. */
  answers: S['answers'];
  /** Builds the runner (after the demo landscape is up, for --demo); cleanups go to run.onCleanup. */
  prepare(run: Run): Promise<{runner: FlowRunner<S>; cfLog: () => ReadonlyArray<CfLogEntry>}>;
  checklistOf(state: S, cfLog: ReadonlyArray<CfLogEntry>): Checklist;
  /** The --json result document of a run that started. */
  resultJson(state: S, cfLog: ReadonlyArray<CfLogEntry>, checklist: Checklist): Record<string, unknown>;
  /** The text result; default: the checklist, then every file written. */
  textResult?(state: S, checklist: Checklist): string;
  /** The next step after "No answer for …" in a headless run; default: an option, the plan file or a terminal. */
  missingAnswerFix?: string;
  /** When prepare fails: fields of the --json document besides the error, and a note for stderr. */
  notStarted?(): {document?: Record<string, unknown>; note?: string};
  /** After the run and its last step's cleanup, before the exit code is returned. */
  afterRun?(state: S | undefined, mode: 'interactive' | 'headless'): Promise<void>;
  demo?: string;
  explain?: boolean;
  preparing: string;
}

export function outputsText(state: AnyState): string {
  return Object.entries((state.facts as {outputs?: Record<string, string>}).outputs ?? {})
    .map(([what, file]) => `${fileLabel(what)}: ${file}\n`)
    .join('');
}

function defaultText(state: AnyState, checklist: Checklist): string {
  return renderChecklistText(checklist) + '\n' + outputsText(state);
}

export async function runFlow<S extends AnyState>(io: CommandIo, run: Run, command: FlowCommand<S>, ui?: InteractiveUi): Promise<number> {
  if (command.mode === 'interactive') {
    // Load the UI before preparing: the demo landscape's key generation fills libuv's thread
    // pool, and module file reads would queue behind it (first frame 1.8 s instead of 0.6 s).
    const view = ui ?? (await io.ui!());
    let cfLog: () => ReadonlyArray<CfLogEntry> = () => [];
    let runner: FlowRunner<S> | undefined;
    const prepared = command.prepare(run).then(
      p => {
        cfLog = p.cfLog;
        runner = p.runner;
        run.onCancel(() => p.runner.cancel());
        return p.runner;
      },
      (error: unknown) => {
        // The start screen shows one message: put the advice into it.
        const e = toCpiMtlsError(error);
        throw new Error([e.message, ...e.fix.map(fix => `  → ${fix}`)].join('\n'));
      },
    );
    // The Ink shell is generic over the state; its option type names the setup state.
    let code = await view.runInteractive({
      runner: prepared,
      checklistOf: state => command.checklistOf(state, cfLog()),
      demo: command.demo,
      explain: command.explain,
      preparing: command.preparing,
    });
    if (runner) {
      // A cancelled step may still be removing temporary credentials (under its own bound).
      await runner.settled();
      const state = runner.state;
      if (code !== EXIT.cancelled && state.status !== 'running') code = exitCodeOfRun(command.checklistOf(state, cfLog()).outcome, state.error);
    }
    await command.afterRun?.(runner?.state, 'interactive');
    return code;
  }

  const {runHeadless} = await import('../engine/headless.js');
  let prepared: Awaited<ReturnType<FlowCommand<S>['prepare']>>;
  try {
    prepared = await command.prepare(run);
  } catch (error) {
    const notStarted = command.notStarted?.() ?? {};
    const code = reportError(io, error, command.json, notStarted.document);
    if (notStarted.note) io.stderr.write(notStarted.note);
    return code;
  }
  const {runner} = prepared;
  run.onCancel(() => runner.cancel());
  // runHeadless records a missing answer before it cancels the runner for it.
  const {state, missingAnswer} = await runHeadless(runner, command.answers, line => io.stderr.write(line + '\n'));
  // A cancelled step may still be removing temporary credentials (under its own bound): wait, so the checklist knows.
  await runner.settled();
  if (missingAnswer) io.stderr.write(formatError({message: `No answer for "${missingAnswer.title}" (step ${missingAnswer.step}).`, fix: [command.missingAnswerFix ?? 'Give it as an option (see --help) or in the plan file, or run in a terminal to be asked.']}));
  const cfLog = prepared.cfLog();
  const checklist = command.checklistOf(state, cfLog);
  if (command.json) writeJson(io, {...command.resultJson(state, cfLog, checklist), ...(missingAnswer ? {missingAnswer} : {})});
  else writeText(io.stdout, (command.textResult ?? defaultText)(state, checklist));
  if (state.error) io.stderr.write(formatError(new CpiMtlsError(state.error.code, state.error.message, {fix: state.error.fix})));
  await command.afterRun?.(state, 'headless');
  return missingAnswer ? EXIT.usage : exitCodeOfRun(checklist.outcome, state.error);
}
