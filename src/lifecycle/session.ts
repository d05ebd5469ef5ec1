/**
 * Runs a lifecycle flow (renew, migrate-neo) the way the setup wizard runs: interactive through
 * the same runner and Ink shell, or headless with every question answered from the flags or a
 * plan, printing one result (text or JSON) at the end.
 */
import type {FlowDefinition} from '../../flows/machine.js';
import type {Answers, FlowState, MachineState} from '../../flows/types.js';
import type {Checklist} from '../checklist.js';
import type {FlowRunner} from '../engine/runner.js';
import type {CfLogEntry} from '../ports.js';
import {formatError} from '../errors.js';
import type {CommandIo} from './cli.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = MachineState<any, any>;

export interface FlowCommand<S extends AnyState> {
  io: CommandIo;
  interactive: boolean;
  json: boolean;
  /** Builds the runner (after the demo landscape is up, for --demo) and says how to clean up. */
  prepare(): Promise<{runner: FlowRunner<S>; cfLog: () => ReadonlyArray<CfLogEntry>; cleanup?: () => Promise<void>}>;
  answers: S['answers'];
  checklistOf(state: S, cfLog: ReadonlyArray<CfLogEntry>): Checklist;
  resultJson(state: S, cfLog: ReadonlyArray<CfLogEntry>): Record<string, unknown>;
  demo?: string;
  preparing: string;
  /** Extra lines after the text result (e.g. per-mapping outcomes). */
  textResult?(state: S): string;
}

export function exitCodeOfState(state: AnyState): number {
  if (state.status === 'done') return 0;
  if (state.status === 'cancelled') return 130;
  // A flow that stops on a usage problem (a name cf would misread, a plan field) ends like one.
  return state.error?.code === 'usage' ? 2 : 1;
}

export async function runFlowCommand<S extends AnyState>(command: FlowCommand<S>, flow: FlowDefinition<S>): Promise<number> {
  const {io} = command;
  let cleanup: (() => Promise<void>) | undefined;
  try {
    if (command.interactive) {
      const {runInteractive} = await import('../../components/interactive.js');
      let cfLog: () => ReadonlyArray<CfLogEntry> = () => [];
      const prepared = command.prepare().then(p => {
        cfLog = p.cfLog;
        cleanup = p.cleanup;
        return p.runner;
      });
      // The Ink shell is generic over the state; its option type names the setup state.
      return await runInteractive({
        runner: prepared as unknown as Promise<FlowRunner>,
        checklistOf: (state: FlowState) => command.checklistOf(state as unknown as S, cfLog()),
        demo: command.demo,
        preparing: command.preparing,
      });
    }
    const {runHeadless} = await import('../engine/headless.js');
    const prepared = await command.prepare();
    cleanup = prepared.cleanup;
    const {runner} = prepared;
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      runner.cancel();
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await runHeadless(runner as unknown as FlowRunner, command.answers as Answers, line => io.stderr.write(line + '\n'));
      const state = result.state as unknown as S;
      // runHeadless cancels the runner on a missing answer and may report only the cancellation:
      // a cancelled run that stands on a question, without Ctrl+C, lacked an answer.
      const step = flow.steps[state.step];
      if (!result.missingAnswer && !interrupted && state.status === 'cancelled' && step?.kind === 'question') {
        result.missingAnswer = {step: step.id, title: step.title};
      }
      if (result.missingAnswer) {
        io.stderr.write(`✖ No answer for "${result.missingAnswer.title}" (step ${result.missingAnswer.step}).\n  → Give it as an option (see --help) or in the plan file, or run in a terminal to be asked.\n`);
      }
      const cfLog = prepared.cfLog();
      if (command.json) io.stdout.write(JSON.stringify({...command.resultJson(state, cfLog), ...(result.missingAnswer ? {missingAnswer: result.missingAnswer} : {})}, null, 2) + '\n');
      else {
        const {renderChecklistText} = await import('../checklist.js');
        const checklist = command.checklistOf(state, cfLog);
        io.stdout.write(renderChecklistText(checklist) + '\n');
        if (command.textResult) io.stdout.write(command.textResult(state) + '\n');
        for (const [what, file] of Object.entries((state.facts as {outputs?: Record<string, string>}).outputs ?? {})) io.stdout.write(`${what.padEnd(22)} ${file}\n`);
      }
      if (state.error) {
        io.stderr.write(formatError(state.error));
      }
      return result.missingAnswer ? 2 : exitCodeOfState(state);
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await cleanup?.();
  }
}
