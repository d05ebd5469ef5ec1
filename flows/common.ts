/**
 * Pieces every flow shares (setup, renewal, migration): answer helpers, the failure and end
 * steps, and the live test's endpoint and private-key questions. Pure, like the flows.
 */
import {goto} from './machine.js';
import {IFLOW_PLAN, IT_RT_OFFERING} from './parameters.js';
import type {ActionRecord, AnswerValue, FlowError, MachineState, Panel, ProbeFact, QuestionStep, Status, StepId} from './types.js';
import {validateEndpointPath} from './validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = MachineState<any, any>;
type WithActions = MachineState<unknown, {actions: ActionRecord[]}>;

export interface LiveTestAnswers {
  run: boolean;
  path?: string;
  method?: 'GET' | 'POST';
  privateKeyPath?: string;
}
type WithLiveTest = MachineState<{liveTest?: LiveTestAnswers}, unknown>;

export function str(value: AnswerValue): string {
  return typeof value === 'string' ? value.trim() : String(value);
}

export function record<S extends WithActions>(state: S, action: ActionRecord): S {
  return {...state, facts: {...state.facts, actions: [...state.facts.actions, action]}};
}

/** Adds a one-line summary of a finished effect to the collapsed history, with how far it can be trusted. */
export function trail<S extends AnyState>(state: S, summary: string, status: Status = 'done'): S {
  return {...state, trail: [...state.trail, {step: state.step, summary, status}]};
}

/** The mark of each status: only verified and done carry a ✔. */
export const STATUS_MARK: Record<Status, string> = {
  verified: '✔',
  done: '✔',
  answer: '›',
  todo: '☐',
  failed: '✖',
  skipped: '–',
  'not-checked': '?',
};

/** The status of a trail line; lines saved before statuses existed count as done. */
export function trailStatus(entry: {status?: Status}): Status {
  return entry.status ?? 'done';
}

export function errorPanel(error: FlowError | undefined): Panel[] {
  return error ? [{tone: 'error', title: error.message, lines: error.fix.map(line => `→ ${line}`)}] : [];
}

/** The URL the live test calls: an absolute URL as given, or a path after the runtime URL. */
export function joinEndpoint(runtimeUrl: string | undefined, pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  const base = (runtimeUrl ?? '').replace(/\/+$/, '');
  return `${base}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
}

/** The space has no it-rt / integration-flow in its marketplace: what it means and how to fix it. */
export function offeringMissingError(spaceName: string): FlowError {
  return {
    code: 'offering-missing',
    message: `The marketplace of space ${spaceName} has no ${IT_RT_OFFERING} / ${IFLOW_PLAN} (Process Integration Runtime).`,
    fix: [
      `In the BTP cockpit, add the entitlement "Process Integration Runtime" with plan ${IFLOW_PLAN} to the subaccount (Entitlements → Edit → Add Service Plans).`,
      'The offering appears only when the subaccount has a Cloud Integration runtime (Integration Suite with Cloud Integration activated) and a Cloud Foundry space.',
      `Check with: cf marketplace -e ${IT_RT_OFFERING}`,
    ],
  };
}

/** The live test result as a panel: titles of documents only, the checklist keeps the links. */
export function probePanel(probe: ProbeFact, extraLines: string[] = []): Panel {
  return {
    tone: probe.success ? 'success' : 'error',
    title: probe.status && !probe.summary.startsWith('HTTP') ? `HTTP ${probe.status}: ${probe.summary}` : probe.summary,
    lines: [
      `URL ${probe.url}`,
      ...probe.causes.map(cause => `• ${cause}`),
      ...probe.fix.map(fix => `→ ${fix}`),
      ...(probe.docs.length ? [`Read (links in the checklist): ${probe.docs.map(d => d.replace(/:\s*https?:\/\/\S+$/, '')).join('; ')}`] : []),
      ...extraLines,
    ],
  };
}

/** The terminal step; the flow's status says how it ended. */
export function doneStep<S extends AnyState>(phase: string): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'done',
    phase,
    title: 'Done',
    question: () => ({type: 'confirm', prompt: 'Finished', initial: true}),
    apply: state => state,
  };
}

/** Where a failed effect lands: retry it, or stop (the flow decides what stopping means). */
export function stepFailedStep<S extends AnyState>(options: {phase: string; stopLabel: string; stopHint: string; stop: (state: S) => S}): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'step-failed',
    phase: options.phase,
    title: 'A step failed',
    panels: state => errorPanel(state.error),
    question: () => ({
      type: 'select',
      prompt: 'What now?',
      choices: [
        {value: 'retry', label: 'Try again'},
        {value: 'quit', label: options.stopLabel, hint: options.stopHint},
      ],
    }),
    fromPlan: () => 'quit',
    apply: (state, value) => (value === 'retry' && state.error?.step ? goto(state, state.error.step) : options.stop(state)),
    summary: (_state, value) => (value === 'retry' ? 'Retrying' : 'Stopped after a failure'),
  };
}

/** The endpoint of the live test: a path after the runtime URL, or a full URL. */
export function liveTestPathStep<S extends WithLiveTest>(options: {initial: (state: S) => string | undefined; hasCredentials: (state: S) => boolean}): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'live-test-path',
    phase: 'Live test',
    title: 'Endpoint',
    panels: () => [{tone: 'info', lines: ['The path is the sender channel Address with /http in front (SOAP: /cxf), e.g. /http/orders. A full URL works too.']}],
    question: state => ({type: 'text', prompt: 'Endpoint path', initial: state.answers.liveTest?.path ?? options.initial(state) ?? '/http/'}),
    validate: value => validateEndpointPath(str(value)),
    fromPlan: answers => answers.liveTest?.path,
    apply(state, value) {
      const next = {...state, answers: {...state.answers, liveTest: {...state.answers.liveTest, run: true, path: str(value)}}};
      return goto(next, options.hasCredentials(next) ? 'probe' : 'live-test-key');
    },
    summary: (_state, value) => `Endpoint: ${str(value)}`,
  };
}

/** The private key for the live test, when the certificate input did not carry one. */
export function liveTestKeyStep<S extends WithLiveTest>(options: {hint: string; initial: (state: S) => string | undefined; next?: StepId}): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'live-test-key',
    phase: 'Live test',
    title: 'Private key',
    panels: () => [{tone: 'info', lines: [options.hint]}],
    question: state => ({type: 'text', prompt: 'Path to the private key (PEM)', initial: state.answers.liveTest?.privateKeyPath ?? options.initial(state)}),
    validate: value => (str(value) === '' ? 'Enter the path of the private key file.' : null),
    fromPlan: answers => answers.liveTest?.privateKeyPath,
    apply: (state, value) => goto({...state, answers: {...state.answers, liveTest: {...state.answers.liveTest, run: true, privateKeyPath: str(value)}}}, options.next ?? 'probe'),
    summary: (_state, value) => `Private key: ${str(value)}`,
  };
}
