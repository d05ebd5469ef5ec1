import {describe, expect, it} from 'vitest';
import {CancelledError, CpiMtlsError, toCpiMtlsError, UsageError} from '../../src/errors.js';
import {errorDocument, exitCodeOfRun, reportError, Run, runCommand, type CommandIo} from '../../src/runtime/command.js';

function capture(extra: Partial<CommandIo> = {}) {
  const out = {stdout: '', stderr: ''};
  const io: CommandIo = {stdout: {write: (t: string) => (out.stdout += t)}, stderr: {write: (t: string) => (out.stderr += t)}, env: {}, ...extra};
  return {io, out};
}

const exitCode = (error: unknown) => toCpiMtlsError(error).exitCode;

describe('the runtime: exit codes', () => {
  it('maps the checklist outcome: complete 0, cancelled 130, incomplete and failed 1', () => {
    expect(exitCodeOfRun('complete')).toBe(0);
    expect(exitCodeOfRun('cancelled')).toBe(130);
    expect(exitCodeOfRun('incomplete')).toBe(1);
    expect(exitCodeOfRun('failed', {code: 'cf-failed'})).toBe(1);
  });

  it('a flow that stopped on a usage problem exits 2', () => {
    expect(exitCodeOfRun('failed', {code: 'usage'})).toBe(2);
  });

  it('an error that ends a command: usage 2, cancelled 130, anything else 1', () => {
    expect(exitCode(new UsageError('bad option'))).toBe(2);
    expect(exitCode(new CancelledError())).toBe(130);
    expect(exitCode(Object.assign(new Error('aborted'), {name: 'AbortError'}))).toBe(130);
    expect(exitCode(new CpiMtlsError('cf-failed', 'cf failed'))).toBe(1);
    expect(exitCode(new Error('boom'))).toBe(1);
  });
});

describe('the runtime: the --json error document', () => {
  it('is one document with {code, message, fix}', () => {
    expect(errorDocument(new UsageError('--days must be a number.', {fix: ['Give --days 30.']}))).toEqual({
      outcome: 'error',
      error: {code: 'usage', message: '--days must be a number.', fix: ['Give --days 30.']},
    });
    expect(errorDocument(new Error('boom'), {outcome: 'not-started', progress: null})).toMatchObject({outcome: 'not-started', progress: null, error: {code: 'unexpected', message: 'boom'}});
  });

  it('reportError prints the advice on stderr and, with --json, exactly one JSON document on stdout', () => {
    const {io, out} = capture();
    expect(reportError(io, new UsageError('No plan.', {fix: ['Pass --plan <file>.']}), true)).toBe(2);
    expect(out.stderr).toBe('✖ No plan.\n  → Pass --plan <file>.\n');
    expect(JSON.parse(out.stdout)).toEqual({outcome: 'error', error: {code: 'usage', message: 'No plan.', fix: ['Pass --plan <file>.']}});
    const text = capture();
    reportError(text.io, new UsageError('No plan.'), false);
    expect(text.out.stdout).toBe('');
  });

  it('runCommand turns a thrown error into its exit code and document, and always cleans up', async () => {
    const {io, out} = capture({signal: new AbortController().signal});
    let cleaned = false;
    const code = await runCommand(io, true, async run => {
      run.onCleanup(() => (cleaned = true));
      throw new UsageError('--parallel 0: give a whole number between 1 and 64.');
    });
    expect(code).toBe(2);
    expect(cleaned).toBe(true);
    expect(JSON.parse(out.stdout).error.code).toBe('usage');
  });
});

describe('the runtime: cancellation', () => {
  it('one signal per run: the caller aborting cancels the running step', async () => {
    const caller = new AbortController();
    const {io} = capture({signal: caller.signal});
    const run = new Run(io);
    let cancelled = 0;
    run.onCancel(() => cancelled++);
    caller.abort();
    expect(run.signal.aborted).toBe(true);
    expect(cancelled).toBe(1);
    await run.close();
  });

  it('the first Ctrl+C aborts the run, the second quits with 130; the handler goes with the run', async () => {
    const exits: number[] = [];
    const {io, out} = capture({exit: code => void exits.push(code)});
    const before = process.listenerCount('SIGINT');
    const run = new Run(io);
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT');
    expect(run.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    process.emit('SIGINT');
    expect(exits).toEqual([130]);
    expect(out.stderr).toContain('second Ctrl+C');
    await run.close();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('cleanup runs last-registered first, under its own bound', async () => {
    const {io, out} = capture({signal: new AbortController().signal});
    const run = new Run(io);
    const order: string[] = [];
    run.onCleanup(() => order.push('landscape'));
    run.onCleanup(() => order.push('server'));
    run.onCleanup(() => new Promise(() => undefined));
    await run.close(50);
    expect(order).toEqual([]);
    expect(out.stderr).toContain('Cleanup did not finish');
    const second = new Run(io);
    second.onCleanup(() => order.push('landscape'));
    second.onCleanup(() => order.push('server'));
    await second.close();
    expect(order).toEqual(['server', 'landscape']);
  });
});
