/**
 * The runtime every command runs on: its I/O, the exit code of an ending, Ctrl+C, cleanup, the
 * --json error document, and the choice between the Ink wizard and a headless run. Nothing here
 * loads a view: bin/ hands the interactive renderer in as `io.ui`.
 */
import path from 'node:path';
import wrapAnsi from 'wrap-ansi';
import type {AnyState} from '../../flows/types.js';
import {exitCodeOfOutcome, type Checklist, type Outcome} from '../checklist.js';
import type {FlowRunner} from '../engine/runner.js';
import {formatError, toCpiMtlsError, type CpiMtlsError} from '../errors.js';

/** The documented exit codes. */
export const EXIT = {complete: 0, notComplete: 1, usage: 2, cancelled: 130} as const;

/** How long cleanup (demo landscape, local servers) may take after a run before the process goes on without it. */
export const CLEANUP_TIMEOUT_MS = 30_000;

export interface InteractiveOptions<S extends AnyState = AnyState> {
  /** A runner, or one still being prepared (the demo landscape starts while the first frame shows). */
  runner: FlowRunner<S> | Promise<FlowRunner<S>>;
  checklistOf: (state: S) => Checklist;
  demo?: string;
  explain?: boolean;
  preparing?: string;
}

export interface ResumeQuestion {
  /** Where the saved run would go on, e.g. "Creating the service key". */
  resumeTitle: string;
  /** One line about the saved run: target, option, when it stopped. */
  description: string;
  progressFile: string;
  passwordNotSaved: boolean;
  demo?: string;
}

export type ResumeChoice = 'resume' | 'new' | 'quit';

/** The Ink front end, implemented in components/ and loaded by bin/ only when a run is interactive. */
export interface InteractiveUi {
  /** Renders the wizard until the flow ends; resolves with the exit code the view chose. */
  runInteractive<S extends AnyState>(options: InteractiveOptions<S>): Promise<number>;
  /** Asks before a wizard starts whether to resume a saved run; Ctrl+C answers 'quit'. */
  askToResume(question: ResumeQuestion): Promise<ResumeChoice>;
}

/** What a command gets from its caller (bin/, or a test). */
type TextStream = {write(text: string): unknown; isTTY?: boolean; columns?: number};

/** Text for people: wrapped at word boundaries to the terminal's width (80 when unknown); a pipe or file gets it as it is. */
export function writeText(stream: TextStream, text: string): void {
  stream.write(stream.isTTY ? wrapAnsi(text, stream.columns || 80, {hard: false, trim: false}) : text);
}

export interface CommandIo {
  stdout: TextStream;
  stderr: TextStream;
  stdin?: {isTTY?: boolean};
  env: NodeJS.ProcessEnv;
  /** Aborts the command; when absent the runtime installs its Ctrl+C handler. */
  signal?: AbortSignal;
  /** Loads the interactive renderer; without it every run is headless. */
  ui?: () => Promise<InteractiveUi>;
  /** Asks for a password without echo; absent in non-interactive runs. */
  promptPassword?: (label: string) => Promise<string>;
  /** Ends the process at once (second Ctrl+C); process.exit by default. */
  exit?: (code: number) => void;
}

/** The exit code of a run that ended: a usage problem 2, else from the checklist's outcome (complete 0, cancelled 130, otherwise 1). */
export function exitCodeOfRun(outcome: Outcome, error?: {code: string} | null): number {
  // A flow that stops on a usage problem (a name cf would misread, a plan field) ends like one.
  if (error?.code === 'usage') return EXIT.usage;
  return exitCodeOfOutcome(outcome);
}

/** The --json document of a command that stopped with an error: `{outcome, error: {code, message, fix}}`. */
export function errorDocument(error: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {outcome: 'error', ...extra, error: toCpiMtlsError(error).toJSON()};
}

export function writeJson(io: Pick<CommandIo, 'stdout'>, document: unknown): void {
  io.stdout.write(JSON.stringify(document, null, 2) + '\n');
}

/** How an error reads on stderr; formatError (✖ message, → next steps) unless a command words it its own way. */
export type ErrorFormat = (error: CpiMtlsError) => string;

