/**
 * The frame of every flow: preflight, a read that failed, a step that failed, the report, the end.
 * Builders take the phase and texts, and where the flow goes next.
 */
import {goto} from '../machine.js';
import {errorPanel, offeringMissingError, trail} from '../common.js';
import {IFLOW_PLAN, IT_RT_OFFERING} from '../parameters.js';
import type {AnyState, Choice, Effect, EffectResults, EffectStep, FlowStatus, MachineState, QuestionStep, Status, StepId} from '../types.js';

type PreflightResult = EffectResults['preflight'];

/** cf CLI, login, target and the it-rt offering; without the offering the flow goes to `blocked`. */
export function preflightStep<S extends MachineState<unknown, {cfVersion?: unknown; target?: unknown; planAvailable?: boolean}>>(options: {summary: (result: PreflightResult) => {text: string; status?: Status}; blocked: StepId; next: (state: S) => StepId;}): EffectStep<S, Extract<Effect, {type: 'preflight'}>, PreflightResult> {
  return {
    kind: 'effect',
    id: 'preflight',
    phase: 'Preflight',
    title: 'Checking the cf CLI, login, target and the it-rt offering',
    effect: () => ({type: 'preflight', offering: IT_RT_OFFERING, plan: IFLOW_PLAN}),
    onResult(state, result) {
      const line = options.summary(result);
      const next = trail({...state, facts: {...state.facts, cfVersion: result.cfVersion, target: result.target, planAvailable: result.planAvailable}}, line.text, line.status);
      if (!result.planAvailable) return goto(next, options.blocked, {error: offeringMissingError(result.target.space.name)} as Partial<S>);
      return goto(next, options.next(next));
    },
    onError: (state, error) => goto(state, options.blocked, {error} as Partial<S>),
  };
}

/** A read that failed (a file, an export): try another input, or stop with the error in the report. */
export function readFailedStep<S extends AnyState>(options: {id: StepId; phase: string; title: string; otherLabel: string; other: StepId; otherSummary: string; quitSummary: string}): QuestionStep<S> {
  return {
    kind: 'question',
    id: options.id,
    phase: options.phase,
    title: options.title,
    panels: state => errorPanel(state.error),
    question: () => ({type: 'select', prompt: 'What now?', choices: [{value: 'other', label: options.otherLabel}, {value: 'quit', label: 'Quit (nothing was changed)'}]}),
    fromPlan: () => 'quit',
    apply: (state, value) => (value === 'other' ? goto(state, options.other) : goto(state, 'write-outputs', {error: state.error} as Partial<S>)),
    summary: (_state, value) => (value === 'other' ? options.otherSummary : options.quitSummary),
  };
}

/** Writes the report (checklist, files) and ends the flow with the status it earned. */
function writeOutputsStep<S extends MachineState<unknown, {outputs?: Record<string, string>}>, T extends string>(options: {type: T; phase: string; title: string; status: (state: S) => FlowStatus;}): EffectStep<S, {type: T}, {files: Record<string, string>}> {
  return {
    kind: 'effect',
    id: 'write-outputs',
    phase: options.phase,
    title: options.title,
    effect: () => ({type: options.type}),
    onResult: (state, result) => goto({...state, facts: {...state.facts, outputs: result.files}}, 'done', {status: options.status(state), error: state.error} as Partial<S>),
    // Writing the report must not loop into itself: report and end.
    onError: (state, error) => goto(state, 'done', {status: 'failed', error} as Partial<S>),
  };
}

/** The terminal step; the flow's status says how it ended. */
function doneStep<S extends AnyState>(phase: string): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'done',
    phase,
    title: 'Done',
    question: () => ({type: 'confirm', prompt: 'Finished', initial: true}),
    apply: state => state,
  };
}

/**
 * Where a failure lands: try again (by default the failed step), the flow's other ways on, or
 * stop (the flow decides what stopping means). By default the flow's failure step.
 */
export function stepFailedStep<S extends AnyState>(options: {id?: StepId; phase: string; title?: string; prompt?: string; retryLabel?: string; retry?: (state: S) => S; more?: {choices: Choice[]; apply: (state: S, value: string) => S}; stopLabel: string; stopHint?: string; stop: (state: S) => S; summary?: (value: string) => string}): QuestionStep<S> {
  return {
    kind: 'question',
    id: options.id ?? 'step-failed',
    phase: options.phase,
    title: options.title ?? 'A step failed',
    panels: state => errorPanel(state.error),
    question: () => ({
      type: 'select',
      prompt: options.prompt ?? 'What now?',
      choices: [{value: 'retry', label: options.retryLabel ?? 'Try again'}, ...(options.more?.choices ?? []), {value: 'quit', label: options.stopLabel, ...(options.stopHint ? {hint: options.stopHint} : {})}],
    }),
    fromPlan: () => 'quit',
    apply(state, value) {
      if (value === 'retry') return options.retry ? options.retry(state) : state.error?.step ? goto(state, state.error.step) : options.stop(state);
      return value !== 'quit' && options.more ? options.more.apply(state, String(value)) : options.stop(state);
    },
    summary: (_state, value) => options.summary?.(String(value)) ?? (value === 'retry' ? 'Retrying' : 'Stopped after a failure'),
  };
}

/** The end of every flow: write the report, end, and a failure step that stops into the report (setup's first offers a cleanup). */
export function reportSteps<S extends MachineState<unknown, {outputs?: Record<string, string>}>, T extends string>(options: {type: T; phase?: string; title: string; status: (state: S) => FlowStatus; failedPhase: string; stopLabel?: string; stopHint: string; stop?: (state: S) => S}) {
  const stop = options.stop ?? (state => goto(state, 'write-outputs', {error: state.error} as Partial<S>));
  return [
    writeOutputsStep<S, T>({type: options.type, phase: options.phase ?? 'Report', title: options.title, status: options.status}),
    doneStep<S>(options.phase ?? 'Report'),
    stepFailedStep<S>({phase: options.failedPhase, stopLabel: options.stopLabel ?? 'Stop and write the report', stopHint: options.stopHint, stop}),
  ] as const;
}
