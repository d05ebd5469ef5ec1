import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {migrateNeoPlanSchema} from '../../src/schema/migrate-neo-plan.js';
import {validate} from '../../src/schema/problems.js';
import {renewPlanSchema} from '../../src/schema/renew-plan.js';
import {CLI} from '../helpers/pty.js';

// Renewal and migration plans are parsed with their schemas: a wrong field stops the command
// with exit 2 and its path, before anything is read from or written to the landscape.

const lines = (schema: Parameters<typeof validate>[0], raw: unknown) => validate(schema, raw).map(p => `${p.path}: ${p.message}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-plans-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('renewal plan schema', () => {
  it('names wrong and unknown fields by path', () => {
    expect(lines(renewPlanSchema, {instanceName: 3, oldKeyNmae: 'x', certificateSource: 'csr', sapKey: {validityDays: 0}, liveTest: {run: 'yes', method: 'PUT'}, deleteOld: 1})).toEqual(
      expect.arrayContaining([
        'instanceName: expected a string, got 3',
        expect.stringMatching(/^oldKeyNmae: unknown field; expected one of instanceName, oldKeyName, /),
        'certificateSource: expected "external" or "sap-generated"',
        'sapKey.validityDays: expected a whole number of days from 1 to 365',
        'liveTest.run: expected true or false, got "yes"',
        'liveTest.method: expected GET or POST',
        'deleteOld: expected true or false, got 1',
      ]),
    );
    expect(lines(renewPlanSchema, [])).toEqual(['(root): expected a mapping with fields such as instanceName, oldKeyName, certificatePath']);
  });

  it('fills the defaults the flow expects', () => {
    expect(renewPlanSchema.parse({certificateSource: 'sap-generated', sapKey: {}, liveTest: {path: '/http/x'}})).toEqual({certificateSource: 'sap-generated', sapKey: {validityDays: 365, keyLength: 2048}, liveTest: {run: false, path: '/http/x'}});
  });

  it('cpi-mtls renew --plan exits 2 naming the field', async () => {
    const plan = path.join(dir, 'renew.yaml');
    await writeFile(plan, 'instanceName: cpi-inbound-mtls\noldKeyName: s4hana-sender-expiring\nliveTest: {run: yes-please}\ncertificateFile: new.pem\n');
    const run = await execa(process.execPath, [CLI, 'renew', '--plan', plan, '--json'], {reject: false, stdin: 'ignore', env: {...process.env, CPI_MTLS_DEMO_HOME: path.join(dir, 'never')}});
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('is not a valid renewal plan (2 problems)');
    expect(run.stderr).toContain('liveTest.run: expected true or false, got "yes-please"');
    expect(run.stderr).toContain('certificateFile: unknown field');
  }, 60_000);
});

describe('migration plan schema', () => {
  it('names wrong and unknown fields by path, map keys quoted', () => {
    expect(lines(migrateNeoPlanSchema, {source: 'neo', userRoles: {P0001: 'ESBMessaging.send', P0002: ['a', 2]}, instanceNames: {'ESBMessaging.send': 7}, apply: 'yes', rolesfile: 'x'})).toEqual(
      expect.arrayContaining([
        'source: expected "api" (the Neo API) or "file" (an export of the mappings)',
        'userRoles.P0001: expected a list of role names, got "ESBMessaging.send"',
        'userRoles.P0002[1]: expected a string, got 2',
        'instanceNames["ESBMessaging.send"]: expected a string, got 7',
        'apply: expected true or false, got "yes"',
        expect.stringMatching(/^rolesfile: unknown field; expected one of source, neoUrl, /),
      ]),
    );
  });

  it('cpi-mtls migrate-neo --plan exits 2 naming the field', async () => {
    const plan = path.join(dir, 'migrate.yaml');
    await writeFile(plan, 'userRoles:\n  P0001: ESBMessaging.send\napply: true\n');
    const run = await execa(process.execPath, [CLI, 'migrate-neo', '--plan', plan, '--json'], {reject: false, stdin: 'ignore', env: {...process.env, CPI_MTLS_DEMO_HOME: path.join(dir, 'never')}});
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('userRoles.P0001: expected a list of role names');
  }, 60_000);
});
