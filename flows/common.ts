/**
 * Pieces every flow shares (setup, renewal, migration): answer helpers, trail and panels. The
 * shared steps are in flows/steps/. Pure, like the flows.
 */
import {IFLOW_PLAN, IT_RT_OFFERING} from './parameters.js';
import type {ActionRecord, AnswerValue, AnyState, FlowError, MachineState, Panel, ProbeFact, Status, TrailEntry} from './types.js';

type WithActions = MachineState<unknown, {actions: ActionRecord[]}>;

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

/** Waits up to this long look normal; past it the wizard and the headless log show the elapsed time. */
export const SHOW_ELAPSED_AFTER_S = 3;

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

/**
 * How the trail changed since it was last printed. Printed lines stay in the terminal's
 * scrollback and cannot be taken back, so Back shows as `dropped` lines and the new ones follow.
 */
export function trailChange(printed: TrailEntry[], trail: TrailEntry[]): {dropped: number; added: TrailEntry[]} {
  let same = 0;
  while (same < printed.length && same < trail.length && printed[same] === trail[same]) same += 1;
  return {dropped: printed.length - same, added: trail.slice(same)};
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
