/**
 * A throw-away landscape for process-level tests: its own CF_HOME with a seeded stand-in state
 * and the stand-in `cf` installed in its own bin directory.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {installFakeCf} from '../../src/demo/fakecf/install.js';
import {readSimState, seedState, type SeedOptions, type SimState} from '../../src/demo/fakecf/state.js';

export interface Landscape {
  dir: string;
  home: string;
  bin: string;
  cf: string;
  stateFile: string;
  /** Environment for cf: isolated CF_HOME, the bin dir first on PATH. */
  env: Record<string, string>;
  state(): SimState;
  run(args: string[], options?: {env?: Record<string, string>; input?: string}): Promise<{stdout: string; stderr: string; exitCode: number}>;
  dispose(): Promise<void>;
}

let sharedCa: {certPem: string; keyPem: string} | undefined;

export async function makeLandscape(seed: SeedOptions = {}): Promise<Landscape> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-fakecf-test-'));
  const home = path.join(dir, 'home');
  const bin = path.join(dir, 'bin');
  const stateFile = path.join(home, '.cf', 'sim-state.json');
  const written = await seedState(stateFile, {seed: 'test', sapClientCa: sharedCa, ...seed});
  sharedCa ??= written.settings.sapClientCa;
  const cf = await installFakeCf(bin);
  const env = {CF_HOME: home, HOME: home, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`};
  return {
    dir,
    home,
    bin,
    cf,
    stateFile,
    env,
    state: () => readSimState(stateFile)!,
    async run(args, options = {}) {
      const result = await execa(cf, args, {
        env: {...env, ...options.env},
        extendEnv: false,
        reject: false,
        stripFinalNewline: false,
        timeout: 20_000,
        ...(options.input === undefined ? {stdin: 'ignore' as const} : {input: options.input}),
      });
      return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1};
    },
    dispose: () => rm(dir, {recursive: true, force: true}),
  };
}

/** Builds instances `prefix-1..n` for seeding. */
export function manyInstances(count: number, prefix = 'iflow'): NonNullable<SeedOptions['instances']> {
  return Array.from({length: count}, (_, i) => ({name: `${prefix}-${i + 1}`, parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}}));
}
