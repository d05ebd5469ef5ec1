import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

// Process-level tests (fake cf, the built CLI in a pty) run the compiled JavaScript, so compile
// once before any test. Type errors are reported by `npm run typecheck`, not here.
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {cwd: root, stdio: 'pipe'});
  } catch {
    // tsc still emits on type errors; only a missing entry point is fatal.
  }
  if (!existsSync(path.join(root, 'dist/bin/cpi-mtls.js'))) throw new Error('build failed: dist/bin/cpi-mtls.js is missing; run npm run build to see why');
}
