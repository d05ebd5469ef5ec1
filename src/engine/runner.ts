/**
 * Runs a flow: applies answers, runs each effect step through the ports, and tells listeners
 * about every new state. The Ink view and the headless runner both drive this one class, so a
 * decision made in flows/ is made the same way everywhere.
 */
import {answer as applyAnswer, back as goBack, effectFailed, effectSucceeded, isEffect, isFinished, stepOf, type AnswerOutcome, type FlowDefinition} from '../../flows/machine.js';
import type {AnswerValue, AnyState, FlowError, FlowState} from '../../flows/types.js';
import {isCancellation, toCpiMtlsError} from '../errors.js';

/** Does the work an effect step asks for; a flow's effects are plain data with a `type`. */
export type EffectExecutor<S extends AnyState = FlowState> = (effect: {type: string}, state: S, signal: AbortSignal) => Promise<unknown>;

/** An executor from one handler per effect type of a flow; an effect the flow does not know is an error. */
export function executorOf<S extends AnyState, E extends {type: string}>(name: string, handlers: {[K in E['type']]: (effect: Extract<E, {type: K}>, state: S, signal: AbortSignal) => Promise<unknown>}): EffectExecutor<S> {
  // Looked up by the effect's own type, so each handler gets the effect it was written for.
  const byType: Partial<Record<string, {handle(effect: E, state: S, signal: AbortSignal): Promise<unknown>}['handle']>> = handlers;
  return (effect, state, signal) => {
    signal.throwIfAborted();
    const handler = byType[effect.type];
    if (!handler) return Promise.reject(new Error(`${name}: no handler for effect ${effect.type}`));
    return handler(effect as E, state, signal);
  };
}

export type StateListener<S extends AnyState = FlowState> = (state: S, running: boolean) => void;

export interface RunnerOptions<S extends AnyState = FlowState> {
  /** Called after every transition, e.g. to save progress for resume. */
  onTransition?: (state: S) => void | Promise<void>;
  /** Transitions in a row without a person's answer before the run is stopped as looping. */
  maxAutomaticTransitions?: number;
}

/** Who gave an answer: a person may retry with the same input (they may have fixed something meanwhile); a plan may not. */
export type AnswerSource = 'person' | 'plan';

/** The inputs of an effect: a failed effect never runs again with the same ones unless a person asks for it. */
function fingerprint(state: AnyState): string {
  return `${state.step}\u0000${JSON.stringify(state.answers)}\u0000${JSON.stringify(state.facts)}`;
}

export class FlowRunner<S extends AnyState = FlowState> {
  private current: S;
  private readonly listeners = new Set<StateListener<S>>();
  private controller: AbortController | null = null;
  /** Incremented per effect attempt so a late result of an aborted attempt is ignored. */
  private attempt = 0;
  private effectRunning = false;
  /** Inputs of effects that failed, with their error, since a person last answered. */
  private readonly failedInputs = new Map<string, FlowError>();
  private automaticTransitions = 0;
  /** The effect started last, settled or not: a cancelled effect may still be cleaning up. */
  private inflight: Promise<unknown> = Promise.resolve();

