/**
 * What the esbuild bundle holds, from the metafile scripts/build.mjs writes to dist/meta.json:
 * which sources and packages went into each output file, and which files load which.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {ROOT} from './pty.js';

export interface BundleMeta {
  outputs: Record<string, {entryPoint?: string; inputs: Record<string, unknown>; imports: Array<{path: string; kind: string; external?: boolean}>}>;
}

export function readBundleMeta(): BundleMeta {
  return JSON.parse(readFileSync(path.join(ROOT, 'dist/meta.json'), 'utf8')) as BundleMeta;
}

/** Output path as the metafile names it (`dist/chunks/x.js`) for a file URL or absolute path. */
export function outputName(fileOrUrl: string): string {
  const file = fileOrUrl.startsWith('file:') ? new URL(fileOrUrl).pathname : fileOrUrl;
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/** The output built from a source entry (a bin entry or a dynamically imported module). */
export function outputOf(meta: BundleMeta, source: string): string {
  const found = Object.entries(meta.outputs).find(([, output]) => output.entryPoint === source);
  if (!found) throw new Error(`no output with entry point ${source} in dist/meta.json`);
  return found[0];
}

/** An output and every output it imports statically: what loading it loads. */
export function staticClosure(meta: BundleMeta, output: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of meta.outputs[name]?.imports ?? []) if (dep.kind === 'import-statement' && !dep.external) visit(dep.path);
  };
  visit(output);
  return [...seen];
}

/** The source files and package files bundled into the given outputs. */
export function inputsOf(meta: BundleMeta, outputs: string[]): string[] {
  return outputs.flatMap(name => {
    const output = meta.outputs[name];
    if (!output) throw new Error(`${name} is not an output of the build (dist/meta.json)`);
    return Object.keys(output.inputs);
  });
}

/** Package name of a bundled input such as `node_modules/@scope/pkg/dist/x.js` (innermost). */
export function packageOf(input: string): string | undefined {
  return /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}
