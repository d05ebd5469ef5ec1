/**
 * Errors from the cf CLI, classified so the wizard can say what is wrong and which command
 * fixes it. The classification reads the CLI's own English texts (cf-cli.md §3, §4, §8); the
 * CLI does not translate them.
 */
import {CpiMtlsError, type ErrorOptions} from '../errors.js';

export type CfErrorKind =
  | 'cf-not-installed'
  | 'no-api'
  | 'not-logged-in'
  | 'token-expired'
  | 'no-org'
  | 'no-space'
  | 'not-found'
  | 'already-exists'
  | 'broker'
  | 'timeout'
  | 'cancelled'
  | 'bad-response'
  | 'failed';

export const CF_DOWNLOAD_PAGE = 'https://github.com/cloudfoundry/cli#downloads';
const LOGIN_EXAMPLE = 'cf login -a https://api.cf.<region>.hana.ondemand.com --sso';

export interface CfErrorOptions extends ErrorOptions {
  /** The command line that failed (no secrets: parameters travel in a file). */
  args?: string[];
  exitCode?: number | null;
  /** The broker's own words, when the broker rejected the request. */
  brokerMessage?: string;
}

export class CfError extends CpiMtlsError {
  readonly kind: CfErrorKind;
  readonly brokerMessage?: string;
  override readonly exitCode: number;

  constructor(kind: CfErrorKind, message: string, options: CfErrorOptions = {}) {
    const details: Record<string, unknown> = {...options.details};
    if (options.args) details.command = ['cf', ...options.args].join(' ');
    if (options.exitCode !== undefined) details.cfExitCode = options.exitCode;
    // A cancellation keeps the code and exit status of CancelledError, so callers treat both alike.
    super(kind === 'cancelled' ? 'cancelled' : `cf-${kind}`, message, {...options, details});
    this.kind = kind;
    this.brokerMessage = options.brokerMessage;
    this.exitCode = kind === 'cancelled' ? 130 : 1;
  }
}

export interface ClassifyContext {
  args: string[];
  exitCode: number | null;
  /** The API endpoint, when known, for an exact `cf login -a` line. */
  apiEndpoint?: string;
}

function loginFix(api: string | undefined): string[] {
  return api
    ? [`Log in again: cf login -a ${api}   (add --sso to sign in through your identity provider)`]
    : [`Log in: ${LOGIN_EXAMPLE}   (the API endpoint is shown in the BTP cockpit, subaccount overview)`];
}

/** The standard advice per kind; the login kinds name the API endpoint when it is known. */
const FIXES: Record<Exclude<CfErrorKind, 'not-logged-in' | 'token-expired'>, string[]> = {
  'cf-not-installed': [`Install the cf CLI v8 from ${CF_DOWNLOAD_PAGE} and make sure \`cf version\` works in this terminal.`, 'If cf is installed elsewhere, put its folder on PATH.'],
  'no-api': [`Set the Cloud Foundry API endpoint and log in: ${LOGIN_EXAMPLE}`],
  'no-org': ['Target the org and space of your Cloud Integration subaccount: cf target -o ORG -s SPACE', 'List your orgs with: cf orgs'],
  'no-space': ['Target the space: cf target -s SPACE', 'List the spaces of the org with: cf spaces'],
  broker: ['The service broker rejected the request; its message above says why. Correct the parameters and run again.'],
  timeout: ['Check your network connection to the Cloud Foundry API, then run again.', 'Check the state with: cf services'],
  cancelled: [],
  'not-found': ['Check the name and that the right org and space are targeted: cf target'],
  'already-exists': ['Choose another name, or delete the existing object first if it is yours to remove.'],
  'bad-response': ['Run the same cf command in a terminal to see its full output; upgrade to the latest cf CLI v8 if it looks garbled.'],
  failed: ['Run the same cf command in a terminal to see its full output.'],
};

/** Builds the CfError for a known situation, with its standard advice. */
export function cfError(kind: CfErrorKind, message: string, context: Partial<ClassifyContext> & {brokerMessage?: string; cause?: unknown} = {}): CfError {
  const base = {args: context.args, exitCode: context.exitCode, brokerMessage: context.brokerMessage, cause: context.cause};
  if (kind === 'not-logged-in') return new CfError(kind, message, {...base, fix: loginFix(context.apiEndpoint)});
  if (kind === 'token-expired') return new CfError(kind, message, {...base, fix: ['Your cf session has expired.', ...loginFix(context.apiEndpoint)]});
  return new CfError(kind, message, {...base, fix: [...FIXES[kind]]});
}

const BROKER_PATTERN = /^Job \([0-9a-f-]+\) failed: (?:\w+ could not be completed: )?(.*)$/s;

/**
 * Classifies the message of a failed cf command (stderr without FAILED on v8, stdout after
 * FAILED on v7).
 */
export function classifyFailure(message: string, context: ClassifyContext): CfError {
  const text = message.trim() || `cf exited with code ${context.exitCode ?? 'unknown'} and printed no message.`;
  const first = text.split('\n')[0]!;
  if (/No API endpoint set/i.test(text)) return cfError('no-api', 'No Cloud Foundry API endpoint is set in cf.', {...context, cause: text});
  if (/Not logged in/i.test(text)) return cfError('not-logged-in', 'cf is not logged in.', context);
  if (/token expired|Access token has expired|token ID is incorrect|Credentials were rejected/i.test(text)) return cfError('token-expired', 'The cf login has expired.', context);
  if (/No org targeted/i.test(text)) return cfError('no-org', 'No Cloud Foundry org is targeted in cf.', context);
  if (/No space targeted/i.test(text)) return cfError('no-space', 'No Cloud Foundry space is targeted in cf.', context);
  // The broker's words: from a failed job, a 5xx answer, or a line that names the broker.
  const said =
    BROKER_PATTERN.exec(first)?.[1] ??
    (/^Server error, status code: 5\d\d.*message: (.*)$/.test(first) ? first.replace(/^.*message: /, '') : undefined) ??
    (/Service broker error|could not be completed/i.test(first) ? first.replace(/^.*Service broker error: /, '') : undefined);
  if (said !== undefined) {
    const broker = said.replace(/^Service broker error: /, '');
    return cfError('broker', `The service broker rejected the request: ${broker}`, {...context, brokerMessage: broker});
  }
  if (/name is taken|already exists/i.test(first)) return cfError('already-exists', first, context);
  if (/not found|could not be found|does not exist|Could not find/i.test(first)) return cfError('not-found', first, context);
  if (/^panic:/m.test(text)) return cfError('failed', `cf crashed (exit code ${context.exitCode}): ${first}`, context);
  return cfError('failed', `cf ${context.args[0] ?? ''} failed: ${text}`, context);
}
