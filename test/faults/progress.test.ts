import {mkdtemp, readFile, readdir, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {initialState} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {FlowState} from '../../flows/types.js';
import {deriveResume, findResumable, markAbandoned, planHash, ProgressRecorder, repeatSafeExecutor, resumedState, targetKey, withoutSecrets} from '../../src/engine/progress.js';
import {CfError} from '../../src/cf/errors.js';
import type {CfPort} from '../../src/ports.js';

// The progress file's rules without a landscape: what is saved, where a run resumes, and when
// a repeated create first removes a failed leftover.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-progress-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

function state(patch: Partial<FlowState> = {}, answers: FlowState['answers'] = {}): FlowState {
  return {...initialState(setupFlow, {outputDir: dir, startedAt: '2026-11-27T00:00:00.000Z'}, {instanceName: 'cpi-inbound-mtls', keyName: 's4hana-sender', ...answers}), ...patch};
}

const memory = () => ({cleanedUp: false, probeStart: null as FlowState | null});
const failure = {code: 'cf-broker', message: 'The service broker rejected the request: no', fix: ['Correct it'], step: 'create-key'};

describe('what is saved', () => {
  it('drops the PKCS#12 password and nothing else', () => {
    const s = state({}, {certificatePath: '/x.p12', certificatePassword: 'hunter2'});
    const saved = withoutSecrets(s);
    expect(saved.answers).not.toHaveProperty('certificatePassword');
    expect(saved.answers.certificatePath).toBe('/x.p12');
    expect(JSON.stringify(saved)).not.toContain('hunter2');
  });

  it('hashes plan answers independent of key order and of the password', () => {
    expect(planHash({instanceName: 'a', keyName: 'b'})).toBe(planHash({keyName: 'b', instanceName: 'a', certificatePassword: 'x'}));
    expect(planHash({instanceName: 'a', keyName: 'b'})).not.toBe(planHash({instanceName: 'a', keyName: 'c'}));
  });

  it('tells landscapes apart by demo folder or cf binary and CF_HOME', () => {
    expect(targetKey({demo: {scenario: 'happy', home: '/a'}})).not.toBe(targetKey({demo: {scenario: 'happy', home: '/b'}}));
    expect(targetKey({cfBinary: 'cf', cfHome: '/h1'})).not.toBe(targetKey({cfBinary: 'cf', cfHome: '/h2'}));
  });
});

describe('where a run resumes', () => {
  it('at the running step, or the unanswered question after Ctrl+C', () => {
    expect(deriveResume(setupFlow, state({step: 'create-key'}), memory())).toMatchObject({status: 'running', resume: {step: 'create-key'}});
    expect(deriveResume(setupFlow, state({step: 'key-name', status: 'cancelled'}), memory())).toMatchObject({status: 'cancelled', resume: {step: 'key-name', status: 'running'}});
  });

  it('at the failed step, all along the failure path to the end', () => {
    for (const step of ['step-failed', 'offer-cleanup', 'write-outputs'] as const) {
      const derived = deriveResume(setupFlow, state({step, error: failure}), memory());
      expect(derived).toMatchObject({status: 'stopped', resume: {step: 'create-key', status: 'running'}, reason: {code: 'cf-broker'}});
      expect(derived.resume?.error).toBeUndefined();
    }
    expect(deriveResume(setupFlow, state({step: 'done', status: 'failed', error: failure}), memory())).toMatchObject({status: 'stopped', resume: {step: 'create-key'}});
  });

  it('not after a clean finish, a verdict, or once cleanup removed what the run created', () => {
    expect(deriveResume(setupFlow, state({step: 'done', status: 'done'}), memory())).toMatchObject({status: 'done', resume: null});
    const verdict = {code: 'certificate-rejected', message: 'Stopped', fix: []};
    expect(deriveResume(setupFlow, state({step: 'done', status: 'failed', error: verdict}), memory())).toMatchObject({status: 'failed', resume: null});
    expect(deriveResume(setupFlow, state({step: 'done', status: 'failed', error: failure}), {cleanedUp: true, probeStart: null})).toMatchObject({status: 'failed', resume: null});
  });

  it('at the live test when it did not pass', () => {
    const probeStart = state({step: 'probe'});
    const probe = {url: 'https://x', outcome: 'timeout', success: false, summary: 'no answer', causes: [], fix: ['Check the network'], docs: [], raw: null};
    const end = state({step: 'done', status: 'failed', facts: {actions: [], probe}});
    expect(deriveResume(setupFlow, end, {cleanedUp: false, probeStart})).toMatchObject({status: 'stopped', resume: {step: 'probe'}, reason: {code: 'live-test-failed', fix: ['Check the network']}});
  });
});

describe('progress and pointer files', () => {
  it('writes 0600 files, points to resumable runs only, and finds them by target and plan', async () => {
    const root = path.join(dir, 'root');
    const out = path.join(root, 'run-1');
    const recorder = new ProgressRecorder({flow: setupFlow, outputDir: out, pointerDir: root, target: 'demo:t', planHash: 'h1'});
    recorder.record(state({step: 'create-key'}, {certificatePassword: 'hunter2'}));
    expect((await stat(recorder.file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'in-progress.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(recorder.file, 'utf8')).not.toContain('hunter2');
    expect(recorder.last).toMatchObject({hadCertificatePassword: true, resumeStep: 'create-key'});

    expect(await findResumable({pointerDir: root, target: 'demo:t', planHash: 'h1', flow: 'setup'})).toMatchObject({file: recorder.file});
    expect(await findResumable({pointerDir: root, target: 'demo:t', planHash: 'h2', flow: 'setup'})).toBeNull();
    expect(await findResumable({pointerDir: root, target: 'demo:other', planHash: null, flow: 'setup'})).toBeNull();
    const candidate = (await findResumable({pointerDir: root, target: 'demo:t', planHash: null, flow: 'setup'}))!;
    expect(resumedState(candidate, {certificatePassword: 'from-plan'}).answers.certificatePassword).toBe('from-plan');

    recorder.record(state({step: 'done', status: 'done'}));
    expect(await findResumable({pointerDir: root, target: 'demo:t', planHash: null, flow: 'setup'})).toBeNull();
    await expect(stat(path.join(root, 'in-progress.json'))).rejects.toThrow();
    expect(JSON.parse(await readFile(recorder.file, 'utf8'))).toMatchObject({status: 'done', resumable: false, state: null});
    // No temporary files are left behind.
    expect((await readdir(out)).filter(f => f.endsWith('.tmp'))).toEqual([]);
  });

  it('sets a run aside when a new one is chosen instead', async () => {
    const root = path.join(dir, 'root-2');
    const recorder = new ProgressRecorder({flow: setupFlow, outputDir: path.join(root, 'run'), pointerDir: root, target: 'demo:t'});
    recorder.record(state({step: 'key-name', status: 'cancelled'}));
    expect(await findResumable({pointerDir: root, target: 'demo:t', planHash: null, flow: 'setup'})).not.toBeNull();
    await markAbandoned(recorder.file, root);
    expect(await findResumable({pointerDir: root, target: 'demo:t', planHash: null, flow: 'setup'})).toBeNull();
    expect(JSON.parse(await readFile(recorder.file, 'utf8'))).toMatchObject({status: 'abandoned', resumable: false});
  });
});

describe('repeating a create', () => {
  function fakeCf(key: {state: string} | null) {
    const calls: string[] = [];
    const cf = {
      findInstance: async (name: string) => (calls.push(`find ${name}`), {guid: 'i1', name, lastOperation: {type: 'create', state: 'succeeded', description: ''}}),
      listKeys: async () => (calls.push('list keys'), key ? [{guid: 'k1', name: 's4hana-sender', instanceGuid: 'i1', lastOperation: {type: 'create', state: key.state, description: ''}}] : []),
      deleteKey: async (instance: string, name: string) => (calls.push(`delete ${instance}/${name}`), {existed: true}),
      deleteInstance: async (name: string) => (calls.push(`delete ${name}`), {existed: true}),
    } as unknown as CfPort;
    return {cf, calls};
  }
  const effect = {type: 'create-key', instanceName: 'cpi-inbound-mtls', keyName: 's4hana-sender'};
  const signal = new AbortController().signal;

  it('removes a key whose creation failed before trying again, but only after this run tried', async () => {
    const {cf, calls} = fakeCf({state: 'failed'});
    let attempts = 0;
    const execute = repeatSafeExecutor(async () => {
      attempts += 1;
      if (attempts === 1) throw new CfError('broker', 'The service broker rejected the request: no');
      return 'ok';
    }, cf);
    await expect(execute(effect, state(), signal)).rejects.toThrow('rejected');
    expect(calls).toEqual([]); // the first attempt touches nothing
    await expect(execute(effect, state(), signal)).resolves.toBe('ok');
    expect(calls).toEqual(['find cpi-inbound-mtls', 'list keys', 'delete cpi-inbound-mtls/s4hana-sender']);
  });

  it('keeps a key that was created (or that was refused as "name taken")', async () => {
    const ok = fakeCf({state: 'succeeded'});
    const resumed = {resumeStep: 'create-key', state: state({step: 'create-key'}), reason: undefined} as never;
    await repeatSafeExecutor(async () => 'ok', ok.cf, resumed)(effect, state(), signal);
    expect(ok.calls.filter(c => c.startsWith('delete'))).toEqual([]);

    const taken = fakeCf({state: 'failed'});
    const refused = {resumeStep: 'create-key', state: state({step: 'create-key'}), reason: {code: 'key-name-taken', message: '', fix: []}} as never;
    await repeatSafeExecutor(async () => 'ok', taken.cf, refused)(effect, state(), signal);
    expect(taken.calls).toEqual([]);
  });
});
