/**
 * Puts the stand-in `cf` into a directory so that anything that looks `cf` up on PATH (the
 * adapter, a user's shell in a workshop) finds it like the real binary.
 */
import {existsSync} from 'node:fs';
import {chmod, mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/**
 * The stand-in's entry point in the build, dist/demo/fake-cf.js: found by walking up from this
 * module, which runs from a bundle chunk (dist/chunks/) or, in tests, from the sources.
 */
export function fakeCfMainPath(): string {
  const entry = path.join('dist', 'demo', 'fake-cf.js');
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, entry)) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, entry);
}

/** Writes `cf` (Node script, mode 0755) and `cf.cmd` into binDir; returns the path of `cf`. */
export async function installFakeCf(binDir: string): Promise<string> {
  await mkdir(binDir, {recursive: true});
  const main = fakeCfMainPath();
  const script = path.join(binDir, 'cf');
  // Extensionless scripts load as CommonJS outside a package; dynamic import() works there too.
  await writeFile(script, `#!/usr/bin/env node\nimport(${JSON.stringify(pathToFileURL(main).href)});\n`, {mode: 0o755});
  await chmod(script, 0o755); // mode is masked by umask on creation
  await writeFile(path.join(binDir, 'cf.cmd'), `@"${process.execPath}" "${main}" %*\r\n`);
  return script;
}
