/**
 * Errors that reach a user. Every error says what went wrong and what to do next, so the
 * wizard, the headless runner and `--json` can all show the same advice.
 */
export interface ErrorOptions {
  /** Concrete next steps, each one a sentence or a command line. */
  fix?: string[];
  cause?: unknown;
  /** Extra facts for `--json` and the checklist (never secrets). */
  details?: Record<string, unknown>;
}

export class CpiMtlsError extends Error {
  readonly code: string;
  readonly fix: string[];
  readonly details: Record<string, unknown>;
  /** Process exit code when this error ends the run. */
  readonly exitCode: number = 1;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = new.target.name;
    this.code = code;
    this.fix = options.fix ?? [];
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {code: this.code, message: this.message, fix: this.fix, ...(Object.keys(this.details).length ? {details: this.details} : {})};
  }
}

/** Wrong arguments or an invalid plan file: exit code 2. */
export class UsageError extends CpiMtlsError {
  override readonly exitCode = 2;
  constructor(message: string, options: ErrorOptions = {}) {
    super('usage', message, options);
  }
}

/** The user pressed Ctrl+C or the run was aborted: exit code 130. */
export class CancelledError extends CpiMtlsError {
  override readonly exitCode = 130;
  constructor(message = 'Cancelled.') {
    super('cancelled', message);
  }
}

export function isCancellation(error: unknown): boolean {
  if (error instanceof CancelledError) return true;
  // Adapters report an aborted call as their own error class with code 'cancelled'.
  if (error instanceof CpiMtlsError && error.code === 'cancelled') return true;
  return error instanceof Error && (error.name === 'AbortError' || (error as {code?: string}).code === 'ABORT_ERR');
}

/** Turns anything thrown into a CpiMtlsError without losing its message. */
export function toCpiMtlsError(error: unknown): CpiMtlsError {
  if (error instanceof CpiMtlsError) return error;
  if (isCancellation(error)) return new CancelledError();
  const message = error instanceof Error ? error.message : String(error);
  return new CpiMtlsError('unexpected', message, {
    cause: error,
    fix: ['This is unexpected. Run again with --debug and report the output (it contains no secrets).'],
  });
}

/** How every command prints an error: the message, then each next step. */
export function formatError(error: {message: string; fix: readonly string[]}): string {
  return `✖ ${error.message}\n${error.fix.map(step => `  → ${step}\n`).join('')}`;
}
