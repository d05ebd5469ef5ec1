import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {builtinModules} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {packageOf, readBundleMeta} from '../helpers/bundle.js';

// What `npm install cpi-mtls` brings: the esbuild bundle (the command, the demo's stand-in cf and
// their chunks, dependencies included), the JSON Schema files and the README; no tests, no
// TypeScript sources, no bench or build tools. Runs on the build the global test setup makes.

const root = fileURLToPath(new URL('../..', import.meta.url));

function packedFiles(): string[] {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})) as Array<{files: Array<{path: string}>}>;
  return pack.files.map(f => f.path);
}

// Loaded only with DEV=true (Ink's React DevTools bridge) or optional inside a try (ws): none is
// a dependency, and a normal run never reaches them.
const OPTIONAL = new Set(['react-devtools-core', 'bufferutil', 'utf-8-validate']);

/** Bare specifiers a built file still imports or requires at run time. */
function bareImports(text: string): string[] {
  // A specifier has no spaces or punctuation of code: minified text such as `"from",x=>…"` is no import.
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|require\s*\(\s*|\bcreateRequire\w*\(import\.meta\.url\)\(\s*)(["'])([^"'\s,;=(){}]+)\1/g;
  return [...text.matchAll(pattern)].map(match => match[2]!).filter(specifier => !/^(\.|\/|file:|data:)/.test(specifier));
}

describe('npm package contents', () => {
  it('holds what a user runs and nothing else', () => {
    const files = packedFiles();
    for (const expected of ['dist/bin/cpi-mtls.js', 'dist/demo/fake-cf.js', 'schema/plan.schema.json', 'README.md', 'package.json']) expect(files).toContain(expected);
    // Exactly the product build's outputs: no bench, no schema writer, no metafile, no leftovers.
    expect(files.filter(f => f.startsWith('dist/')).sort()).toEqual(Object.keys(readBundleMeta().outputs).sort());
    expect(files.filter(f => f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('scripts/') || /\.tsx?$/.test(f))).toEqual([]);
  }, 60_000);

  it('bundles no dev-only package and imports at run time only Node and its dependencies', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {dependencies: Record<string, string>};
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {packages: Record<string, {dev?: boolean}>};
    // "dev": true in the lockfile: installed only for development, never for a user.
    const devOnly = new Set(Object.entries(lock.packages).filter(([, p]) => p.dev).map(([key]) => packageOf(key + '/')!));
    const meta = readBundleMeta();
    const bundled = new Set(Object.values(meta.outputs).flatMap(o => Object.keys(o.inputs)).map(packageOf).filter(name => name !== undefined));
    expect(bundled).toContain('ink'); // the check reads real inputs
    expect([...bundled].filter(name => devOnly.has(name))).toEqual([]);

    const builtins = new Set(builtinModules);
    const allowed = (specifier: string) => specifier.startsWith('node:') || builtins.has(specifier) || specifier in pkg.dependencies || OPTIONAL.has(specifier);
    const offending: string[] = [];
    let seen = 0;
    for (const file of packedFiles().filter(f => f.endsWith('.js'))) {
      for (const specifier of bareImports(readFileSync(path.join(root, file), 'utf8'))) {
        seen++;
        if (!allowed(specifier)) offending.push(`${file}: ${specifier}`);
      }
    }
    expect(seen).toBeGreaterThan(0); // the scan finds imports at all (node:fs, …)
    expect(offending).toEqual([]);
    // The metafile's own list of what stayed external agrees.
    const external = Object.values(meta.outputs).flatMap(o => o.imports.filter(i => i.external).map(i => i.path));
    expect(external.filter(specifier => !allowed(specifier))).toEqual([]);
  }, 60_000);
});
