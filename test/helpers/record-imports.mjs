// Preloaded with --import: records every module URL the process resolves, on stderr, so a test
// can prove that --help never loads Ink, React or node-forge.
import {register} from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process.stderr.write('[import] ' + result.url + '\\n');
  return result;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
