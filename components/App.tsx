import React, {useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useStdin, useStdout} from 'ink';
import {landscapeModel, showsLandscape} from '../flows/diagram.js';
import {explanationFor} from '../flows/explain.js';
import {canGoBack, isQuestion, progress, stepOf} from '../flows/machine.js';
import {setupFlow} from '../flows/setup.js';
import type {AnswerValue, FlowState, MachineState, Panel, Question} from '../flows/types.js';
import type {FlowRunner} from '../src/engine/runner.js';
import type {Checklist} from '../src/checklist.js';
import {EffectStep} from './EffectStep.js';
import {ExplainPanel, explainPanelHeight} from './ExplainPanel.js';
import {FinalView} from './FinalView.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {LandscapeDiagram, layoutLandscape} from './LandscapeDiagram.js';
import {Panels} from './PanelView.js';
import {QuestionView} from './QuestionView.js';
import {Trail} from './Trail.js';
import {STATUS_MARK, trailStatus} from '../flows/common.js';
import {exitCodeOfOutcome} from '../src/checklist.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = MachineState<any, any, any>;

export interface AppProps<S extends AnyState> {
  runner: FlowRunner<S>;
  /** Builds the checklist shown at the end (from src/, so the headless path shows the same). */
  checklistOf: (state: S) => Checklist;
  demo?: string;
  /** Show the teaching panel ("why this matters", which SAP screen the step replaces). */
  explain?: boolean;
  /** Called once when the app is about to exit, with the process exit code. */
  onExit: (code: number) => void;
  animate?: boolean;
}

/** From this width the explanation stands beside the question instead of below it. */
export const SIDE_BY_SIDE_COLUMNS = 100;
/** Leaves the question column 63 wide at 100 columns: the longest prompt fits on one line. */
const SIDE_PANEL_WIDTH = 36;
/** Answered steps shown in workshop mode: the room looks at the current step and the drawing. */
const TRAIL_WITH_EXPLAIN = 4;
/** Lines kept free below the live area: Ink clears the whole screen once a frame reaches the last row. */
const SPARE_ROWS = 3;

