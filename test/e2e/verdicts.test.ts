import {randomUUID} from 'node:crypto';
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI} from '../helpers/pty.js';

// Headless runs on the demo landscape whose verdicts used to be wrong: each asserts what the
// landscape holds afterwards and what the checklist claims about it.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-verdicts-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

interface SimInstance {
  guid: string;
  name: string;
  space_guid: string;
  parameters: Record<string, unknown>;
  last_operation: {type: string; state: string};
}
interface SimState {
  orgs: Array<{guid: string; name: string; spaces: Array<{guid: string; name: string}>}>;
  offerings: Array<{name: string; instances_retrievable: boolean}>;
  instances: SimInstance[];
  keys: Array<{guid: string; name: string; instance_guid: string}>;
}

const stateFile = (home: string) => path.join(home, 'cf-home/.cf/sim-state.json');
const stateOf = async (home: string): Promise<SimState> => JSON.parse(await readFile(stateFile(home), 'utf8'));
const editState = async (home: string, edit: (state: SimState) => void) => {
  const state = await stateOf(home);
  edit(state);
  await writeFile(stateFile(home), JSON.stringify(state));
};

function option1(home: string, out: string, extra = '', names: {instance?: string; key?: string} = {}): string {
  return `
option: role-based
instance: {name: ${names.instance ?? 'cpi-inbound-mtls'}}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: ${names.key ?? 's4hana-sender'}}
liveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem}
output: ${out}
${extra}`;
}

async function apply(home: string, plan: string, env: Record<string, string> = {}, args: string[] = []) {
  const file = path.join(dir, `plan-${randomUUID()}.yaml`);
  await writeFile(file, plan);
  const fullEnv = {...process.env, CPI_MTLS_DEMO_HOME: home, ...env};
  delete (fullEnv as Record<string, string | undefined>).CI;
  const run = await execa(process.execPath, [CLI, 'apply', '--plan', file, '--demo', '--json', ...args], {reject: false, env: fullEnv, stdin: 'ignore', timeout: 90_000});
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    json = null;
  }
  return {...run, json};
}

const item = (json: Record<string, any> | null, start: string) => (json?.checklist.items as Array<{status: string; title: string; details: string[]}>).find(i => i.title.startsWith(start));

