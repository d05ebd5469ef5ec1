/**
 * Preloaded with `node --import dist/bench/record-imports.js`: prints every module URL the
 * process resolves on stderr as `[import] <url>`, so the benchmark can show which modules
 * `--help` and `--version` load (and that Ink, React and node-forge are not among them).
 */
import {register} from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process.stderr.write('[import] ' + result.url + '\\n');
  return result;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
