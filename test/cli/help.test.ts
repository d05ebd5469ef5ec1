import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {inputsOf, outputName, outputOf, readBundleMeta, staticClosure} from '../helpers/bundle.js';
import {CLI, ROOT} from '../helpers/pty.js';

const recorder = path.join(ROOT, 'test/helpers/record-imports.mjs');
const HEAVY = /node_modules\/(ink|ink-[a-z-]+|react|react-reconciler|node-forge|execa|yaml|fflate|yoga-layout)\//;

/**
 * The packages bundled into the files a process resolved. The CLI is one esbuild bundle, so a
 * resolved file is a chunk: what it holds is in the metafile (dist/meta.json).
 */
function bundledIn(stderr: string): {files: string[]; inputs: string[]} {
  const urls = stderr.split('\n').filter(line => line.startsWith('[import] ')).map(line => line.slice(9).trim());
  const files = [...new Set(urls.filter(url => url.startsWith('file:')).map(outputName))];
  return {files, inputs: inputsOf(readBundleMeta(), files.filter(file => file.startsWith('dist/')))};
}

describe('cpi-mtls --help and --version', () => {
  it('answers --help without loading Ink, React, node-forge or execa', async () => {
    const result = await execa(process.execPath, ['--import', recorder, CLI, '--help'], {reject: false});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('cpi-mtls --demo');
    expect(result.stdout).toContain('Exit codes: 0 complete, 1 not complete (a step or check failed), 2 usage error or invalid plan,\n130 cancelled.');
    const {files, inputs} = bundledIn(result.stderr);
    expect(files).toContain('dist/bin/cpi-mtls.js'); // the recorder works
    expect(files.filter(file => HEAVY.test(file))).toEqual([]); // nothing from node_modules at run time
    expect(inputs).toContain('bin/cpi-mtls.ts');
    expect(inputs.filter(input => HEAVY.test(input) || input.startsWith('components/'))).toEqual([]);
  });

  it('keeps Ink and React in the chunks the wizard loads by dynamic import (so the check above can fail)', () => {
    const meta = readBundleMeta();
    const wizard = inputsOf(meta, staticClosure(meta, outputOf(meta, 'components/interactive.tsx')));
    expect(wizard.some(input => input.includes('node_modules/ink/'))).toBe(true);
    expect(wizard.some(input => input.includes('node_modules/react/'))).toBe(true);
    // The bin entry reaches it only by import(): its static closure holds none of it.
    const entry = inputsOf(meta, staticClosure(meta, 'dist/bin/cpi-mtls.js'));
    expect(entry.filter(input => HEAVY.test(input))).toEqual([]);
    expect(meta.outputs['dist/bin/cpi-mtls.js']!.imports.filter(i => i.kind === 'dynamic-import').map(i => i.path)).toContain(outputOf(meta, 'components/interactive.tsx'));
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
    const {files, inputs} = bundledIn(result.stderr);
    expect(files).toContain('dist/bin/cpi-mtls.js');
    expect([...files, ...inputs].filter(name => HEAVY.test(name))).toEqual([]);
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
