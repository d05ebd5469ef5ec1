import React, {useEffect, useMemo, useRef, useState} from 'react';
import {Box, Static, Text, useApp, useInput, useStdin, useStdout} from 'ink';
import {landscapeModel, showsLandscape, type LandscapeModel} from '../flows/diagram.js';
import {explanationFor, type StepExplanation} from '../flows/explain.js';
import {canGoBack, isQuestion, progress, stepOf} from '../flows/machine.js';
import {setupFlow} from '../flows/setup.js';
import type {AnswerValue, AnyState, FlowState, Panel, Question, TrailEntry} from '../flows/types.js';
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
import {TrailLine} from './Trail.js';
import {trailChange} from '../flows/common.js';
import {exitCodeOfOutcome} from '../src/checklist.js';

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
const SIDE_BY_SIDE_COLUMNS = 100;
/** Leaves the question column 63 wide at 100 columns: the longest prompt fits on one line. */
const SIDE_PANEL_WIDTH = 36;
/** Lines kept free below the live area (the estimate may be short): Ink clears the screen and the scrollback once a frame reaches the last row. */
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
    return () => void stdout.off('resize', onResize);
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

/** Below this many rows the explain panel and the drawing are left out. */
const MIN_TEACHING_ROWS = 32;

/** What the live area shows of a step in workshop mode. */
interface Live {
  question: Question | null;
  panels: Panel[];
  explanation?: StepExplanation;
  landscape: LandscapeModel | null;
  columns: number;
}

/**
 * A text answer (often a long path) keeps the full width so its prompt never wraps: it goes under
 * the row of panels and explanation; with no panels beside it, the explanation goes below.
 */
function arrange({question, panels, explanation, columns}: Live) {
  const textBelow = question?.type === 'text';
  const sideBySide = Boolean(explanation) && columns >= SIDE_BY_SIDE_COLUMNS && !(textBelow && panels.length === 0);
  return {textBelow, sideBySide, mainWidth: sideBySide ? columns - SIDE_PANEL_WIDTH - 1 : columns};
}

/** The live area's height from text lengths: decided before drawing, so no frame is drawn twice. */
function liveHeight(live: Live, compactDiagram: boolean): number {
  const {question, panels, explanation, landscape, columns} = live;
  const {textBelow, sideBySide, mainWidth} = arrange(live);
  const left = panelsHeight(panels, mainWidth) + questionHeight(question, textBelow ? columns : mainWidth);
  const explainLines = explanation ? explainPanelHeight(explanation, sideBySide ? 'side' : 'below', sideBySide ? SIDE_PANEL_WIDTH : columns) : 0;
  const middle = sideBySide ? (textBelow ? Math.max(panelsHeight(panels, mainWidth), explainLines + 1) + questionHeight(question, columns) : Math.max(left, explainLines)) : left + explainLines;
  const diagram = landscape ? 1 + layoutLandscape(landscape, columns, compactDiagram).length : 0;
  // Header (2) and footer (2).
  return 2 + middle + diagram + 2;
}

/**
 * The wizard shell. Finished steps are printed once above the live area (Ink's <Static>), so they
 * stay in the scrollback; only the current step (header, question or effect, footer) is redrawn.
 * It renders the runner's state and forwards keys; every decision is the runner's (flows/).
 */
