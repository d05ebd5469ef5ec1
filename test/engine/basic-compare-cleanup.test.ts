/**
 * The Basic-auth comparison creates a ClientId/Secret key on the instance: a secret that must not
 * outlive the comparison, also when the run is cancelled in the middle (Ctrl+C). The real effect
 * executor, the real cf adapter and the stand-in cf, and a real TLS server that never answers.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {initialState} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {Effect} from '../../flows/types.js';
import {createCfAdapter} from '../../src/cf/adapter.js';
import {createEffectExecutor} from '../../src/engine/effects.js';
import {createEngineServices} from '../../src/engine/services.js';
import {isCancellation} from '../../src/errors.js';
import {makeLandscape, type Landscape} from '../fakecf/fixture.js';
import {createTestPki, type TestPki} from '../probe/pki.js';
import {startSilentTls, type Running} from '../probe/servers.js';

let pki: TestPki;
let silent: Running;
let tmp: string;
const landscapes: Landscape[] = [];

beforeAll(async () => {
  pki = createTestPki();
  silent = await startSilentTls(pki.server.keyPem, pki.server.certPem);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-basic-cleanup-'));
  await writeFile(path.join(tmp, 'client.pem'), pki.client.certPem + pki.intermediate.certPem);
  await writeFile(path.join(tmp, 'client.key'), pki.client.keyPem);
});

afterAll(async () => {
  await silent?.close();
  await Promise.all(landscapes.map(l => l.dispose()));
  await rm(tmp, {recursive: true, force: true});
});

async function compareAndCancel(faults?: Record<string, unknown>) {
  const landscape = await makeLandscape({instances: [{name: 'cpi-inbound', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']}}]});
  landscapes.push(landscape);
  const env: Record<string, string> = {CF_HOME: landscape.home, ...(faults ? {CF_SIM_FAULTS: JSON.stringify(faults)} : {})};
  const cf = createCfAdapter({binary: landscape.cf, env, pollIntervalMs: 10, defaultTimeoutMs: 20_000});
  const leftovers: string[] = [];
  const execute = createEffectExecutor(createEngineServices({cf, outputDir: tmp, extraServerCaPems: [pki.root.certPem], leftovers}));
  const state = initialState(setupFlow, {outputDir: tmp, startedAt: new Date().toISOString()});
  const effect: Effect = {
    type: 'basic-compare',
    instanceName: 'cpi-inbound',
    url: `https://127.0.0.1:${silent.port}/http/orders`,
    method: 'POST',
    certificatePath: path.join(tmp, 'client.pem'),
    privateKeyPath: path.join(tmp, 'client.key'),
  };
  const controller = new AbortController();
  const temporaryKeys = () => landscape.state().keys.filter(k => k.name.startsWith('cpi-mtls-basic-check-'));
  const running = execute(effect, state, controller.signal);
  // Ctrl+C once the temporary key exists and the call waits for the silent server.
  for (let i = 0; i < 400 && temporaryKeys().length === 0; i++) await new Promise(resolve => setTimeout(resolve, 25));
  expect(temporaryKeys()).toHaveLength(1);
  controller.abort(new Error('cancelled'));
  const error = await running.then(
    () => null,
    (e: unknown) => e,
  );
  return {error, leftovers, temporaryKeys};
}

describe('the Basic comparison after Ctrl+C', () => {
  it('deletes its temporary ClientId/Secret key under its own bound, then reports the cancellation', async () => {
    const {error, leftovers, temporaryKeys} = await compareAndCancel();
    expect(isCancellation(error) || (error as Error)?.message === 'cancelled').toBe(true);
    expect(temporaryKeys()).toEqual([]);
    expect(leftovers).toEqual([]);
  }, 60_000);

  it('names the exact delete command when the key cannot be removed', async () => {
    const {leftovers, temporaryKeys} = await compareAndCancel({'delete-service-key': {type: 'broker-error', message: 'Deletion refused'}});
    expect(temporaryKeys()).toHaveLength(1);
    expect(leftovers).toEqual([`cf delete-service-key cpi-inbound ${temporaryKeys()[0].name} -f`]);
  }, 60_000);
});
