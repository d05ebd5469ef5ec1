import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {auditSchema} from '../../src/schema/audit.js';
import {checklistSchema} from '../../src/schema/checklist.js';
import {liveTestSchema} from '../../src/schema/live-test.js';
import {validate} from '../../src/schema/problems.js';
import type {z} from 'zod';
import {CLI} from '../helpers/pty.js';

// The documents the tool writes are typed from their schemas (published in schema/); these
// tests parse the files a demo run writes with them.

describe('what a demo run writes parses with the schemas', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-documents-'));
  });
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
  });
  const env = (home: string) => {
    const e: NodeJS.ProcessEnv = {...process.env, CPI_MTLS_DEMO_HOME: home};
    delete e.CI;
    return e;
  };
  const parsed = async (schema: z.ZodType, file: string) => validate(schema, JSON.parse(await readFile(file, 'utf8')));

  it('checklist.json and live-test.json of a setup', async () => {
    const home = path.join(dir, 'land');
    const out = path.join(dir, 'out');
    const plan = path.join(dir, 'plan.yaml');
    await writeFile(
      plan,
      `option: role-based\ninstance: {name: cpi-inbound-mtls}\ncertificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}\nkey: {name: s4hana-sender}\nliveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem}\noutput: ${out}\n`,
    );
    const run = await execa(process.execPath, [CLI, 'apply', '--plan', plan, '--demo', '--json'], {reject: false, stdin: 'ignore', env: env(home)});
    expect(run.exitCode, run.stderr).toBe(0);
    const files = JSON.parse(run.stdout).checklist.files as Record<string, string>;
    // The checklist names its files relative to the run's folder (the output folder or one in it).
    const folders = [out, ...(await readdir(out, {withFileTypes: true})).filter(e => e.isDirectory()).map(e => path.join(out, e.name))];
    const resolve = async (file: string) => {
      for (const folder of folders) if (await stat(path.resolve(folder, file)).then(() => true, () => false)) return path.resolve(folder, file);
      return file;
    };
    expect(await parsed(checklistSchema, await resolve(files.checklistJson))).toEqual([]);
    expect(await parsed(liveTestSchema, await resolve(files.probe))).toEqual([]);
  }, 120_000);

  it('audit.json', async () => {
    const home = path.join(dir, 'land-audit');
    const out = path.join(dir, 'audit-out');
    const run = await execa(process.execPath, [CLI, 'audit', '--demo', '--out', out], {reject: false, stdin: 'ignore', env: env(home)});
    expect([0, 1], run.stderr).toContain(run.exitCode);
    expect(await parsed(auditSchema, path.join(out, 'audit.json'))).toEqual([]);
  }, 120_000);
});
