/**
 * Runs a flow without questions: every question is answered from the plan. Progress goes to
 * stderr as plain lines (no cursor movement), so logs and pipelines stay readable.
 */
import {isQuestion, stepOf} from '../../flows/machine.js';
import {SHOW_ELAPSED_AFTER_S, STATUS_MARK, trailStatus} from '../../flows/common.js';
import type {AnyState} from '../../flows/types.js';
import type {FlowRunner} from './runner.js';

export interface HeadlessResult<S extends AnyState> {
  state: S;
  /** Set when the plan had no answer for a question the landscape raised. */
  missingAnswer?: {step: string; title: string};
}

export function runHeadless<S extends AnyState>(runner: FlowRunner<S>, answers: S['answers'], progress: (line: string) => void): Promise<HeadlessResult<S>> {
  return new Promise(resolve => {
    let printedTrail = runner.state.trail.length;
    let lastEffect = '';
    // When the running effect started: a step that took long says so once it ends (no periodic noise).
    let effect: {title: string; since: number} | null = null;
    let settled = false;
    const finish = (result: HeadlessResult<S>) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      resolve(result);
    };
    const onState = (state: S, running: boolean) => {
      for (const entry of state.trail.slice(printedTrail)) progress(`${STATUS_MARK[trailStatus(entry)]} ${entry.summary}`);
      printedTrail = state.trail.length;
      const step = stepOf(runner.flow, state);
      if (effect && (!running || step.title !== effect.title)) {
        const seconds = Math.round((Date.now() - effect.since) / 1000);
        if (seconds > SHOW_ELAPSED_AFTER_S) progress(`  … took ${seconds} s`);
        effect = null;
      }
      if (running && step.title !== lastEffect) {
        lastEffect = step.title;
        progress(`… ${step.title}`);
      }
      if (running && !effect) effect = {title: step.title, since: Date.now()};
      if (state.status !== 'running') return finish({state});
      if (running || !isQuestion(step)) return;
      const value = step.fromPlan?.(answers, state);
      if (value === undefined) {
        // Settle first: cancelling notifies this listener again, with no answer to report.
        finish({state: {...state, status: 'cancelled'}, missingAnswer: {step: step.id, title: step.title}});
        runner.cancel();
        return;
      }
      // Answer on the next turn: the runner is still notifying listeners of this state.
      queueMicrotask(() => {
        const outcome = runner.answer(value, 'plan');
        if (!outcome.ok) {
          progress(`✖ ${step.title}: ${outcome.error}`);
          finish({state: {...runner.state, status: 'cancelled'}, missingAnswer: {step: step.id, title: `${step.title} (${outcome.error})`}});
          runner.cancel();
        }
      });
    };
    const unsubscribe = runner.subscribe(onState);
    runner.start();
    onState(runner.state, runner.running);
  });
}
