import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {answer, initialState} from '../../flows/machine.js';
import {migrateNeoFlow, migrationNameProblems, type MigrateState, type MigrationPlan} from '../../flows/migrate-neo.js';
import {migrateChecklist} from '../../src/lifecycle/migrate.js';
import {exitCodeOfRun} from '../../src/runtime/command.js';
import {buildPki, type Pki} from '../certs/fixtures.js';
import {CLI} from '../helpers/pty.js';

const run = promisify(execFile);
let dir: string;
let pki: Pki;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-migrate-safety-'));
  pki = buildPki();
}, 60_000);
afterAll(async () => {
  pki?.cleanup();
  await rm(dir, {recursive: true, force: true});
});

function plan(instanceName: string, keyName = 'p0001-2027-01'): MigrationPlan {
  return {
    instances: [{roleKey: 'ESBMessaging.send', roles: ['ESBMessaging.send'], name: instanceName, exists: false, parameters: {}, keys: [{mappingId: 'm1', user: 'P0001', keyName, fingerprint256: 'AA', subject: 'CN=x', certificatePem: ''}]}],
    skipped: [],
    operations: [],
  };
}

describe('migrate-neo: names sent to cf', () => {
  it('a plan whose instance or key name starts with "-" has a problem naming the field', () => {
    expect(migrationNameProblems(plan('neo-esbmessaging'))).toEqual([]);
    expect(migrationNameProblems(plan('-rf'))).toEqual([{field: 'instanceNames["ESBMessaging.send"]', value: '-rf', problem: expect.stringContaining('starts with "-"')}]);
    expect(migrationNameProblems(plan('neo-esbmessaging', '--help'))[0]).toMatchObject({field: 'key of user P0001 (mapping m1)', value: '--help'});
  });

  it('the apply answer stops before any write on a bad name, as a usage error (exit 2)', () => {
    // A plan's instance name for a role set reaches the plan unchanged: the last look is at "apply".
    const state = {
      ...initialState(migrateNeoFlow, {outputDir: '/tmp/x', startedAt: '2026-01-01T00:00:00Z'}, {apply: true, instanceNames: {'ESBMessaging.send': '-rf'}, userRoles: {P0001: ['ESBMessaging.send']}}),
      step: 'review-plan',
      facts: {
        actions: [],
        mappings: [{id: 'm1', user: 'P0001', certificatePem: pki.read('leaf-client.crt'), validUntil: null}],
        validation: [{mappingId: 'm1', user: 'P0001', fingerprint256: 'AA', subject: 'CN=x', verdict: 'pass' as const, checks: [], movable: true, reasons: []}],
      },
    } as MigrateState;
    const outcome = answer(migrateNeoFlow, state, 'apply');
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.state.step).toBe('write-outputs');
    expect(outcome.state.error).toMatchObject({code: 'usage', message: expect.stringContaining('instanceNames["ESBMessaging.send"] "-rf"')});
    const failed = {...outcome.state, status: 'failed' as const};
    expect(exitCodeOfRun(migrateChecklist(failed, []).outcome, failed.error)).toBe(2);
  });

  it('a plan file with such a name exits 2 naming the field, before the landscape is touched', async () => {
    const planFile = path.join(dir, 'plan.yaml');
    await writeFile(planFile, 'instanceNames:\n  ESBMessaging.send: "-rf"\napply: true\n');
    const result = await run(process.execPath, [CLI, 'migrate-neo', '--demo', '--plan', planFile, '--json'], {env: {...process.env, CPI_MTLS_DEMO_HOME: path.join(dir, 'landscape')}}).then(
      r => ({code: 0, stderr: r.stderr}),
      (e: {code: number; stderr: string}) => ({code: e.code, stderr: e.stderr}),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('instanceNames["ESBMessaging.send"] "-rf": "-rf" starts with "-"');
  }, 60_000);
});
