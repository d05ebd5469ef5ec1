/**
 * The generic part of the state machine: answering, effect results, Back, failures. A pure
 * reducer chosen over xstate: the flow is a linear wizard with a few branches, its whole state
 * must serialise to a plan and a resume file, and plain functions keep the headless runner, the
 * Ink view and the tests on one small, dependency-free API.
 */
import type {AnswerValue, Effect, EffectResults, EffectStep, FlowContext, FlowError, FlowState, QuestionStep, Step, StepId} from './types.js';

export interface FlowDefinition {
  name: string;
  steps: Record<StepId, Step>;
  start: StepId;
  /** The step a failed effect goes to when its step has no onError of its own. */
  failureStep: StepId;
}

export function initialState(flow: FlowDefinition, context: FlowContext, answers: FlowState['answers'] = {}): FlowState {
  return {step: flow.start, answers: {...answers}, facts: {actions: []}, history: [], status: 'running', context, trail: []};
}

export function stepOf(flow: FlowDefinition, state: FlowState): Step {
  const step = flow.steps[state.step];
  if (!step) throw new Error(`flow ${flow.name} has no step "${state.step}"`);
  return step;
}

export function isQuestion(step: Step): step is QuestionStep {
  return step.kind === 'question';
}

export function isEffect(step: Step): step is EffectStep {
  return step.kind === 'effect';
}

export function isFinished(state: FlowState): boolean {
  return state.status !== 'running';
}

/** Moves to `step`. Pure helper for the step tables. */
export function goto(state: FlowState, step: StepId, patch: Partial<FlowState> = {}): FlowState {
  return {...state, ...patch, step, error: patch.error};
}

export type AnswerOutcome = {ok: true; state: FlowState} | {ok: false; error: string};

export function answer(flow: FlowDefinition, state: FlowState, value: AnswerValue): AnswerOutcome {
  const step = stepOf(flow, state);
  if (!isQuestion(step)) return {ok: false, error: `"${step.title}" is running; it does not take an answer.`};
  const problem = step.validate?.(value, state) ?? null;
  if (problem) return {ok: false, error: problem};
  const summary = step.summary ? step.summary(state, value) : `${step.title}: ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : value}`;
  const withHistory: FlowState = {
    ...state,
    history: [...state.history, step.id],
    trail: [...state.trail, {step: step.id, summary}],
  };
  return {ok: true, state: step.apply(withHistory, value)};
}

export function effectSucceeded<T extends Effect['type']>(flow: FlowDefinition, state: FlowState, result: EffectResults[T]): FlowState {
  const step = stepOf(flow, state);
  if (!isEffect(step)) throw new Error(`step "${state.step}" is not an effect`);
  return (step.onResult as (s: FlowState, r: EffectResults[T]) => FlowState)(state, result);
}

export function effectFailed(flow: FlowDefinition, state: FlowState, error: FlowError): FlowState {
  const step = stepOf(flow, state);
  const failure: FlowError = {...error, step: state.step};
  if (isEffect(step) && step.onError) return step.onError(state, failure);
  return goto(state, flow.failureStep, {error: failure});
}

/** Back to the previous question, keeping its answer as the default. Effects are not undone. */
export function back(flow: FlowDefinition, state: FlowState): FlowState {
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

export function canGoBack(state: FlowState): boolean {
  return state.history.length > 0 && state.status === 'running';
}

/** Phase index (1-based) and count, for "Step 3/7 · Service instance". */
export function progress(flow: FlowDefinition, state: FlowState, phases: readonly string[]): {index: number; total: number; phase: string} {
  const phase = stepOf(flow, state).phase;
  return {index: phases.indexOf(phase) + 1, total: phases.length, phase};
}
