/**
 * Runs a flow: applies answers, runs each effect step through the ports, and tells listeners
 * about every new state. The Ink view and the headless runner both drive this one class, so a
 * decision made in flows/ is made the same way everywhere.
 */
import {answer as applyAnswer, back as goBack, effectFailed, effectSucceeded, isEffect, isFinished, stepOf, type AnswerOutcome, type FlowDefinition} from '../../flows/machine.js';
import type {AnswerValue, FlowError, FlowState, MachineState} from '../../flows/types.js';
import {isCancellation, toCpiMtlsError} from '../errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = MachineState<any, any>;

/** Does the work an effect step asks for; a flow's effects are plain data with a `type`. */
export type EffectExecutor<S extends AnyState = FlowState> = (effect: {type: string}, state: S, signal: AbortSignal) => Promise<unknown>;

export type StateListener<S extends AnyState = FlowState> = (state: S, running: boolean) => void;

export interface RunnerOptions<S extends AnyState = FlowState> {
  /** Called after every transition, e.g. to save progress for resume. */
  onTransition?: (state: S) => void | Promise<void>;
}

export class FlowRunner<S extends AnyState = FlowState> {
  private current: S;
  private readonly listeners = new Set<StateListener<S>>();
  private controller: AbortController | null = null;
  /** Incremented per effect attempt so a late result of an aborted attempt is ignored. */
  private attempt = 0;
  private effectRunning = false;
  private finishedResolvers: Array<(state: S) => void> = [];

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

  answer(value: AnswerValue): AnswerOutcome<S> {
    if (this.effectRunning) return {ok: false, error: 'A step is still running.'};
    const outcome = applyAnswer(this.flow, this.current, value);
    if (outcome.ok) this.setState(outcome.state);
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

  waitUntilFinished(): Promise<S> {
    if (isFinished(this.current)) return Promise.resolve(this.current);
    return new Promise(resolve => this.finishedResolvers.push(resolve));
  }

  private abortEffect(): void {
    this.attempt += 1;
    this.effectRunning = false;
    this.controller?.abort(new Error('cancelled'));
    this.controller = null;
  }

  private setState(next: S): void {
    this.current = next;
    this.emit();
    void Promise.resolve(this.options.onTransition?.(next)).catch(() => undefined);
    if (isFinished(next)) {
      const resolvers = this.finishedResolvers;
      this.finishedResolvers = [];
      for (const resolve of resolvers) resolve(next);
      return;
    }
    this.advance();
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
    let effect: {type: string};
    try {
      effect = step.effect(stateAtStart);
    } catch (error) {
      this.finishEffect(attempt, () => effectFailed(this.flow, stateAtStart, toFlowError(error)));
      return;
    }
    this.execute(effect, stateAtStart, controller.signal).then(
      result => this.finishEffect(attempt, () => effectSucceeded(this.flow, stateAtStart, result)),
      error => {
        if (isCancellation(error) || controller.signal.aborted) {
          this.finishEffect(attempt, () => ({...stateAtStart, status: 'cancelled'}));
          return;
        }
        this.finishEffect(attempt, () => effectFailed(this.flow, stateAtStart, toFlowError(error)));
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
