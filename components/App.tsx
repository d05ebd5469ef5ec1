import React, {useEffect, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin} from 'ink';
import {canGoBack, isQuestion, progress, stepOf} from '../flows/machine.js';
import type {AnswerValue, MachineState} from '../flows/types.js';
import type {FlowRunner} from '../src/engine/runner.js';
import type {Checklist} from '../src/checklist.js';
import {EffectStep} from './EffectStep.js';
import {FinalView} from './FinalView.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {Panels} from './PanelView.js';
import {QuestionView} from './QuestionView.js';
import {Trail} from './Trail.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = MachineState<any, any>;

export interface AppProps {
  runner: FlowRunner<AnyState>;
  /** Builds the checklist shown at the end (from src/, so the headless path shows the same). */
  checklistOf: (state: AnyState) => Checklist;
  demo?: string;
  /** Show the teaching panel ("why this matters", which SAP screen the step replaces). */
  explain?: boolean;
  /** Called once when the app is about to exit, with the process exit code. */
  onExit: (code: number) => void;
  animate?: boolean;
}

export function exitCodeOf(state: AnyState): number {
  return state.status === 'done' ? 0 : state.status === 'cancelled' ? 130 : 1;
}

/**
 * The wizard shell: header, answered steps, the active step, footer. It renders the runner's
 * state and forwards keys; every decision is the runner's (flows/).
 */
export function App({runner, checklistOf, demo, onExit, animate = true}: AppProps): React.ReactElement {
  const {exit} = useApp();
  const {isRawModeSupported} = useStdin();
  const [{state, running}, setView] = useState({state: runner.state, running: runner.running});
  // Each question gets a fresh input component, so a default typed into one step never leaks.
  const [questionKey, setQuestionKey] = useState(0);
  const cancelPresses = useRef(0);

  useEffect(() => {
    const unsubscribe = runner.subscribe((next, isRunning) => {
      setView({state: next, running: isRunning});
      setQuestionKey(k => k + 1);
    });
    runner.start();
    return () => {
      unsubscribe();
    };
  }, [runner]);

  const finished = state.status !== 'running';
  useEffect(() => {
    if (!finished) return;
    onExit(exitCodeOf(state));
    // Let the final frame render before Ink unmounts.
    const timer = setTimeout(() => exit(), 0);
    return () => clearTimeout(timer);
  }, [finished]);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        cancelPresses.current += 1;
        if (cancelPresses.current > 1) {
          onExit(130);
          exit();
          return;
        }
        runner.cancel();
        return;
      }
      if (key.escape && canGoBack(runner.state)) runner.back();
    },
    {isActive: Boolean(isRawModeSupported) && !finished},
  );

  if (finished) {
    if (state.status === 'cancelled') {
      const actions: Array<{kind: string; what: string; name: string}> = Array.isArray(state.facts?.actions) ? state.facts.actions : [];
      const created = actions.filter(a => a.kind === 'created' || a.kind === 'updated');
      return (
        <Box flexDirection="column">
          <Text color="yellow">⚠ Cancelled. Nothing more was changed.</Text>
          {created.map((a, index) => (
            <Text key={index}>
              {'  '}
              {a.kind} {a.what} {a.name}
            </Text>
          ))}
        </Box>
      );
    }
    const checklist = checklistOf(state);
    return <FinalView checklist={checklist} files={state.facts.outputs ?? {}} />;
  }

  const step = stepOf(runner.flow, state);
  const {index, total, phase} = progress(runner.flow, state);
  const option = runner.flow.label?.(state);
  const question = isQuestion(step) ? step.question(state) : null;
  const panels = isQuestion(step) && step.panels ? step.panels(state) : [];

  const onAnswer = (value: AnswerValue): string | null => {
    const outcome = runner.answer(value);
    return outcome.ok ? null : outcome.error;
  };

  return (
    <Box flexDirection="column">
      <Header index={index} total={total} phase={phase} option={option} demo={demo} />
      <Trail lines={state.trail.map(t => t.summary)} />
      {running || !question ? (
        <EffectStep title={step.title} animate={animate} />
      ) : (
        <Box flexDirection="column">
          <Panels panels={panels} />
          <QuestionView key={questionKey} question={question} isActive={!running} onAnswer={onAnswer} />
        </Box>
      )}
      <Box marginTop={1}>
        <Footer canGoBack={canGoBack(state)} running={running} />
      </Box>
    </Box>
  );
}