describe('verdicts a customer can trust', () => {
  it('an output folder that cannot be written is a usage error before anything runs', async () => {
    const home = path.join(dir, 'land-out');
    const started = performance.now();
    const run = await apply(home, option1(home, '/proc/cpi-mtls-cannot-write-here'));
    expect(run.exitCode).toBe(2);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(run.stderr).toContain('cannot be written');
    expect(run.stderr).toContain('--out');
    expect(run.json?.outcome).toBe('not-started');
  }, 60_000);

  it('an instance whose creation failed is listed, removed with onFailure: remove, and never reused', async () => {
    const home = path.join(dir, 'land-failed');
    const fault = {CF_SIM_FAULTS: JSON.stringify({'create-service': {type: 'async-fail', message: 'Quota exceeded', once: true}})};

    // 1. The broker fails the creation; the instance stays on the platform in "create failed".
    const first = await apply(home, option1(home, path.join(dir, 'out-failed-1')), fault);
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.json?.checklist.created).toEqual([expect.objectContaining({kind: 'create failed', what: 'service instance', name: 'cpi-inbound-mtls'})]);
    expect(item(first.json, 'Service instance cpi-inbound-mtls: creation failed')?.status).toBe('failed');
    expect(first.json?.checklist.cleanup).toEqual(['cf delete-service cpi-inbound-mtls -f']);
    const markdown = await readFile(path.join(dir, 'out-failed-1', 'checklist.md'), 'utf8');
    expect(markdown).not.toContain('Nothing was created or changed');
    expect((await stateOf(home)).instances.find(i => i.name === 'cpi-inbound-mtls')?.last_operation).toMatchObject({type: 'create', state: 'failed'});

    // 2. A new run does not reuse it: it stops and says how to remove it.
    const second = await apply(home, option1(home, path.join(dir, 'out-failed-2')), {CPI_MTLS_RESUME: 'off'});
    expect(second.exitCode, second.stderr).toBe(1);
    expect(second.stderr).toMatch(/creation failed|last operation failed/);
    expect(second.stderr).toContain('cf delete-service cpi-inbound-mtls -f');
    expect(second.json?.cfCalls.filter((c: {write: boolean}) => c.write)).toEqual([]);
    expect(JSON.stringify(second.json?.checklist.items)).not.toMatch(/"verified","title":"Service instance cpi-inbound-mtls/);

    // 3. With onFailure: remove the leftover is removed and the instance created anew.
    const third = await apply(home, option1(home, path.join(dir, 'out-failed-3'), 'onFailure: remove'), {CPI_MTLS_RESUME: 'off'});
    expect(third.exitCode, third.stderr).toBe(0);
    const instances = (await stateOf(home)).instances.filter(i => i.name === 'cpi-inbound-mtls');
    expect(instances).toHaveLength(1);
    expect(instances[0].last_operation).toMatchObject({state: 'succeeded'});
  }, 180_000);

  it('onFailure: remove removes the instance whose creation failed in the same run', async () => {
    const home = path.join(dir, 'land-failed-remove');
    const fault = {CF_SIM_FAULTS: JSON.stringify({'create-service': {type: 'async-fail', message: 'Quota exceeded', once: true}})};
    const run = await apply(home, option1(home, path.join(dir, 'out-failed-remove'), 'onFailure: remove'), fault);
    expect(run.exitCode, run.stderr).toBe(1);
    expect((await stateOf(home)).instances.filter(i => i.name === 'cpi-inbound-mtls')).toEqual([]);
    expect(run.json?.checklist.cleanup).toEqual([]);
  }, 120_000);

  it('parameters the broker does not return are "not checked", and the file says they were only sent', async () => {
    const home = path.join(dir, 'land-params');
    const out = path.join(dir, 'out-params');
    // Start the landscape once, then make the broker refuse parameter reads (ServiceFetchInstanceParametersNotSupported).
    const warm = await apply(home, option1(home, path.join(dir, 'out-params-warm')).replace('run: true', 'run: false').replace('role-based', 'role-based\ntarget: {confirm: false}'));
    expect(warm.exitCode).toBe(1);
    await editState(home, state => state.offerings.filter(o => o.name === 'it-rt').forEach(o => (o.instances_retrievable = false)));
    const run = await apply(home, option1(home, out), {CPI_MTLS_RESUME: 'off'});
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('parameters read back and verified');
    expect(run.stderr).toMatch(/parameters not read back \(the broker does not return them\): roles not checked/);
    expect(item(run.json, 'Service instance cpi-inbound-mtls')?.status).toBe('not-checked');
    expect(run.json?.checklist.notChecked.length).toBeGreaterThan(0);
    await expect(stat(path.join(out, 'instance-parameters.json'))).rejects.toThrow();
    expect(JSON.parse(await readFile(path.join(out, 'instance-parameters-sent.json'), 'utf8'))).toEqual({roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []});
  }, 120_000);

  it('the duplicate scan covers every space of the org', async () => {
    const home = path.join(dir, 'land-org');
    const first = await apply(home, option1(home, path.join(dir, 'out-org-1')));
    expect(first.exitCode, first.stderr).toBe(0);
    // Move the instance that holds the certificate to another space of the same org.
    const otherSpace = randomUUID();
    await editState(home, state => {
      const org = state.orgs.find(o => o.name === 'demo-customer')!;
      org.spaces.push({guid: otherSpace, name: 'integration-qa'});
      state.instances.find(i => i.name === 'cpi-inbound-mtls')!.space_guid = otherSpace;
    });
    const second = await apply(home, option1(home, path.join(dir, 'out-org-2'), '', {instance: 'cpi-inbound-second', key: 's4hana-sender-again'}), {CPI_MTLS_RESUME: 'off'});
    expect(second.exitCode, second.stderr).toBe(1);
    // The targeted space holds no instance any more: only an org-wide scan finds the key.
    expect(second.stderr).toMatch(/in 1 instance\(s\) across 1 space\(s\) of the org: certificate already in 1 key/);
    expect(second.json?.error.message).toContain('cpi-inbound-mtls/s4hana-sender');
    const state = await stateOf(home);
    expect(state.instances.map(i => i.name)).not.toContain('cpi-inbound-second');
    expect(state.keys).toHaveLength(1);
  }, 120_000);

  it('a resumed run reads the instance again and starts anew when it was removed outside', async () => {
    const home = path.join(dir, 'land-resume');
    const out = path.join(dir, 'out-resume');
    // The live test calls a path no flow listens on: the run ends resumable at the live test.
    const plan = option1(home, out).replace('/http/demo/orders', '/http/demo/not-deployed');
    const first = await apply(home, plan);
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.json?.progress.resumable).toBe(true);
    // Removed outside cpi-mtls (a colleague, or the cockpit).
    await editState(home, state => {
      const gone = state.instances.find(i => i.name === 'cpi-inbound-mtls')!;
      state.instances = state.instances.filter(i => i !== gone);
      state.keys = state.keys.filter(k => k.instance_guid !== gone.guid);
    });
    const second = await apply(home, plan);
    expect(second.stderr).toContain('which no longer exist');
    expect(second.stderr).toContain('Starting a new run');
    expect(second.stderr).not.toContain('not found');
    // The new run created the instance and the key again (the live test still fails: wrong path).
    expect(second.json?.checklist.created.map((c: {kind: string; what: string}) => `${c.kind} ${c.what}`)).toEqual(['created service instance', 'created service key']);
    const state = await stateOf(home);
    expect(state.instances.filter(i => i.name === 'cpi-inbound-mtls')).toHaveLength(1);
    expect(state.keys).toHaveLength(1);
  }, 180_000);

  it('--trust-root accepts a client root that is not on SAP\'s list, and the checklist says so', async () => {
    const home = path.join(dir, 'land-trust');
    const plan = (out: string) =>
      option1(home, out).replace('s4hana-sender.chain.pem', 's4hana-sender-internal-ca.chain.pem').replace('s4hana-sender.key.pem', 's4hana-sender-internal-ca.key.pem').replace('run: true', 'run: false');
    const refused = await apply(home, plan(path.join(dir, 'out-trust-1')));
    expect(refused.exitCode).toBe(1);
    expect((await stateOf(home)).instances.filter(i => i.name === 'cpi-inbound-mtls')).toEqual([]);
    // The customer's internal root CA (the landscape's PKI holds it), given as a trusted root.
    const pki = JSON.parse(await readFile(path.join(home, 'demo-pki.json'), 'utf8'));
    const root = path.join(dir, 'internal-root.pem');
    await writeFile(root, pki.untrustedRoot.certPem);
    const trusted = await apply(home, plan(path.join(dir, 'out-trust-2')), {CPI_MTLS_RESUME: 'off'}, ['--trust-root', root]);
    expect(trusted.exitCode, trusted.stderr).toBe(0);
    expect(item(trusted.json, 'Client certificate checked')?.details.join(' ')).toContain("trusted by your choice, not on SAP's list");
  }, 120_000);
});
