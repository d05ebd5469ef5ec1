import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {goto} from '../../flows/machine.js';
import type {FlowState} from '../../flows/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), {recursive: true, withFileTypes: true});
  return entries.filter(e => e.isFile() && /\.tsx?$/.test(e.name)).map(e => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Every import of a module: static (minus `import type`), re-exports, and dynamic import(). */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue; // `import type …` / `export type …` is erased at build time
    const names = m[3].replace(/^\{|\}$/g, '').split(',').map(n => n.trim()).filter(Boolean);
    if (m[3].startsWith('{') && names.length > 0 && names.every(n => n.startsWith('type '))) continue;
    found.push(m[4]);
  }
  for (const m of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1]);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]);
  return found;
}

describe('module boundaries', () => {
  it('nothing in src/ imports a view from components/ (bin/ hands the renderer to the runtime)', async () => {
    const offenders: string[] = [];
    for (const file of await sources('src')) {
      const source = await readFile(path.join(ROOT, file), 'utf8');
      for (const m of source.matchAll(/(?:from\s*|import\(\s*)['"]((?:\.\.\/)+components\/[^'"]*)['"]/g)) offenders.push(`${file}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('flows/ imports nothing at runtime from src/, components/, react, ink or node: (type-only imports are fine)', async () => {
    const offenders: string[] = [];
    const files = await sources('flows');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = await readFile(path.join(ROOT, file), 'utf8');
      for (const specifier of runtimeImports(source)) {
        const local = specifier.startsWith('.');
        const target = local ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)) : specifier;
        const allowed = local ? target.startsWith('flows' + path.sep) || target.startsWith('flows/') : !/^(node:|react$|react\/|ink$|ink-)/.test(specifier) && !/^(fs|path|os|crypto|child_process|util|url|stream)$/.test(specifier);
        if (!allowed) offenders.push(`${file}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no double cast (`as unknown as`) papers over a type mismatch between modules', async () => {
    const offenders: string[] = [];
    for (const dir of ['src', 'flows', 'components', 'bin']) {
      for (const file of await sources(dir)) {
        const source = await readFile(path.join(ROOT, file), 'utf8');
        source.split('\n').forEach((line, index) => {
          if (/\bas unknown as\b/.test(line)) offenders.push(`${file}:${index + 1}`);
        });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('a step id that no step of the flow has is a type error', async () => {
    // The flows' step ids are literal unions: `npm run typecheck` fails if this line compiles.
    const jump = (state: FlowState) =>
      // @ts-expect-error 'no-such-step' is not a setup step
      goto(state, 'no-such-step');
    expect(typeof jump).toBe('function');
    const {setupFlow} = await import('../../flows/setup.js');
    const {renewFlow} = await import('../../flows/renew.js');
    const {migrateNeoFlow} = await import('../../flows/migrate-neo.js');
    for (const flow of [setupFlow, renewFlow, migrateNeoFlow]) {
      for (const [id, step] of Object.entries(flow.steps)) expect(step?.id).toBe(id);
    }
  });

  it('the import reader sees through type-only imports but not through value imports', () => {
    expect(runtimeImports("import type {A} from '../src/a.js';\nimport {type B} from '../src/b.js';")).toEqual([]);
    expect(runtimeImports("import {c} from '../src/c.js';\nconst d = await import('ink');\nexport {e} from 'node:fs';")).toEqual(['../src/c.js', 'node:fs', 'ink']);
  });
});