/** The terminal size, updated on resize (an event, not a timer). Rows are unknown in tests. */
function useTerminalSize(): {columns: number; rows: number} {
  const {stdout} = useStdout();
  const read = () => ({columns: stdout?.columns || 80, rows: stdout?.rows || Number.POSITIVE_INFINITY});
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (!stdout) return undefined;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** Rough wrapped height of a text (Ink wraps at word boundaries, so this may be one short). */
function textHeight(text: string, width: number): number {
  return Math.max(1, Math.ceil(Array.from(text).length / Math.max(1, width)));
}

function panelsHeight(panels: Panel[], width: number): number {
  // Border (2) and left padding (1); one blank line after each panel.
  return panels.reduce((sum, panel) => sum + 3 + (panel.title ? textHeight(`ℹ ${panel.title}`, width - 3) : 0) + panel.lines.reduce((n, line) => n + textHeight(line, width - 3), 0), 0);
}

function questionHeight(question: Question | null, width: number): number {
  if (!question) return 1;
  if (question.type === 'select') return 1 + question.choices.reduce((n, choice) => n + textHeight(`  ${choice.label}${choice.hint ? ` · ${choice.hint}` : ''}`, width), 0);
  if (question.type === 'confirm') return 3;
  return textHeight(`? ${question.prompt}: ${question.initial ?? ''}`, width) + 1;
}

function trailHeight(lines: string[], max: number, columns: number): number {
  if (lines.length === 0) return 0;
  const shown = lines.slice(Math.max(0, lines.length - max));
  return (lines.length > max ? 1 : 0) + shown.reduce((n, line) => n + textHeight(line, columns), 0) + 1;
}


/**
 * The wizard shell: header, answered steps, the active step, footer. It renders the runner's
 * state and forwards keys; every decision is the runner's (flows/).
 */
/** Below this many rows the explain panel and the drawing are left out. */
const MIN_TEACHING_ROWS = 32;

export function App<S extends AnyState>({runner, checklistOf, demo, explain = false, onExit, animate = true}: AppProps<S>): React.ReactElement {
  const {exit} = useApp();
  const {isRawModeSupported} = useStdin();
  const [{state, running}, setView] = useState({state: runner.state, running: runner.running});
  // Each question gets a fresh input component, so a default typed into one step never leaks.
  const [questionKey, setQuestionKey] = useState(0);
  const cancelPresses = useRef(0);
  const {columns, rows} = useTerminalSize();
  // Teaching panels and the drawing need room: on a short terminal a frame taller than the
  // screen makes Ink clear the scrollback on every render, so they stay off there.
  const teach = explain && rows >= MIN_TEACHING_ROWS;
  // Teaching texts and the drawing belong to the setup flow's steps and facts.
  const isSetup = runner.flow.name === setupFlow.name;
  const setupState = state as FlowState;
  const showDiagram = isSetup && showsLandscape(setupState, teach);
  // Built once per state, so the memoised drawing is not redone on unrelated renders.
  const landscape = useMemo(() => (showDiagram ? landscapeModel(setupState) : null), [state, showDiagram]);

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
    // One outcome for headline, checklist and exit code: the checklist's.
    onExit(exitCodeOfOutcome(checklistOf(state).outcome));
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
    const files: Record<string, string> = state.facts.outputs ?? {};
    // The last frame is drawn again on exit; one taller than the terminal would clear the screen.
    const listHeight = 3 + (checklist.error ? 1 : 0) + checklist.items.length + (checklist.cleanup.length > 0 ? 2 + checklist.cleanup.length : 0) + 1 + Object.keys(files).length;
    const compact = landscape !== null && listHeight + 1 + layoutLandscape(landscape, columns).length > rows - SPARE_ROWS;
    return <FinalView checklist={checklist} files={files} landscape={landscape} columns={columns} compactLandscape={compact} />;
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

  const explanation = teach && isSetup ? explanationFor(state.step) : undefined;
  const asking = !running && question !== null;
  // A text answer (often a long path) keeps the full width so its prompt never wraps: it goes
  // under the row of panels and explanation; with no panels beside it, the explanation goes below.
  const textBelow = asking && question?.type === 'text';
  const sideBySide = Boolean(explanation) && columns >= SIDE_BY_SIDE_COLUMNS && !(textBelow && panels.length === 0);
  const mainWidth = sideBySide ? columns - SIDE_PANEL_WIDTH - 1 : columns;

  // Workshop mode adds height: keep the live area inside the terminal by showing fewer answered
  // steps first, then the one-line-per-part drawing. Decided from text lengths, before rendering,
  // so no frame is drawn twice.
  const trailLines = state.trail.map(t => `${STATUS_MARK[trailStatus(t)]} ${t.summary}`);
  let trailMax: number | undefined;
  let compactDiagram = false;
  if (explanation || landscape) {
    const leftWidth = sideBySide ? mainWidth : columns;
    const left = asking ? panelsHeight(panels, leftWidth) + questionHeight(question, textBelow ? columns : leftWidth) : 1;
    const explainLines = explanation ? explainPanelHeight(explanation, sideBySide ? 'side' : 'below', sideBySide ? SIDE_PANEL_WIDTH : columns) : 0;
    const middle = sideBySide ? (textBelow ? Math.max(panelsHeight(panels, leftWidth), explainLines + 1) + questionHeight(question, columns) : Math.max(left, explainLines)) : left + explainLines;
    const diagramLines = (compact: boolean) => (landscape && !running ? 1 + layoutLandscape(landscape, columns, compact).length : 0);
    // Header (2) and footer (2).
    const total = (max: number, compact: boolean) => 2 + trailHeight(trailLines, max, columns) + middle + diagramLines(compact) + 2;
    const budget = rows - SPARE_ROWS;
    trailMax = TRAIL_WITH_EXPLAIN;
    if (total(trailMax, false) > budget) trailMax = 0;
    if (total(trailMax, false) > budget) compactDiagram = true;
  }
  const questionView = question ? <QuestionView key={questionKey} question={question} isActive={!running} onAnswer={onAnswer} /> : null;

  return (
    <Box flexDirection="column">
      <Header index={index} total={total} phase={phase} option={option} demo={demo} />
      <Trail lines={trailLines} max={trailMax} />
      {sideBySide && textBelow ? (
        <>
          <Box flexDirection="row">
            <Box flexDirection="column" width={mainWidth}>
              <Panels panels={panels} />
            </Box>
            <Box marginLeft={1} marginBottom={1}>
              <ExplainPanel explanation={explanation!} layout="side" width={SIDE_PANEL_WIDTH} />
            </Box>
          </Box>
          {questionView}
        </>
      ) : (
        <Box flexDirection={sideBySide ? 'row' : 'column'}>
          <Box flexDirection="column" width={mainWidth}>
            {asking ? (
              <Box flexDirection="column">
                <Panels panels={panels} />
                {questionView}
              </Box>
            ) : (
              <EffectStep title={step.title} animate={animate} />
            )}
          </Box>
          {explanation ? (
            <Box marginLeft={sideBySide ? 1 : 0}>
              <ExplainPanel explanation={explanation} layout={sideBySide ? 'side' : 'below'} width={sideBySide ? SIDE_PANEL_WIDTH : columns} />
            </Box>
          ) : null}
        </Box>
      )}
      {landscape && !running ? (
        <Box marginTop={1}>
          <LandscapeDiagram model={landscape} columns={columns} compact={compactDiagram} />
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Footer canGoBack={canGoBack(state)} running={running} question={question} />
      </Box>
    </Box>
  );
}
