import {describe, expect, it} from 'vitest';
import {goto, initialState, type FlowDefinition} from '../../flows/machine.js';
import type {MachineState, Step} from '../../flows/types.js';
import {FlowRunner} from '../../src/engine/runner.js';

// A step whose effect fails sends the flow back to the question that fed it. Answered by a person,
// trying again is their call; answered from a plan, the same answer would fail the same way forever.

type S = MachineState<{path?: string}, {loaded?: boolean}>;

const steps: Step<S>[] = [
  {
    kind: 'question',
    id: 'path',
    phase: 'Input',
    title: 'Path',
    question: () => ({type: 'text', prompt: 'Path'}),
    apply: (state, value) => goto({...state, answers: {path: String(value)}}, 'load'),
  },
  {
    kind: 'effect',
    id: 'load',
    phase: 'Input',
    title: 'Loading',
    effect: state => ({type: 'load', path: state.answers.path}),
    onResult: state => goto({...state, facts: {loaded: true}}, 'end', {status: 'done'} as Partial<S>),
    // Like the certificate step: back to the question, with the answer forgotten.
    onError: (state, error) => goto({...state, history: [], trail: []}, 'path', {error} as Partial<S>),
  },
  {kind: 'question', id: 'failed', phase: 'Input', title: 'Failed', question: () => ({type: 'select', prompt: 'Now?', choices: [{value: 'quit', label: 'Quit'}]}), apply: state => ({...state, status: 'failed'})},
  {kind: 'question', id: 'end', phase: 'Input', title: 'End', question: () => ({type: 'confirm', prompt: 'Done'}), apply: state => state},
];
const flow: FlowDefinition<S> = {name: 'guard', steps: Object.fromEntries(steps.map(s => [s.id, s])), start: 'path', failureStep: 'failed', phases: ['Input'], initialFacts: () => ({})};
const context = {outputDir: '/tmp', startedAt: '2026-12-03T00:00:00.000Z'};

function failingRunner() {
  let calls = 0;
  const runner = new FlowRunner<S>(flow, initialState(flow, context), async () => {
    calls += 1;
    throw Object.assign(new Error('not a certificate'), {code: 'not-a-certificate'});
  });
  runner.start();
  return {runner, calls: () => calls};
}

const settle = () => new Promise(resolve => setTimeout(resolve, 20));

describe('the runner never repeats a failed effect with the same input unless a person asks', () => {
  it('stops at the failure step when a plan gives the same answer again', async () => {
    const {runner, calls} = failingRunner();
    for (let i = 0; i < 5 && runner.state.step === 'path'; i++) {
      runner.answer('/same.pem', 'plan');
      await settle();
    }
    expect(calls()).toBe(1);
    expect(runner.state.step).toBe('failed');
    expect(runner.state.error?.message).toBe('not a certificate');
    expect(runner.state.error?.fix.join(' ')).toMatch(/not repeated with the same input/);
  });

  it('runs again when a person answers, even with the same text (the file may have been fixed)', async () => {
    const {runner, calls} = failingRunner();
    runner.answer('/same.pem');
    await settle();
    runner.answer('/same.pem');
    await settle();
    expect(calls()).toBe(2);
    expect(runner.state.step).toBe('path');
  });

  it('a plan with another answer is a new input and runs', async () => {
    const {runner, calls} = failingRunner();
    runner.answer('/one.pem', 'plan');
    await settle();
    runner.answer('/two.pem', 'plan');
    await settle();
    expect(calls()).toBe(2);
  });
});
