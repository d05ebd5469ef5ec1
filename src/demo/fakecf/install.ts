/**
 * Puts the stand-in `cf` into a directory so that anything that looks `cf` up on PATH (the
 * adapter, a user's shell in a workshop) finds it like the real binary.
 */
import {existsSync} from 'node:fs';
import {chmod, mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/** The compiled entry point next to this module (dist/src/demo/fakecf/main.js). */
export function fakeCfMainPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'main.js');
  if (existsSync(sibling)) return sibling;
  // Loaded from the TypeScript sources (tests): use the compiled copy.
  return path.join(here, '..', '..', '..', 'dist', 'src', 'demo', 'fakecf', 'main.js');
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
