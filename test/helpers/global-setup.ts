import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

// Process-level tests (fake cf, the built CLI in a pty) run the bundled JavaScript, so build once
// before any test (esbuild: about a second). Type errors are reported by `npm run typecheck`.
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], {cwd: root, stdio: 'pipe'});
  } catch (error) {
    const stderr = (error as {stderr?: Buffer}).stderr?.toString() ?? '';
    throw new Error(`npm run build failed:\n${stderr || (error as Error).message}`);
  }
  if (!existsSync(path.join(root, 'dist/bin/cpi-mtls.js'))) throw new Error('build failed: dist/bin/cpi-mtls.js is missing; run npm run build to see why');
}
