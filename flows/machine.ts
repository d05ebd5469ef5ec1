/**
 * The generic part of the state machine: answering, effect results, Back, failures. A pure
 * reducer chosen over xstate: the flow is a linear wizard with a few branches, its whole state
 * must serialise to a plan and a resume file, and plain functions keep the headless runner, the
 * Ink view and the tests on one small, dependency-free API.
 */
import type {AnswerValue, AnyState, EffectStep, FlowContext, FlowError, MachineState, QuestionStep, Step} from './types.js';

export interface FlowDefinition<S extends AnyState = AnyState> {
  name: string;
  steps: Record<string, Step<S>>;
  start: S['step'];
  /** The step a failed effect goes to when its step has no onError of its own. */
  failureStep: S['step'];
  /** Phases in order, for "Step 3/7 · Service instance". */
  phases: readonly string[];
  initialFacts(): S['facts'];
  /** A short label for the header (e.g. the chosen option), from the state. */
  label?(state: S): string | undefined;
}

/** The state a flow starts in; answers given up front (a plan, flags) are the flow's own answer type. */
export function initialState<A, F, Id extends string>(flow: FlowDefinition<MachineState<A, F, Id>>, context: FlowContext, answers: Partial<A> = {}): MachineState<A, F, Id> {
  return {step: flow.start, answers: {...answers} as A, facts: flow.initialFacts(), history: [], status: 'running', context, trail: []};
}

export function stepOf<S extends AnyState>(flow: FlowDefinition<S>, state: S): Step<S> {
  const step = flow.steps[state.step];
  if (!step) throw new Error(`flow ${flow.name} has no step "${state.step}"`);
  return step;
}

export function isQuestion<S extends AnyState>(step: Step<S>): step is QuestionStep<S> {
  return step.kind === 'question';
}

export function isEffect<S extends AnyState>(step: Step<S>): step is EffectStep<S, {type: string}, unknown> {
  return step.kind === 'effect';
}

export function isFinished(state: AnyState): boolean {
  return state.status !== 'running';
}

/** Moves to `step`. Pure helper for the step tables. */
export function goto<S extends AnyState>(state: S, step: S['step'], patch: Partial<S> = {}): S {
  return {...state, ...patch, step, error: patch.error};
}

export type AnswerOutcome<S extends AnyState = AnyState> = {ok: true; state: S} | {ok: false; error: string};

export function answer<S extends AnyState>(flow: FlowDefinition<S>, state: S, value: AnswerValue): AnswerOutcome<S> {
  const step = stepOf(flow, state);
  if (!isQuestion(step)) return {ok: false, error: `"${step.title}" is running; it does not take an answer.`};
  const problem = step.validate?.(value, state) ?? null;
  if (problem) return {ok: false, error: problem};
  const summary = step.summary ? step.summary(state, value) : defaultSummary(step, state, value);
  const withHistory: S = {
    ...state,
    history: [...state.history, step.id],
    trail: [...state.trail, {step: step.id, summary, status: 'answer'}],
  };
  return {ok: true, state: step.apply(withHistory, value)};
}

/** "Title: answer"; a masked answer (a password) never reaches the trail, the logs or a progress file. */
function defaultSummary<S extends AnyState>(step: QuestionStep<S>, state: S, value: AnswerValue): string {
  const question = step.question(state);
  if (question.type === 'text' && question.mask) return `${step.title}: given`;
  return `${step.title}: ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : value}`;
}

export function effectSucceeded<S extends AnyState>(flow: FlowDefinition<S>, state: S, result: unknown): S {
  const step = stepOf(flow, state);
  if (!isEffect(step)) throw new Error(`step "${state.step}" is not an effect`);
  return step.onResult(state, result);
}

export function effectFailed<S extends AnyState>(flow: FlowDefinition<S>, state: S, error: FlowError): S {
  const step = stepOf(flow, state);
  const failure: FlowError = {...error, step: state.step};
  if (isEffect(step) && step.onError) return step.onError(state, failure);
  return goto(state, flow.failureStep, {error: failure} as Partial<S>);
}

/** Back to the previous question, keeping its answer as the default. Effects are not undone. */
export function back<S extends AnyState>(flow: FlowDefinition<S>, state: S): S {
  if (state.history.length === 0) return state;
  const previous = state.history[state.history.length - 1];
  return {
    ...state,
    step: previous,
    history: state.history.slice(0, -1),
    trail: state.trail.slice(0, -1),
    error: undefined,
    status: 'running',
  };
}

export function canGoBack(state: AnyState): boolean {
  return state.history.length > 0 && state.status === 'running';
}

/** Phase index (1-based) and count, for "Step 3/7 · Service instance". */
export function progress<S extends AnyState>(flow: FlowDefinition<S>, state: S): {index: number; total: number; phase: string} {
  const phase = stepOf(flow, state).phase;
  return {index: flow.phases.indexOf(phase) + 1, total: flow.phases.length, phase};
}
