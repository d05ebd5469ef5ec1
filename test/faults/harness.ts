/**
 * Shared by the fault and resume tests: headless `apply --demo --json` runs on a landscape in a
 * temporary folder, and a view of the stand-in's state that two landscapes can be compared by.
 */
import {X509Certificate} from 'node:crypto';
import {readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {CLI} from '../helpers/pty.js';

export interface ApplyRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The --json document (null when stdout was not JSON). */
  json: Record<string, any> | null;
  ms: number;
}

/** Option 1, external certificate, live test; the instance and key names of apply.test.ts. */
export function option1Plan(home: string, out: string, liveTestPath = '/http/demo/orders'): string {
  return `version: 1
option: role-based
role: ESBMessaging.send
instance: {name: cpi-inbound-mtls}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: s4hana-sender}
liveTest: {run: true, path: ${liveTestPath}, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem}
output: ${out}
`;
}

export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {...process.env, ...extra};
  for (const name of ['CI', 'CF_SIM_FAULTS', 'CPI_MTLS_CF_TIMEOUT_MS', 'CPI_MTLS_PROBE_TIMEOUT_MS', 'CPI_MTLS_RESUME', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy']) {
    if (!(name in extra)) delete env[name];
  }
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function writePlan(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

export async function apply(planFile: string, home: string, env: Record<string, string | undefined> = {}, extra: string[] = ['--json']): Promise<ApplyRun> {
  const started = Date.now();
  const run = await execa(process.execPath, [CLI, 'apply', '--plan', planFile, '--demo', ...extra], {
    reject: false,
    env: cleanEnv({CPI_MTLS_DEMO_HOME: home, ...env}),
    extendEnv: false,
    stdin: 'ignore',
    timeout: 120_000,
  });
  let json: ApplyRun['json'] = null;
  try {
    json = JSON.parse(String(run.stdout));
  } catch {
    json = null;
  }
  return {exitCode: run.exitCode ?? -1, stdout: String(run.stdout), stderr: String(run.stderr), json, ms: Date.now() - started};
}

export function stateFile(home: string): string {
  return path.join(home, 'cf-home/.cf/sim-state.json');
}

export async function simState(home: string): Promise<any> {
  return JSON.parse(await readFile(stateFile(home), 'utf8'));
}

/** Writes a fault table into the landscape's state (the stand-in reads it on every call). */
export async function setStateFaults(home: string, faults: Record<string, unknown>): Promise<void> {
  const state = await simState(home);
  state.faults = faults;
  await writeFile(stateFile(home), JSON.stringify(state, null, 1));
}

/** Certificates by subject, so landscapes with different demo PKIs compare equal. */
function normaliseValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseValue(v)]));
  if (typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----')) {
    const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.map(block => `<certificate ${new X509Certificate(block).subject.replace(/\n/g, ', ')}>`).join(' + ');
  }
  return value;
}

/**
 * What a setup leaves in the landscape: instances (name, plan, parameters, operation state) and
 * keys (instance, name, parameters), in a stable order. GUIDs and times differ between runs.
 */
export async function landscapeView(home: string): Promise<{instances: unknown[]; keys: unknown[]}> {
  const state = await simState(home);
  const planName = (guid: string) => state.plans.find((p: any) => p.guid === guid)?.name;
  const instanceName = (guid: string) => state.instances.find((i: any) => i.guid === guid)?.name;
  const instances = state.instances
    .map((i: any) => ({name: i.name, plan: planName(i.plan_guid), parameters: normaliseValue(i.parameters), operation: `${i.last_operation?.type} ${i.last_operation?.state}`}))
    .sort((a: any, b: any) => a.name.localeCompare(b.name));
  const keys = state.keys
    .map((k: any) => ({instance: instanceName(k.instance_guid), name: k.name, parameters: normaliseValue(k.parameters), operation: `${k.last_operation?.type} ${k.last_operation?.state}`}))
    .sort((a: any, b: any) => `${a.instance}/${a.name}`.localeCompare(`${b.instance}/${b.name}`));
  return {instances, keys};
}

export async function readJsonFile(file: string): Promise<any> {
  return JSON.parse(await readFile(file, 'utf8'));
}

export async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

/** The cf commands a run wrote with (create-service, create-service-key, delete-...). */
export function writes(run: ApplyRun): string[] {
  return (run.json?.cfCalls ?? []).filter((c: {write: boolean}) => c.write).map((c: {args: string[]}) => c.args[0]);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}
