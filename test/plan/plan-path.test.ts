import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadPlan, planPath} from '../../src/plan.js';

// A path the wizard takes with `~` must mean the same in a plan (headless runs decide alike).
describe('paths in plans', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-plan-path-'));
  });
  afterAll(() => rm(dir, {recursive: true, force: true}));

  it('~ is the home folder; other relative paths are relative to the plan', () => {
    expect(planPath(dir, '~/certs/a.pem')).toBe(path.join(os.homedir(), 'certs', 'a.pem'));
    expect(planPath(dir, 'certs/a.pem')).toBe(path.join(dir, 'certs', 'a.pem'));
    expect(planPath(dir, '~not-home.pem')).toBe(path.join(dir, '~not-home.pem'));
  });

  it('a setup plan resolves the certificate file the same way', async () => {
    const file = path.join(dir, 'plan.yaml');
    await writeFile(file, 'instance: {name: cpi-inbound}\ncertificate: {source: external, file: ~/certs/sender.pem}\nkey: {name: sender-2027}\n');
    const {answers} = await loadPlan(file);
    expect(answers.certificatePath).toBe(path.join(os.homedir(), 'certs', 'sender.pem'));
  });
});