export function App<S extends AnyState>({runner, checklistOf, demo, explain = false, onExit, animate = true}: AppProps<S>): React.ReactElement {
  const {exit} = useApp();
  const {isRawModeSupported} = useStdin();
  const [{state, running, panelsPrinted}, setView] = useState({state: runner.state, running: runner.running, panelsPrinted: false});
  // Each question gets a fresh input component, so a default typed into one step never leaks.
  const [questionKey, setQuestionKey] = useState(0);
  // Printed lines cannot be taken back. Back prints where it returned to instead of waiting with
  // every line until the run ends: a line per step as it happens is what a terminal log shows.
  const [log, setLog] = useState<React.ReactElement[]>([]);
  const printed = useRef<TrailEntry[]>([]);
  const cancelPresses = useRef(0);
  const {columns, rows} = useTerminalSize();
  // The print callback below outlives renders: it reads the size of the latest one.
  const sizeNow = useRef({columns, rows});
  sizeNow.current = {columns, rows};
  // Teaching panels and the drawing need room: on a short terminal a frame taller than the
  // screen makes Ink clear the scrollback on every render, so they stay off there.
  const teaches = () => explain && sizeNow.current.rows >= MIN_TEACHING_ROWS;
  // Teaching texts and the drawing belong to the setup flow's steps and facts.
  const isSetup = runner.flow.name === setupFlow.name;
  const liveOf = (s: AnyState, isRunning: boolean): Live => {
    const step = stepOf(runner.flow, s);
    const asking = !isRunning && isQuestion(step);
    const teaching = teaches() && isSetup;
    return {
      question: asking ? step.question(s) : null,
      panels: asking && step.panels ? step.panels(s) : [],
      explanation: teaching ? explanationFor(s.step) : undefined,
      landscape: teaching && !isRunning && showsLandscape(s as FlowState, true) ? landscapeModel(s as FlowState) : null,
      columns: sizeNow.current.columns,
    };
  };
  const setupState = state as FlowState;
  const finished = state.status !== 'running';
  // A question whose panels were printed is shown without teaching texts: it did not fit with them.
  const teachNow = teaches() && !panelsPrinted;
  // The final screen is printed, not redrawn: its drawing may make it taller than the terminal.
  const showDiagram = isSetup && showsLandscape(setupState, finished ? explain : teachNow);
  // Built once per state, so the memoised drawing is not redone on unrelated renders.
  const landscape = useMemo(() => (showDiagram ? landscapeModel(setupState) : null), [state, showDiagram]);

  useEffect(() => {
    let asked: AnyState | null = null;
    // Returns whether the question's panels were printed. Unless the step fits with its teaching
    // texts, they are printed above it, so the live area is the header, the question and the
    // footer: it fits in any terminal, whatever the panels hold (a certificate report is taller
    // than 24 rows).
    const print = (next: AnyState, isRunning: boolean): boolean => {
      const {dropped, added} = trailChange(printed.current, next.trail);
      printed.current = next.trail;
      const step = stepOf(runner.flow, next);
      // The end of a run has no live area: its screen is printed whole.
      const live = next.status === 'running' ? liveOf(next, isRunning) : null;
      const panels = !live || (teaches() && liveHeight(live, true) <= sizeNow.current.rows - SPARE_ROWS) ? [] : live.panels;
      const lines = [...(dropped > 0 ? [<Text dimColor>↩ back to: {step.title}</Text>] : []), ...added.map(entry => <TrailLine entry={entry} />)];
      if (panels.length > 0 && asked !== next) lines.push(<Panels panels={panels} />);
      asked = isQuestion(step) ? next : null;
      if (lines.length > 0) setLog(items => [...items, ...lines.map((line, i) => <Box key={items.length + i}>{line}</Box>)]);
      return panels.length > 0;
    };
    const panelsPrinted = print(runner.state, runner.running);
    if (panelsPrinted) setView(view => ({...view, panelsPrinted}));
    const unsubscribe = runner.subscribe((next, isRunning) => {
      setView({state: next, running: isRunning, panelsPrinted: print(next, isRunning)});
      setQuestionKey(k => k + 1);
    });
    runner.start();
    return () => void unsubscribe();
  }, [runner]);

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

  // The end is printed like the steps, so it stays on screen after exit, however long it is.
  // One <Static> at one place in the tree: a second one would print every line again.
  const printedSteps = (end?: React.ReactElement) => <Static items={end ? [...log, end] : log}>{item => item}</Static>;
  if (finished) return <Box flexDirection="column">{printedSteps(<Box key="end"><EndView state={state} checklistOf={checklistOf} landscape={landscape} columns={columns} /></Box>)}</Box>;

  const step = stepOf(runner.flow, state);
  const {index, total, phase} = progress(runner.flow, state);
  const option = runner.flow.label?.(state);
  const live = liveOf(state, running);
  const {question} = live;
  const panels = panelsPrinted ? [] : live.panels;
  const onAnswer = (value: AnswerValue): string | null => {
    const outcome = runner.answer(value);
    return outcome.ok ? null : outcome.error;
  };

  const explanation = teachNow ? live.explanation : undefined;
  const asking = question !== null;
  const {textBelow, sideBySide, mainWidth} = arrange({...live, panels, explanation});
  // Workshop mode adds height: the one-line-per-part drawing keeps the live area inside the terminal.
  const compactDiagram = landscape !== null && liveHeight({...live, panels, explanation, landscape}, false) > rows - SPARE_ROWS;
  const questionView = question ? <QuestionView key={questionKey} question={question} isActive={!running} onAnswer={onAnswer} /> : null;

  return (
    <Box flexDirection="column">
      {printedSteps()}
      <Header index={index} total={total} phase={phase} option={option} demo={demo} />
      {/* A text question beside the explanation goes under the row of panels and explanation. */}
      <Box flexDirection={sideBySide ? 'row' : 'column'}>
        <Box flexDirection="column" width={mainWidth}>
          {asking ? <Panels panels={panels} live /> : <EffectStep title={step.title} animate={animate} />}
          {sideBySide && textBelow ? null : questionView}
        </Box>
        {explanation ? (
          <Box marginLeft={sideBySide ? 1 : 0} marginBottom={sideBySide && textBelow ? 1 : 0}>
            <ExplainPanel explanation={explanation} layout={sideBySide ? 'side' : 'below'} width={sideBySide ? SIDE_PANEL_WIDTH : columns} />
          </Box>
        ) : null}
      </Box>
      {sideBySide && textBelow ? questionView : null}
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

/** The cancelled note or the checklist, for the end of a run. */
function EndView<S extends AnyState>({state, checklistOf, landscape, columns}: {state: S; checklistOf: AppProps<S>['checklistOf']; landscape: LandscapeModel | null; columns: number}): React.ReactElement {
  if (state.status !== 'cancelled') return <FinalView checklist={checklistOf(state)} files={state.facts.outputs ?? {}} landscape={landscape} columns={columns} outputDir={state.context.outputDir} />;
  const actions: Array<{kind: string; what: string; name: string}> = Array.isArray(state.facts?.actions) ? state.facts.actions : [];
  return (
    <Box flexDirection="column">
      <Text color="yellow">⚠ Cancelled. Nothing more was changed.</Text>
      {actions.filter(a => a.kind === 'created' || a.kind === 'updated').map((a, index) => <Text key={index}>{`  ${a.kind} ${a.what} ${a.name}`}</Text>)}
    </Box>
  );
}
