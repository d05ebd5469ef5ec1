import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

// What `npm install cpi-mtls` brings: the built CLI, the demo landscape (workshop mode), the
// JSON Schema files and the README; no tests, no TypeScript sources, no bench code (it imports
// a dev-only package). Runs on the build the global test setup makes.

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm package contents', () => {
  it('holds what a user runs and nothing else', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})) as Array<{files: Array<{path: string}>}>;
    const files = pack.files.map(f => f.path);
    for (const expected of ['dist/bin/cpi-mtls.js', 'dist/src/demo/landscape.js', 'dist/src/demo/fakecf/install.js', 'dist/src/demo/tenant.js', 'schema/plan.schema.json', 'README.md', 'package.json']) expect(files).toContain(expected);
    expect(files.filter(f => f.startsWith('dist/bench/') || f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('scripts/') || /\.tsx?$/.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
  }, 60_000);
});
