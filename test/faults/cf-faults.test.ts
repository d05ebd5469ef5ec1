import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import net from 'node:net';
import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {apply, cleanEnv, landscapeView, modeOf, option1Plan, readJsonFile, setStateFaults, stateFile, writePlan, writes, type ApplyRun} from './harness.js';

// Faults of the stand-in cf and of the network path to the demo tenant, one headless run each:
// the run stops with a message that names the cause and the fix, its progress file allows a
// resume, the resumed run (fault removed) finishes, and the landscape then holds exactly what a
// clean run creates.

let dir: string;
let clean: Awaited<ReturnType<typeof landscapeView>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-faults-'));
  const home = path.join(dir, 'clean');
  const run = await apply(await writePlan(dir, 'clean', option1Plan(home, path.join(dir, 'clean-out'))), home);
  expect(run.exitCode, run.stderr).toBe(0);
  clean = await landscapeView(home);
  expect(clean.instances).toHaveLength(1);
  expect(clean.keys).toHaveLength(1);
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

interface Case {
  home: string;
  out: string;
  plan: string;
}

async function setUp(name: string, liveTestPath?: string): Promise<Case> {
  const home = path.join(dir, name);
  const out = path.join(dir, `${name}-out`);
  return {home, out, plan: await writePlan(dir, name, option1Plan(home, out, liveTestPath))};
}

/** The stopped run: its message, and a progress file (0600) that points at the unfinished step. */
async function expectStoppedAt(run: ApplyRun, c: Case, step: string, title: string): Promise<void> {
  expect(run.exitCode, run.stderr).toBe(1);
  expect(run.stderr).toContain(`Run the same apply command again to resume at "${title}"`);
  expect(run.json?.progress).toMatchObject({resumed: false, resumable: true, status: 'stopped', resumeStep: step});
  const file = path.join(c.out, 'progress.json');
  expect(await modeOf(file)).toBe(0o600);
  const progress = await readJsonFile(file);
  expect(progress).toMatchObject({status: 'stopped', resumable: true, resumeStep: step});
  expect(progress.state.step).toBe(step);
  expect(progress.state.status).toBe('running');
  const pointer = await readJsonFile(path.join(c.out, 'in-progress.json'));
  expect(pointer.runs).toEqual([expect.objectContaining({progressFile: file, resumeStep: step, status: 'stopped'})]);
}

/** The resumed run finishes, says it resumed, and leaves the landscape of a clean run. */
async function expectResumedToClean(run: ApplyRun, c: Case, title: string): Promise<void> {
  expect(run.exitCode, run.stderr).toBe(0);
  expect(run.stderr).toContain('↻ Resuming: Run started');
  expect(run.stderr).toContain(`next "${title}"`);
  expect(run.json?.status).toBe('done');
  expect(run.json?.progress).toMatchObject({resumed: true, resumable: false, status: 'done'});
  // Finished: no longer offered for resume.
  await expect(stat(path.join(c.out, 'in-progress.json'))).rejects.toThrow();
  expect((await readJsonFile(path.join(c.out, 'progress.json'))).status).toBe('done');
  expect(await landscapeView(c.home)).toEqual(clean);
  // Steps that finished before the fault are not repeated: preflight and the instance lookup are not in this run.
  expect(run.stderr).not.toContain('Checking the cf CLI, login, target');
}

