import {execa} from 'execa';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {apply, cleanEnv, landscapeView, modeOf, option1Plan, readJsonFile, simState, waitFor, writePlan, writes} from '../faults/harness.js';
import {CLI, KEYS, spawnCli} from '../helpers/pty.js';

// The process dies between steps (SIGKILL: no handler runs, no final write). The next `apply`
// with the same plan resumes from the saved progress and ends in the landscape of a clean run.

let dir: string;
let clean: Awaited<ReturnType<typeof landscapeView>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-resume-'));
  const home = path.join(dir, 'clean');
  const run = await apply(await writePlan(dir, 'clean', option1Plan(home, path.join(dir, 'clean-out'))), home);
  expect(run.exitCode, run.stderr).toBe(0);
  clean = await landscapeView(home);
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Starts apply and kills it with SIGKILL as soon as stderr shows `marker` (and `also` holds). */
async function applyKilledAt(planFile: string, home: string, marker: string, env: Record<string, string> = {}, also?: () => Promise<boolean>): Promise<string> {
  const child = execa(process.execPath, [CLI, 'apply', '--plan', planFile, '--demo', '--json'], {reject: false, env: cleanEnv({CPI_MTLS_DEMO_HOME: home, ...env}), extendEnv: false, stdin: 'ignore'});
  let stderr = '';
  let seen = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (seen || !stderr.includes(marker)) return;
    seen = true;
    if (!also) child.kill('SIGKILL');
    else void waitFor(`the condition after "${marker}"`, also).then(() => child.kill('SIGKILL'));
  });
  const result = await child;
  expect(result.signal, `the run ended before "${marker}":\n${stderr}`).toBe('SIGKILL');
  return stderr;
}

describe('apply killed with SIGKILL, then apply again', () => {
  it.concurrent('killed right after the instance was created: the resume goes on and creates only the key', async () => {
    const home = path.join(dir, 'kill-instance');
    const out = path.join(dir, 'kill-instance-out');
    const plan = await writePlan(dir, 'kill-instance', option1Plan(home, out));
    await applyKilledAt(plan, home, '✔ Instance cpi-inbound-mtls created');

    const progress = await readJsonFile(path.join(out, 'progress.json'));
    expect(await modeOf(path.join(out, 'progress.json'))).toBe(0o600);
    expect(progress).toMatchObject({status: 'running', resumable: true});
    // The kill lands just before or just after the instance step's result is saved.
    // Every input was checked before the instance: the next step after it is the key.
    expect(['create-instance', 'create-key']).toContain(progress.resumeStep);
    expect((await readJsonFile(path.join(out, 'in-progress.json'))).runs).toHaveLength(1);

    const resumed = await apply(plan, home);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('↻ Resuming: Run started');
    expect(resumed.stderr).not.toContain('Checking the cf CLI, login, target');
    // Killed before the instance step's result was saved: create-service runs again, and cf
    // answers "already exists"; saved after it: only the key is created.
    expect(writes(resumed)).toEqual(progress.resumeStep === 'create-instance' ? ['create-service', 'create-service-key'] : ['create-service-key']);
    expect(await landscapeView(home)).toEqual(clean);
  }, 120_000);

  it.concurrent('killed while cf creates the key: the key cf finished anyway is read, not created again', async () => {
    const home = path.join(dir, 'kill-key');
    const out = path.join(dir, 'kill-key-out');
    const plan = await writePlan(dir, 'kill-key', option1Plan(home, out));
    // The key command takes a moment, so the kill lands while it runs; cf itself carries on. A
    // `once` fault is marked as fired in the landscape when cf starts: that is when to kill.
    const slow = {type: 'slow', ms: 1500, once: true};
    const cfStarted = async () => ((await simState(home)).firedFaults as string[]).includes(`create-service-key:${JSON.stringify(slow)}`);
    await applyKilledAt(plan, home, '… Creating the service key', {CF_SIM_FAULTS: JSON.stringify({'create-service-key': slow})}, cfStarted);
    expect(await readJsonFile(path.join(out, 'progress.json'))).toMatchObject({status: 'running', resumable: true, resumeStep: 'create-key'});
    const key = await waitFor('the orphaned cf to finish the key', async () => (await simState(home)).keys.find((k: {name: string; last_operation: {state: string}}) => k.name === 's4hana-sender' && k.last_operation.state === 'succeeded'));

    const resumed = await apply(plan, home);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('next "Creating the service key"');
    expect(resumed.json?.checklist.created.find((a: {what: string}) => a.what === 'service key')).toMatchObject({kind: 'reused', guid: key.guid, note: 'already held this certificate'});
    expect((await simState(home)).keys.map((k: {guid: string}) => k.guid)).toEqual([key.guid]);
    expect(await landscapeView(home)).toEqual(clean);
  }, 120_000);
});

