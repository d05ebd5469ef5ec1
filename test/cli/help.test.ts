import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {CLI, ROOT} from '../helpers/pty.js';

const recorder = path.join(ROOT, 'test/helpers/record-imports.mjs');
const HEAVY = /node_modules\/(ink|react|node-forge|execa|yoga-layout)\//;

describe('cpi-mtls --help and --version', () => {
  it('answers --help without loading Ink, React, node-forge or execa', async () => {
    const result = await execa(process.execPath, ['--import', recorder, CLI, '--help'], {reject: false});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('cpi-mtls --demo');
    expect(result.stdout).toContain('Exit codes: 0 complete, 1 not complete (a step or check failed), 2 usage error or invalid plan,\n130 cancelled.');
    const imported = result.stderr.split('\n').filter(line => line.startsWith('[import] '));
    expect(imported.length).toBeGreaterThan(0); // the recorder works
    expect(imported.filter(line => HEAVY.test(line))).toEqual([]);
  });

  const commands = [[], ['apply'], ['setup'], ['--demo'], ['audit'], ['renew'], ['migrate-neo'], ['probe'], ['cert'], ['cert', 'inspect'], ['cert', 'new'], ['cert', 'p12'], ['export'], ['export', 'terraform']];
  it.each(commands.map(words => [words.join(' ') || '(top level)', words]))('%s --help shows at least two examples, without Ink', async (_name, words) => {
    const result = await execa(process.execPath, ['--import', recorder, CLI, ...words, '--help'], {reject: false});
    expect(result.exitCode).toBe(0);
    const after = result.stdout.split('Examples:\n')[1] ?? '';
    const examples = after.split('\n').map(line => line.trim()).filter(line => line.startsWith('cpi-mtls '));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(result.stderr.split('\n').filter(line => line.startsWith('[import] ') && HEAVY.test(line))).toEqual([]);
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(ROOT, 'package.json'), 'utf8'));
    const result = await execa(process.execPath, ['--import', recorder, CLI, '--version'], {reject: false});
    expect(result.stdout.trim()).toBe(pkg.version);
    expect(result.stderr.split('\n').filter(line => HEAVY.test(line))).toEqual([]);
  });

  it('refuses to run the wizard without a terminal and says how to run headless (exit 2)', async () => {
    const result = await execa(process.execPath, [CLI], {reject: false, input: ''});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cpi-mtls apply --plan');
  });

  it('rejects unknown options with exit 2', async () => {
    const result = await execa(process.execPath, [CLI, '--frobnicate'], {reject: false});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--help');
  });
});
