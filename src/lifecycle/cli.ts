/**
 * What the lifecycle commands share on the command line: their I/O, error printing, Ctrl+C,
 * and the output folder.
 */
import path from 'node:path';
import {CpiMtlsError, formatError, toCpiMtlsError} from '../errors.js';

export interface CommandIo {
  stdout: {write(text: string): unknown; isTTY?: boolean};
  stderr: {write(text: string): unknown};
  stdin?: {isTTY?: boolean};
  env: NodeJS.ProcessEnv;
  /** Aborts the command (Ctrl+C); the command installs its own SIGINT handler when absent. */
  signal?: AbortSignal;
}

export function writeError(io: CommandIo, error: unknown, json: boolean): number {
  const e: CpiMtlsError = toCpiMtlsError(error);
  io.stderr.write(formatError(e));
  if (json) io.stdout.write(JSON.stringify({outcome: 'error', error: e.toJSON()}, null, 2) + '\n');
  return e.exitCode;
}

/** A signal that Ctrl+C aborts, unless the caller brought one; `release` removes the handler. */
export function commandSignal(io: CommandIo): {signal: AbortSignal; release: () => void} {
  if (io.signal) return {signal: io.signal, release: () => undefined};
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('cancelled'));
  process.once('SIGINT', onSigint);
  return {signal: controller.signal, release: () => process.off('SIGINT', onSigint)};
}

/** ./cpi-mtls-output/[demo-][<command>-]<yyyymmdd-hhmmss>: one folder per run. */
export function defaultOutputDir(command: string | undefined, now: Date, demo = false): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.resolve('cpi-mtls-output', `${demo ? 'demo-' : ''}${command ? `${command}-` : ''}${stamp}`);
}

export function isInteractive(io: CommandIo, json: boolean): boolean {
  return !json && Boolean(io.stdin?.isTTY) && Boolean(io.stdout.isTTY);
}
