import {readdir, readFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {publishedSchemas} from '../../src/schema/publish.js';

// schema/*.schema.json are generated from the zod schemas (npm run schema); regenerating them
// must give the committed files, so they cannot go stale.

const dir = new URL('../../schema/', import.meta.url);

describe('published JSON Schema files', () => {
  it('are what npm run schema generates from src/schema/', async () => {
    const generated = publishedSchemas();
    expect((await readdir(dir)).filter(name => name.endsWith('.schema.json')).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, text] of Object.entries(generated)) expect(await readFile(new URL(name, dir), 'utf8'), `schema/${name} is stale: run npm run schema`).toBe(text);
  });

  it('plan.schema.json is a draft-07 schema that rejects unknown fields and lists the choices', async () => {
    const schema = JSON.parse(await readFile(new URL('plan.schema.json', dir), 'utf8'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['instance', 'certificate']);
    expect(schema.properties.certificate.properties.source.enum).toEqual(['external', 'sap-generated', 'new-csr']);
    expect(schema.properties.instance.required).toEqual(['name']);
  });
});