describe('faults of the stand-in cf, then resume', () => {
  it.concurrent('cf hangs on create-service-key past its timeout: stopped within the timeout, resumed at the key', async () => {
    const c = await setUp('hang');
    const run = await apply(c.plan, c.home, {CF_SIM_FAULTS: JSON.stringify({'create-service-key': {type: 'hang'}}), CPI_MTLS_CF_TIMEOUT_MS: '4000'});
    // Writes get three times the read timeout: 12 s, then the process is stopped.
    expect(run.stderr).toContain('✖ cf create-service-key did not finish within 12 s and was stopped.');
    expect(run.stderr).toContain('Check your network connection to the Cloud Foundry API, then run again.');
    expect(run.ms).toBeLessThan(60_000);
    await expectStoppedAt(run, c, 'create-key', 'Creating the service key');
    expect((await landscapeView(c.home)).keys).toEqual([]); // the hung call created nothing

    const resumed = await apply(c.plan, c.home);
    await expectResumedToClean(resumed, c, 'Creating the service key');
    expect(writes(resumed)).toEqual(['create-service-key']);
  }, 120_000);

  it.concurrent('cf crashes (panic) on create-service: the crash is named, the resume creates the instance', async () => {
    const c = await setUp('crash');
    const run = await apply(c.plan, c.home, {CF_SIM_FAULTS: JSON.stringify({'create-service': {type: 'crash'}})});
    expect(run.stderr).toContain('✖ cf crashed (exit code 2): panic: runtime error');
    expect(run.stderr).toContain('Run the same cf command in a terminal to see its full output.');
    await expectStoppedAt(run, c, 'create-instance', 'Creating the service instance');
    expect((await landscapeView(c.home)).instances).toEqual([]);

    const resumed = await apply(c.plan, c.home);
    await expectResumedToClean(resumed, c, 'Creating the service instance');
    expect(writes(resumed)).toEqual(['create-service', 'create-service-key']);
  }, 120_000);

  it.concurrent('the login expires on create-service-key: "log in again"; a resume before the login changes nothing; after it, the run finishes', async () => {
    const c = await setUp('expire');
    const run = await apply(c.plan, c.home, {CF_SIM_FAULTS: JSON.stringify({'create-service-key': {type: 'expire-login'}})});
    expect(run.stderr).toContain('✖ The cf login has expired.');
    expect(run.stderr).toContain('Log in again: cf login -a https://api.cf.eu10.hana.ondemand.com');
    await expectStoppedAt(run, c, 'create-key', 'Creating the service key');

    // Fault gone, but the login is still expired: the resume stops before changing anything.
    const early = await apply(c.plan, c.home);
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain('✖ The cf login has expired.');
    expect(early.stderr).toContain('Nothing was changed; the unfinished run is kept in');
    expect(early.json).toMatchObject({outcome: 'not-started', error: {code: 'cf-token-expired'}, progress: {resumable: true, resumeStep: 'create-key'}});
    expect(early.json?.cfCalls).toBeUndefined();
    expect((await readJsonFile(path.join(c.out, 'progress.json'))).resumable).toBe(true);

    // The fix the message names, with the landscape's cf.
    const login = await execa(path.join(c.home, 'bin', 'cf'), ['login', '-a', 'https://api.cf.eu10.hana.ondemand.com', '-u', 'consultant@example.com', '-p', 'x', '-o', 'demo-customer', '-s', 'integration-dev'], {
      env: cleanEnv({CF_HOME: path.join(c.home, 'cf-home')}),
      extendEnv: false,
      reject: false,
    });
    expect(login.exitCode, login.stdout + login.stderr).toBe(0);

    const resumed = await apply(c.plan, c.home);
    await expectResumedToClean(resumed, c, 'Creating the service key');
    expect(writes(resumed)).toEqual(['create-service-key']);
  }, 120_000);

  it.concurrent('the broker fails create-service asynchronously: the broker\'s reason is shown; the resume replaces the failed instance', async () => {
    const c = await setUp('async-fail');
    const run = await apply(c.plan, c.home, {CF_SIM_FAULTS: JSON.stringify({'create-service': {type: 'async-fail', message: 'Quota exceeded for it-rt in this subaccount'}})});
    expect(run.stderr).toContain('✖ Creating service instance cpi-inbound-mtls failed: Quota exceeded for it-rt in this subaccount');
    expect(run.stderr).toContain('The service broker rejected the request');
    await expectStoppedAt(run, c, 'create-instance', 'Creating the service instance');
    // Cloud Foundry keeps the failed instance; it blocks the name until removed.
    expect((await landscapeView(c.home)).instances).toEqual([expect.objectContaining({name: 'cpi-inbound-mtls', operation: 'create failed'})]);

    const resumed = await apply(c.plan, c.home);
    await expectResumedToClean(resumed, c, 'Creating the service instance');
    expect(writes(resumed)).toEqual(['delete-service', 'create-service', 'create-service-key']);
  }, 120_000);

  it.concurrent('the broker rejects create-service-key (fault in the state file): named; the resume replaces the failed key', async () => {
    const c = await setUp('broker-error');
    // A dry run seeds the landscape and changes nothing; then the fault goes into its state.
    const dry = await apply(c.plan, c.home, {}, ['--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    await setStateFaults(c.home, {'create-service-key': {type: 'broker-error', message: 'The certificate chain was rejected by the broker', once: true}});

    const run = await apply(c.plan, c.home);
    expect(run.stderr).toContain('✖ The service broker rejected the request: The certificate chain was rejected by the broker');
    expect(run.stderr).toContain('Correct the parameters and run again.');
    await expectStoppedAt(run, c, 'create-key', 'Creating the service key');
    expect((await landscapeView(c.home)).keys).toEqual([expect.objectContaining({name: 's4hana-sender', operation: 'create failed'})]);
    // The `once` fault was used up: the state holds no fault for the resume.
    expect(JSON.parse(readFileSync(stateFile(c.home), 'utf8')).faults).toEqual({});

    const resumed = await apply(c.plan, c.home);
    await expectResumedToClean(resumed, c, 'Creating the service key');
    expect(writes(resumed)).toEqual(['delete-service-key', 'create-service-key']);
  }, 120_000);
});

/**
 * The network path from the sender to the tenant: forwards to the demo tenant's runtime (its
 * port is read from the landscape on each connection), or swallows connections without a word.
 */
async function startNetworkPath(home: string): Promise<{port: number; answer(on: boolean): void; close(): Promise<void>}> {
  let answering = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer(socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (!answering) return; // accepted, never answered: a tenant that hangs
    const runtime = new URL(JSON.parse(readFileSync(stateFile(home), 'utf8')).settings.runtimeUrl);
    const upstream = net.connect(Number(runtime.port), '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    answer: on => {
      answering = on;
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the tenant does not answer, then resume', () => {
  it.concurrent('the live test times out: cause and fix are named; the resumed run repeats only the live test', async () => {
    const name = 'tenant-silent';
    const home = path.join(dir, name);
    const network = await startNetworkPath(home);
    try {
      const c = await setUp(name, `https://127.0.0.1:${network.port}/http/demo/orders`);
      const run = await apply(c.plan, c.home, {CPI_MTLS_PROBE_TIMEOUT_MS: '1500'});
      expect(run.stderr).toContain('✖ The live test did not pass:');
      expect(run.stderr).toContain(`127.0.0.1:${network.port} did not complete the TLS handshake within 1500 ms.`);
      expect(run.stderr).toMatch(/→ Check host, port and the network path/);
      await expectStoppedAt(run, c, 'probe', 'Calling the endpoint with the client certificate');
      expect(run.json?.checklist.items.find((i: {title: string}) => i.title.startsWith('Live test')).status).toBe('failed');

      network.answer(true);
      const resumed = await apply(c.plan, c.home);
      await expectResumedToClean(resumed, c, 'Calling the endpoint with the client certificate');
      expect(writes(resumed)).toEqual([]); // instance and key are in place: only the live test ran
      expect(resumed.stderr).toContain('✔ Live test: HTTP 200');
      const checklist = JSON.parse(await readFile(path.join(c.out, 'checklist.json'), 'utf8'));
      expect(checklist.outcome).toBe('complete');
      expect(checklist.created.map((a: {kind: string; what: string}) => `${a.kind} ${a.what}`)).toEqual(['created service instance', 'created service key']);
    } finally {
      await network.close();
    }
  }, 120_000);
});