describe('the wizard after Ctrl+C', () => {
  it('offers to resume at the unanswered question, and finishes from there', async () => {
    const home = path.join(dir, 'wizard');
    const env = {CPI_MTLS_DEMO_HOME: home};
    const first = spawnCli(['--demo', '--out', 'out', '--no-explain'], {env, cwd: dir});
    await first.waitFor('Create the service instance and keys in this org and space?');
    first.send(KEYS.enter);
    await first.waitFor('How should Cloud Integration authorize the sender?');
    first.send(KEYS.enter);
    await first.waitFor('Which role does the sender channel check?');
    first.send(KEYS.enter);
    await first.waitFor('Service instance name');
    first.send(KEYS.enter);
    await first.waitFor('Which client certificate will the sender use?');
    first.send(KEYS.enter);
    await first.waitFor('Path to the certificate file');
    first.send(KEYS.enter);
    await first.waitFor('All certificate checks passed');
    first.send(KEYS.enter);
    await first.waitFor('Service key name');
    first.send(KEYS.ctrlC);
    expect((await first.exited).exitCode).toBe(130);
    const saved = await readJsonFile(path.join(dir, 'out', 'progress.json'));
    expect(saved).toMatchObject({status: 'cancelled', resumable: true, resumeStep: 'key-name'});

    const second = spawnCli(['--demo', '--out', 'out', '--no-explain'], {env, cwd: dir});
    await second.waitFor('An unfinished run was found');
    expect(second.screen()).toContain('next "Service key name"');
    expect(second.screen()).toContain('Resume at "Service key name"');
    second.send(KEYS.enter); // resume
    await second.waitFor('? Service key name');
    second.send(KEYS.enter);
    await second.waitFor('Run the live connectivity test after the key is created?');
    second.send(KEYS.enter);
    await second.waitFor('Path to the private key');
    second.send(KEYS.enter);
    await second.waitFor('Check the tenant through its API?');
    second.send(KEYS.down);
    await second.waitFor('❯ Yes, with an api service key I have');
    second.send(KEYS.down);
    await second.waitFor('❯ No, list the checks');
    second.send(KEYS.enter); // no tenant checks
    await second.waitFor('Endpoint path');
    second.send(KEYS.enter);
    await second.waitFor(/HTTP 200/);
    second.send(KEYS.enter);
    // Whatever the wizard offers after the live test (extra files), its default answer.
    for (let i = 0; i < 8; i++) {
      await second.waitFor(/Setup complete|\? /);
      if (second.recent().includes('Setup complete')) break;
      second.send(KEYS.enter);
    }
    await second.waitFor('Setup complete');
    expect((await second.exited).exitCode).toBe(0);
    // Nothing was created before the inputs were complete: the resumed run created the instance and the key.
    const checklist = JSON.parse(await readFile(path.join(dir, 'out', 'checklist.json'), 'utf8'));
    expect(checklist.created.map((a: {kind: string; what: string}) => `${a.kind} ${a.what}`)).toEqual(['created service instance', 'created service key']);
    // The same landscape as the clean plan run; the wizard suggests a key name with the expiry month.
    const view = await landscapeView(home);
    expect(view.instances).toEqual(clean.instances);
    const withoutName = ({name: _name, ...rest}: {name: string}) => rest;
    expect((view.keys as Array<{name: string}>).map(withoutName)).toEqual((clean.keys as Array<{name: string}>).map(withoutName));

    // Finished runs are not offered again.
    const third = spawnCli(['--demo', '--out', 'out', '--no-explain'], {env, cwd: dir});
    await third.waitFor('Create the service instance and keys in this org and space?');
    expect(third.screen()).not.toContain('An unfinished run was found');
    third.send(KEYS.ctrlC);
    await third.exited;
  }, 180_000);
});