/** Prints an error (message and next steps on stderr; with --json also the one error document on stdout) and returns its exit code. */
export function reportError(io: Pick<CommandIo, 'stdout' | 'stderr'>, error: unknown, json: boolean, extra?: Record<string, unknown>, format: ErrorFormat = formatError): number {
  const e = toCpiMtlsError(error);
  writeText(io.stderr, format(e));
  if (json) writeJson(io, errorDocument(e, extra));
  return e.exitCode;
}

export const NO_TERMINAL_GUIDANCE =
  'cpi-mtls needs a terminal for its questions, and this is not one (or --json was given).\n' +
  '  → Run it in an interactive terminal, or\n' +
  '  → describe the setup in a plan file and run: cpi-mtls apply --plan setup.yaml [--json]\n' +
  '    (the README has a full example per option; the wizard offers to save one at its end)\n';

/** The Ink wizard needs a terminal on both ends, no --json, no plan, and a renderer to load. */
export function chooseMode(io: CommandIo, options: {json: boolean; plan?: unknown}): 'interactive' | 'headless' {
  return !options.plan && !options.json && Boolean(io.stdin?.isTTY) && Boolean(io.stdout.isTTY) && io.ui !== undefined ? 'interactive' : 'headless';
}

/**
 * One run of a command: one AbortController, one Ctrl+C handler (the first aborts the running
 * step, the second quits with 130), and the cleanups, run at the end under their own bound.
 */
export class Run {
  private readonly controller = new AbortController();
  private readonly cleanups: Array<() => unknown> = [];
  private readonly release: () => void;

  constructor(private readonly io: CommandIo) {
    if (io.signal) {
      const onAbort = () => this.cancel();
      if (io.signal.aborted) this.cancel();
      else io.signal.addEventListener('abort', onAbort, {once: true});
      this.release = () => io.signal!.removeEventListener('abort', onAbort);
      return;
    }
    const onSigint = () => {
      if (!this.signal.aborted) return this.cancel();
      writeText(io.stderr, '✖ Quit at once (second Ctrl+C); run cpi-mtls audit to see what exists.\n');
      (io.exit ?? process.exit)(EXIT.cancelled);
    };
    process.on('SIGINT', onSigint);
    this.release = () => process.off('SIGINT', onSigint);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts the running step (what Ctrl+C does first). */
  cancel(): void {
    if (!this.controller.signal.aborted) this.controller.abort();
  }

  /** Calls `listener` when the run is cancelled (at once when it is already). */
  onCancel(listener: () => void): void {
    if (this.signal.aborted) listener();
    else this.signal.addEventListener('abort', listener, {once: true});
  }

  /** Registers work for the end of the run, last registered first (e.g. stopping the demo landscape). */
  onCleanup(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Removes the Ctrl+C handler and runs the cleanups, bounded by CLEANUP_TIMEOUT_MS. */
  async close(timeoutMs = CLEANUP_TIMEOUT_MS): Promise<void> {
    this.release();
    const pending = this.cleanups.splice(0).reverse();
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const all = (async () => {
      for (const cleanup of pending) {
        try {
          await cleanup();
        } catch (error) {
          this.io.stderr.write(`⚠ Cleanup failed: ${toCpiMtlsError(error).message}\n`);
        }
      }
    })();
    const bound = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref?.();
    });
    const result = await Promise.race([all, bound]);
    clearTimeout(timer);
    if (result === 'timeout') this.io.stderr.write(`⚠ Cleanup did not finish within ${Math.round(timeoutMs / 1000)} s; going on without it.\n`);
  }
}

/**
 * Runs a command's body in a Run: an error thrown from it is reported (JSON too, with --json)
 * and becomes its exit code; cleanups always run.
 */
export async function runCommand(io: CommandIo, json: boolean, body: (run: Run) => Promise<number>, format?: ErrorFormat): Promise<number> {
  const run = new Run(io);
  try {
    return await body(run);
  } catch (error) {
    return reportError(io, error, json, undefined, format);
  } finally {
    await run.close();
  }
}

/** ./cpi-mtls-output/[demo-][<command>-]<yyyymmdd-hhmmss>: one folder per run. */
export function defaultOutputDir(command: string | undefined, now: Date, demo = false): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.resolve('cpi-mtls-output', `${demo ? 'demo-' : ''}${command ? `${command}-` : ''}${stamp}`);
}