  constructor(
    readonly flow: FlowDefinition<S>,
    initial: S,
    private readonly execute: EffectExecutor<S>,
    private readonly options: RunnerOptions<S> = {},
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  get running(): boolean {
    return this.effectRunning;
  }

  subscribe(listener: StateListener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the flow (runs the first effect when the flow begins with one). */
  start(): void {
    this.advance();
  }

  answer(value: AnswerValue, source: AnswerSource = 'person'): AnswerOutcome<S> {
    if (this.effectRunning) return {ok: false, error: 'A step is still running.'};
    const outcome = applyAnswer(this.flow, this.current, value);
    if (outcome.ok) {
      if (source === 'person') {
        this.failedInputs.clear();
        this.automaticTransitions = 0;
      }
      this.setState(outcome.state);
    }
    return outcome;
  }

  back(): void {
    if (this.effectRunning) {
      // Back while an effect runs cancels that effect and returns to the previous question.
      this.abortEffect();
    }
    this.setState(goBack(this.flow, this.current));
  }

  /** Aborts the running effect and ends the flow as cancelled. */
  cancel(): void {
    this.abortEffect();
    if (!isFinished(this.current)) this.setState({...this.current, status: 'cancelled'});
  }

  /** Resolves when the last effect has ended, also one that was cancelled and is still removing temporary credentials. */
  settled(): Promise<void> {
    return this.inflight.then(
      () => undefined,
      () => undefined,
    );
  }

  private abortEffect(): void {
    this.attempt += 1;
    this.effectRunning = false;
    this.controller?.abort(new Error('cancelled'));
    this.controller = null;
  }

  private setState(next: S): void {
    this.automaticTransitions += 1;
    const limit = this.options.maxAutomaticTransitions ?? 1000;
    if (this.automaticTransitions > limit && !isFinished(next)) {
      next = {
        ...next,
        status: 'failed',
        error: {
          code: 'flow-loop',
          message: `The run made ${limit} steps without an answer from a person and was stopped (at "${stepOf(this.flow, next).title}").`,
          fix: ['This is a defect of cpi-mtls: please report it with the progress file of this run.'],
          step: next.step,
        },
      };
    }
    this.current = next;
    this.emit();
    void Promise.resolve(this.options.onTransition?.(next)).catch(() => undefined);
    if (!isFinished(next)) this.advance();
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.current, this.effectRunning);
  }

  private advance(): void {
    if (isFinished(this.current) || this.effectRunning) return;
    const step = stepOf(this.flow, this.current);
    if (!isEffect(step)) return;
    const attempt = ++this.attempt;
    const controller = new AbortController();
    this.controller = controller;
    this.effectRunning = true;
    this.emit();
    const stateAtStart = this.current;
    const inputs = fingerprint(stateAtStart);
    const failedBefore = this.failedInputs.get(inputs);
    if (failedBefore) {
      // The same effect with the same inputs failed already and nobody changed anything: running it
      // again would fail again (and, answered from a plan, forever). Stop at the failure step instead.
      this.effectRunning = false;
      this.controller = null;
      const error: FlowError = {
        ...failedBefore,
        fix: [...failedBefore.fix, `"${step.title}" is not repeated with the same input: change the input (the plan field or the file) and run again.`],
        step: stateAtStart.step,
      };
      this.setState({...stateAtStart, step: this.flow.failureStep, error});
      return;
    }
    let effect: {type: string};
    try {
      effect = step.effect(stateAtStart);
    } catch (error) {
      this.finishEffect(attempt, () => effectFailed(this.flow, stateAtStart, toFlowError(error)));
      return;
    }
    this.inflight = this.execute(effect, stateAtStart, controller.signal);
    this.inflight.then(
      result => this.finishEffect(attempt, () => effectSucceeded(this.flow, stateAtStart, result)),
      error => {
        if (isCancellation(error) || controller.signal.aborted) {
          this.finishEffect(attempt, () => ({...stateAtStart, status: 'cancelled'}));
          return;
        }
        const failure = toFlowError(error);
        if (attempt === this.attempt) this.failedInputs.set(inputs, failure);
        this.finishEffect(attempt, () => effectFailed(this.flow, stateAtStart, failure));
      },
    );
  }

  private finishEffect(attempt: number, next: () => S): void {
    if (attempt !== this.attempt) return; // superseded by Back or cancel
    this.effectRunning = false;
    this.controller = null;
    this.setState(next());
  }
}

export function toFlowError(error: unknown): FlowError {
  const e = toCpiMtlsError(error);
  const details = {...e.details, ...('kind' in e && typeof (e as {kind?: unknown}).kind === 'string' ? {kind: (e as {kind: string}).kind} : {})};
  return {code: e.code, message: e.message, fix: e.fix, ...(Object.keys(details).length ? {details} : {})};
}
