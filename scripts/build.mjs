#!/usr/bin/env node
/**
 * `npm run build`: bundles the CLI with esbuild into dist/ (types are checked by
 * `npm run typecheck`, not here).
 *
 * Shipped (package.json "files"):
 *   dist/bin/cpi-mtls.js   the command; `--help` and `--version` load only this file and
 *                          esbuild's 2 KB helper chunk
 *   dist/demo/fake-cf.js   the demo's stand-in `cf`, a separate process per call
 *   dist/chunks/*.js       code shared by the two and loaded by dynamic import (the Ink UI, the
 *                          engine, node-forge, ...): split so that each path loads only its part
 * Not shipped:
 *   dist/bench/            `npm run bench` and its preloads; dist/tools/ the schema writer
 *   dist/meta.json         esbuild's metafile: which sources and packages each output holds
 *
 * Dependencies are bundled in: Node resolves one file per chunk instead of Ink's and React's
 * hundreds of modules, which is most of the wizard's start-up.
 */
import {readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import {startupPatches} from './startup-patches.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = performance.now();
// One line, finished when done: a cold start never looks hung.
process.stderr.write('Building cpi-mtls… ');

/**
 * `const {parse} = await import('yaml')`: for a CommonJS package, esbuild's split chunk exports
 * only `default`, while Node gives the named exports too. This puts a small ES module in between
 * that re-exports the names Node itself finds in the package, so code behaves the same bundled
 * and unbundled (tests run the sources).
 */
const cjsNamedExports = {
  name: 'cjs-named-exports',
  setup(build) {
    build.onResolve({filter: /^[^./]/}, async (args) => {
      if (args.kind !== 'dynamic-import' || args.path.startsWith('node:')) return undefined;
      const resolved = await build.resolve(args.path, {kind: 'import-statement', resolveDir: args.resolveDir});
      if (resolved.errors.length > 0 || !(await isCommonJs(resolved.path))) return undefined;
      return {path: args.path, namespace: 'cjs-named-exports', pluginData: {file: resolved.path, resolveDir: args.resolveDir}};
    });
    build.onLoad({filter: /.*/, namespace: 'cjs-named-exports'}, async (args) => {
      const names = Object.keys(await import(pathToFileURL(args.pluginData.file).href)).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
      const contents = [`import * as all from ${JSON.stringify(args.path)};`, 'export default all.default;', ...names.map((name) => `export const ${name} = all[${JSON.stringify(name)}];`)].join('\n');
      return {contents, loader: 'js', resolveDir: args.pluginData.resolveDir};
    });
  },
};

async function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs')) return false;
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const manifest = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined) return JSON.parse(manifest).type !== 'module';
  }
  return true;
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  legalComments: 'none',
  // Less text for Node to parse at start-up (about a quarter of the bytes). Names are kept, so
  // `--debug` stack traces still name the functions; their positions are columns on long lines.
  minifyWhitespace: true,
  minifySyntax: true,
};

try {
  // Stale outputs (an older layout, chunks of earlier builds) would otherwise be packed or run.
  await rm(dist, {recursive: true, force: true});
  const productBuild = build({
    ...common,
    entryPoints: {'bin/cpi-mtls': 'bin/cpi-mtls.ts', 'demo/fake-cf': 'src/demo/fakecf/main.ts'},
    outdir: dist,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS packages bundled into ESM call require() for Node built-ins; give them one.
    banner: {js: "import {createRequire as __cpiMtlsCreateRequire} from 'node:module';\nconst require = __cpiMtlsCreateRequire(import.meta.url);"},
    // React and Ink pick their production code paths; a user's NODE_ENV does not matter.
    define: {'process.env.NODE_ENV': '"production"'},
    // Ink imports react-devtools-core only with DEV=true; it is not a dependency.
    external: ['react-devtools-core'],
    plugins: [cjsNamedExports, startupPatches(root)],
    metafile: true,
  });
  // Separate from the product so that its chunks do not depend on what the bench imports;
  // packages stay in node_modules (dev-only, like @lydell/node-pty with its native addon).
  const devBuild = build({
    ...common,
    entryPoints: {
      'bench/run': 'bench/run.ts',
      'bench/cf-trace': 'bench/cf-trace.ts',
      'bench/record-imports': 'bench/record-imports.ts',
      'tools/schemas': 'src/schema/publish.ts',
    },
    outdir: dist,
    packages: 'external',
  });
  const [product] = await Promise.all([productBuild, devBuild]);
  await writeFile(path.join(dist, 'meta.json'), JSON.stringify(product.metafile));
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} catch (error) {
  process.stderr.write('failed\n');
  // esbuild has printed its diagnostics already.
  if (!error?.errors) process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
