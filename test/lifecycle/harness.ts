import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll} from 'vitest';
import {CLI} from '../helpers/pty.js';

// The built CLI run as a process against a demo landscape, for the lifecycle commands' tests.

const run = promisify(execFile);

/** The test's environment without the variables a test sets on purpose (faults, timeouts). */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string | undefined> = {...process.env};
  for (const name of ['CF_SIM_FAULTS', 'CPI_MTLS_CF_TIMEOUT_MS', 'CPI_MTLS_PROBE_TIMEOUT_MS']) delete env[name];
  return {...(Object.fromEntries(Object.entries(env).filter(e => e[1] !== undefined)) as Record<string, string>), ...extra};
}

export async function cli(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string; ms: number}> {
  const started = Date.now();
  return run(process.execPath, [CLI, ...args], {env: cleanEnv(env), timeout: 120_000}).then(
    r => ({code: 0, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started}),
    (e: {code: number; stdout: string; stderr: string}) => ({code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started}),
  );
}

export interface Sim {
  instances: Array<{guid: string; name: string}>;
  keys: Array<{name: string; instance_guid: string}>;
}

export async function sim(landscapeHome: string): Promise<Sim> {
  return JSON.parse(await readFile(path.join(landscapeHome, 'cf-home/.cf/sim-state.json'), 'utf8')) as Sim;
}

/** What a write would change: instance and key names. */
export async function inventory(landscapeHome: string): Promise<string[]> {
  const state = await sim(landscapeHome);
  return [...state.instances.map(i => `instance ${i.name}`), ...state.keys.map(k => `key ${state.instances.find(i => i.guid === k.instance_guid)?.name}/${k.name}`)].sort();
}

/** Starts the demo landscape with a read-only command, so a test can compare its state later. */
export async function seedLandscape(landscapeHome: string): Promise<void> {
  const seeded = await cli(['audit', '--demo', 'expiring', '--json'], {CPI_MTLS_DEMO_HOME: landscapeHome});
  if (![0, 1].includes(seeded.code)) throw new Error(`seeding the demo landscape failed: ${seeded.stderr}`);
}

/** A seeded demo landscape in a temporary folder for the tests of one file, removed afterwards. */
export function useDemoLandscape(prefix: string, ready: (where: {dir: string; home: string}) => void): void {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    const home = path.join(dir, 'landscape');
    await seedLandscape(home);
    ready({dir, home});
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true});
  });
}
