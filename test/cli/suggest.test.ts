import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {closest, editDistance} from '../../bin/suggest.js';
import {findResumable, POINTER_FILE, PROGRESS_FILE, targetKey} from '../../src/engine/progress.js';
import {CLI} from '../helpers/pty.js';

const cli = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [CLI, ...args], {reject: false, stdin: 'ignore', env: {...process.env, ...env}});

describe('did you mean', () => {
  it('finds the closest word within two edits, and nothing for a word far from every candidate', () => {
    expect(editDistance('aply', 'apply')).toBe(1);
    expect(closest('aply', ['apply', 'audit', 'renew'])).toBe('apply');
    expect(closest('migrate', ['migrate-neo', 'renew'])).toBeUndefined();
    expect(closest('xyzzy', ['apply', 'audit'])).toBeUndefined();
  });

  it.each([
    [['aply', '--plan', 'p.yaml'], 'Did you mean: cpi-mtls apply?'],
    [['audt'], 'Did you mean: cpi-mtls audit?'],
    [['--ot', 'x'], 'Did you mean --out?'],
    [['cert', 'inspct', 'x.pem'], 'Did you mean: cpi-mtls cert inspect?'],
    [['--demo', 'reset', 'hapy'], 'Did you mean: cpi-mtls --demo reset happy?'],
  ])('%j exits 2 with "✖ what happened / → what to do"', async (args, hint) => {
    const result = await cli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^✖ /);
    expect(result.stderr).toContain(`→ ${hint}`);
  });

  it('cpi-mtls cert --help shows the certificate commands with examples (exit 0)', async () => {
    const result = await cli(['cert', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('cpi-mtls cert inspect s4hana-sender.chain.pem');
  });
});

describe('cpi-mtls --demo reset --all', () => {
  it('restores every scenario at once', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-reset-all-'));
    try {
      await mkdir(path.join(home, 'cf-home'), {recursive: true});
      await writeFile(path.join(home, 'landscape.json'), '{}');
      const result = await cli(['--demo', 'reset', '--all'], {CPI_MTLS_DEMO_HOME: home});
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/All \d+ demo landscapes restored/);
      await expect(stat(home)).rejects.toThrow();
    } finally {
      await rm(home, {recursive: true, force: true});
    }
  });

  it('forgets the scenario\'s unfinished runs, so the next group is not offered a stale resume', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-reset-runs-'));
    const home = path.join(dir, 'demo-home');
    const pointerDir = path.join(dir, 'cpi-mtls-output');
    const target = targetKey({demo: {scenario: 'happy', home}});
    const progressFile = path.join(pointerDir, 'run-1', PROGRESS_FILE);
    try {
      await mkdir(path.dirname(progressFile), {recursive: true});
      await mkdir(home);
      const savedAt = new Date().toISOString();
      await writeFile(progressFile, JSON.stringify({format: 'cpi-mtls-progress', version: 1, flow: 'setup', target, startedAt: savedAt, savedAt, status: 'cancelled', resumable: true, resumeStep: 'key-name', hadCertificatePassword: false, current: {step: 'key-name', status: 'waiting'}, state: {step: 'key-name'}}));
      await writeFile(path.join(pointerDir, POINTER_FILE), JSON.stringify({format: 'cpi-mtls-in-progress', version: 1, runs: [{target, progressFile, outputDir: path.dirname(progressFile), savedAt, resumeStep: 'key-name', status: 'cancelled'}]}));
      const lookup = () => findResumable({pointerDir, target, planHash: null, flow: 'setup'});
      expect(await lookup()).not.toBeNull(); // the fixture is a resumable run

      const result = await execa(process.execPath, [CLI, '--demo', 'reset', 'happy'], {reject: false, stdin: 'ignore', cwd: dir, env: {...process.env, CPI_MTLS_DEMO_HOME: home}});
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain('1 unfinished run(s) will not be offered for resume');
      await expect(stat(path.join(pointerDir, POINTER_FILE))).rejects.toThrow();
      expect(JSON.parse(await readFile(progressFile, 'utf8'))).toMatchObject({status: 'abandoned', resumable: false});
      expect(await lookup()).toBeNull();
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});
