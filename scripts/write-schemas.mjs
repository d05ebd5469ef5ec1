// npm run schema: writes schema/*.schema.json from the zod schemas in src/schema/ (built to dist
// first). test/schema/published.test.ts fails when the committed files differ from these.
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {publishedSchemas} from '../dist/tools/schemas.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema');
await mkdir(dir, {recursive: true});
for (const [name, text] of Object.entries(publishedSchemas())) {
  await writeFile(path.join(dir, name), text);
  console.log(`schema/${name}`);
}
