import {afterEach, describe, expect, it, vi} from 'vitest';
import {goto, initialState, type FlowDefinition} from '../../flows/machine.js';
import type {MachineState, Step} from '../../flows/types.js';
import {FlowRunner} from '../../src/engine/runner.js';
import {runHeadless} from '../../src/engine/headless.js';

type S = MachineState<Record<string, never>, Record<string, never>>;

const effectStep = (id: string, title: string, next: string): Step<S> => ({kind: 'effect', id, phase: 'Run', title, effect: () => ({type: id}), onResult: state => goto(state, next)});
const steps: Step<S>[] = [
  effectStep('slow', 'Creating the service key', 'quick'),
  effectStep('quick', 'Reading the key', 'end'),
  {kind: 'question', id: 'end', phase: 'Run', title: 'End', question: () => ({type: 'confirm', prompt: 'Done'}), apply: state => ({...state, status: 'done'}), fromPlan: () => true},
];
const flow: FlowDefinition<S> = {name: 'elapsed', steps: Object.fromEntries(steps.map(s => [s.id, s])), start: 'slow', failureStep: 'end', phases: ['Run'], initialFacts: () => ({})};

afterEach(() => vi.useRealTimers());

describe('headless progress', () => {
  it('says how long a step took when it ran longer than 3 s, and nothing for a quick one', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']});
    const runner = new FlowRunner<S>(flow, initialState(flow, {outputDir: '/tmp', startedAt: '2026-12-03T00:00:00.000Z'}), effect =>
      new Promise(resolve => setTimeout(() => resolve({}), effect.type === 'slow' ? 12_000 : 500)),
    );
    const lines: string[] = [];
    const done = runHeadless(runner, {}, line => lines.push(line));
    await vi.advanceTimersByTimeAsync(12_000);
    await vi.advanceTimersByTimeAsync(500);
    expect((await done).state.status).toBe('done');
    expect(lines).toEqual(['… Creating the service key', '  … took 12 s', '… Reading the key', '› End: yes']);
  });
});
