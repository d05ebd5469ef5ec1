/**
 * Preloaded into the CLI under measurement (`node --import dist/bench/cf-trace.js ...`): records
 * every child process it starts (start and end, relative to the process's time origin), every
 * timer-based sleep of 50 ms or more, the moments the process reaches its own code, and the peak
 * RSS. Written as JSON to BENCH_TRACE_FILE when the process exits.
 *
 * This times cf calls exactly where the cf adapter times them (spawn to close of the streams),
 * without changing the product: builtin exports are patched and re-synced for ESM importers.
 */
import {createRequire, syncBuiltinESMExports} from 'node:module';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import type {ChildProcess} from 'node:child_process';

export interface TraceSpawn {
  command: string;
  args: string[];
  startMs: number;
  endMs: number;
  exitCode: number | null;
}

export interface TraceSleep {
  startMs: number;
  requestedMs: number;
  /** How long the sleep lasted; timers that were cancelled (e.g. execa's timeouts) are not listed. */
  elapsedMs: number;
}

export interface Trace {
  spawns: TraceSpawn[];
  sleeps: TraceSleep[];
  /** Peak resident set size of this process, in kilobytes. */
  maxRssKb: number;
  exitMs: number;
  /**
   * First occurrences of landmarks: `keyPairGeneration` (the first crypto.generateKeyPair call;
   * in `--demo` runs the demo PKI, i.e. the start of the demo landscape) and `standInSeeded`
   * (the stand-in's state file written for the first time: the landscape is up).
   */
  marks: Record<string, number>;
  /** Loaded modules (URLs) at exit, for the "what does --help load" check. */
  modules?: string[];
}

const traceFile = process.env.BENCH_TRACE_FILE;
const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as typeof import('node:child_process');
const timersPromises = require('node:timers/promises') as typeof import('node:timers/promises');
const crypto = require('node:crypto') as typeof import('node:crypto');
const fs = require('node:fs') as typeof import('node:fs');
const trace: Trace = {spawns: [], sleeps: [], maxRssKb: 0, exitMs: 0, marks: {}};

function mark(name: string): void {
  trace.marks[name] ??= performance.now();
}

if (traceFile) {
  const originalSpawn = childProcess.spawn;
  childProcess.spawn = function tracedSpawn(this: unknown, ...parameters: unknown[]): ChildProcess {
    const child = (originalSpawn as (...p: unknown[]) => ChildProcess).apply(this, parameters);
    const [command, args] = parameters as [string, unknown];
    const entry: TraceSpawn = {command: path.basename(String(command)), args: Array.isArray(args) ? args.map(String) : [], startMs: performance.now(), endMs: 0, exitCode: null};
    trace.spawns.push(entry);
    child.once('close', (code: number | null) => {
      entry.endMs = performance.now();
      entry.exitCode = code;
    });
    return child;
  } as typeof childProcess.spawn;

  const originalSleep = timersPromises.setTimeout;
  (timersPromises as {setTimeout: unknown}).setTimeout = function tracedSleep(delay?: number, ...rest: unknown[]) {
    const pending = (originalSleep as (...p: unknown[]) => Promise<unknown>)(delay, ...rest);
    if (typeof delay === 'number' && delay >= 50) {
      const startMs = performance.now();
      pending.then(
        () => trace.sleeps.push({startMs, requestedMs: delay, elapsedMs: performance.now() - startMs}),
        () => undefined,
      );
    }
    return pending;
  };
  const originalGenerateKeyPair = crypto.generateKeyPair;
  (crypto as {generateKeyPair: unknown}).generateKeyPair = function tracedGenerateKeyPair(this: unknown, ...parameters: unknown[]) {
    mark('keyPairGeneration');
    return (originalGenerateKeyPair as (...p: unknown[]) => unknown).apply(this, parameters);
  };
  const originalRenameSync = fs.renameSync;
  fs.renameSync = function tracedRenameSync(from, to) {
    originalRenameSync(from, to);
    if (String(to).endsWith('sim-state.json')) mark('standInSeeded');
  };
  syncBuiltinESMExports();

  process.once('exit', () => {
    trace.exitMs = performance.now();
    trace.maxRssKb = process.resourceUsage().maxRSS;
    writeFileSync(traceFile, JSON.stringify(trace));
  });
}
