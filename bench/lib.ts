/** Small measuring helpers for the benchmark: child processes, medians, the machine. */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

/** Repository root (this file runs as dist/bench/lib.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'bin', 'cpi-mtls.js');
export const TRACE_PRELOAD = path.join(ROOT, 'dist', 'bench', 'cf-trace.js');
export const IMPORT_RECORDER = path.join(ROOT, 'dist', 'bench', 'record-imports.js');

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function ms(value: number, digits = 0): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a';
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
}

export function percent(part: number, whole: number): string {
  return Number.isFinite(part) && Number.isFinite(whole) && whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : 'n/a';
}

export interface ProcessResult {
  ms: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (no shell), stdin closed, with a hard timeout. */
export function runProcess(command: string, args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number} = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd ?? ROOT, windowsHide: true});
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ms: performance.now() - started, exitCode: code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8')});
    });
  });
}

/** Runs `fn` `runs` times in sequence and returns the durations in ms. */
export async function sample(runs: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Runs each function once per round, `runs` rounds, in turn: slow drifts of the machine (other
 * load, CPU frequency) then hit every variant alike, which keeps the ratios honest.
 */
export async function interleaved(runs: number, variants: Array<[string, () => Promise<unknown> | unknown]>): Promise<Array<{name: string; samples: number[]}>> {
  const rows = variants.map(([name]) => ({name, samples: [] as number[]}));
  for (let round = 0; round < runs; round++) {
    for (const [index, [, fn]] of variants.entries()) {
      const started = performance.now();
      await fn();
      rows[index]!.samples.push(performance.now() - started);
    }
  }
  return rows;
}

/** Whether a program can be started at all (e.g. openssl on Windows). */
export async function available(command: string, args: string[]): Promise<boolean> {
  try {
    const result = await runProcess(command, args, {timeoutMs: 10_000});
    return result.exitCode === 0;
  } catch {
    return false;
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  os: string;
  load: number[];
}

function osName(): string {
  try {
    if (existsSync('/etc/os-release')) {
      const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
      if (pretty) return `${pretty} (${os.type()} ${os.release()}, ${os.arch()})`;
    }
  } catch {
    /* fall through */
  }
  return `${os.type()} ${os.release()} (${os.arch()})`;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    ramGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: osName(),
    load: os.loadavg(),
  };
}

/** The environment a terminal user has: no CI marker (Ink drops live frames), no NO_COLOR. */
export function terminalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries({...process.env, ...extra}).filter(([name, value]) => value !== undefined && !['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR'].includes(name)),
  ) as Record<string, string>;
}

interface BundleMeta {
  outputs: Record<string, {entryPoint?: string; inputs: Record<string, unknown>; imports: Array<{path: string; kind: string; external?: boolean}>}>;
}

let bundleMeta: BundleMeta | undefined;
function readBundleMeta(): BundleMeta {
  bundleMeta ??= JSON.parse(readFileSync(path.join(ROOT, 'dist', 'meta.json'), 'utf8')) as BundleMeta;
  return bundleMeta;
}

/** The sources and package files bundled into a built file (by URL); empty outside the bundle. */
export function bundleInputs(url: string): string[] {
  if (!url.startsWith('file:')) return [];
  const output = path.relative(ROOT, fileURLToPath(url)).split(path.sep).join('/');
  return Object.keys(readBundleMeta().outputs[output]?.inputs ?? {});
}

/** The built file (relative to the repository) that holds a source entry or dynamic import target. */
export function bundleOutputOf(source: string): string | undefined {
  return Object.entries(readBundleMeta().outputs).find(([, output]) => output.entryPoint === source)?.[0];
}
