import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/bin/cpi-mtls.js');

export const KEYS = {enter: '\r', down: '\u001B[B', up: '\u001B[A', esc: '\u001B', ctrlC: '\u0003'} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007|\u001B[()][0-9A-Za-z]|\u001B[=>78]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The built CLI in a real pseudo-terminal, as a consultant runs it. */
export function spawnCli(args: string[], options: {env?: Record<string, string>; cwd?: string; cols?: number; rows?: number} = {}) {
  // Ink treats any CI variable, even an empty one, as "no live frames": drop it for a real terminal.
  const env = Object.fromEntries(
    Object.entries({...process.env, FORCE_COLOR: '0', ...options.env}).filter(([name, value]) => value !== undefined && !['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR'].includes(name)),
  ) as Record<string, string>;
  const term = pty.spawn(process.execPath, [CLI, ...args], {
    name: 'xterm-256color',
    cols: options.cols ?? 100,
    rows: options.rows ?? 45,
    cwd: options.cwd ?? ROOT,
    env,
  });
  let output = '';
  let mark = 0;
  let exit: {exitCode: number; signal?: number} | null = null;
  const exited = new Promise<{exitCode: number; signal?: number}>(resolve => term.onExit(e => resolve((exit = e))));
  term.onData(data => {
    output += data;
  });
  const screen = () => stripAnsi(output);
  return {
    term,
    screen,
    /** Text written since the last key (what the newest frames show). */
    recent: () => stripAnsi(output.slice(mark)),
    async waitFor(pattern: string | RegExp, timeoutMs = 45_000): Promise<void> {
      const start = Date.now();
      const matches = () => {
        const text = stripAnsi(output.slice(mark));
        return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
      };
      while (!matches()) {
        if (exit) throw new Error(`CLI exited (${exit.exitCode}) while waiting for ${String(pattern)}\n--- output ---\n${screen().slice(-3000)}`);
        if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${String(pattern)}\n--- recent output ---\n${stripAnsi(output.slice(mark)).slice(-3000)}`);
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      // Give Ink a moment to attach the new step's input handler.
      await new Promise(resolve => setTimeout(resolve, 60));
    },
    send(keys: string): void {
      mark = output.length;
      term.write(keys);
    },
    /** Several keys, each given time to re-render the list before the next (arrow, then Enter). */
    async sendEach(...keys: string[]): Promise<void> {
      mark = output.length;
      for (const key of keys) {
        term.write(key);
        await new Promise(resolve => setTimeout(resolve, 250));
      }
    },
    exited,
  };
}
