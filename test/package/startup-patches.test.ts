/**
 * The bundle's start-up patches (scripts/startup-patches.mjs) change how fast Ink's dependencies
 * start, not what they compute: each patched package is bundled with and without the patch and
 * both are run on the same inputs.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {build, type Plugin} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
// @ts-expect-error a build script without type declarations
import {STARTUP_PATCHES, startupPatches} from '../../scripts/startup-patches.mjs';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'startup-patches-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** `source` bundled into one ES module file, with or without the patches. */
async function bundle(name: string, source: string, patched: boolean): Promise<string> {
  const file = path.join(dir, `${name}-${patched ? 'patched' : 'original'}.mjs`);
  const patches = (STARTUP_PATCHES as Array<{file: string}>).filter(patch => patch.file.includes(`/${name}/`));
  expect(patches).toHaveLength(1);
  const plugins: Plugin[] = patched ? [startupPatches(root, patches) as Plugin] : [];
  const result = await build({stdin: {contents: source, resolveDir: root}, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent', plugins});
  await writeFile(file, result.outputFiles[0]!.text);
  return file;
}

describe('string-width with the RGI_Emoji pre-check', () => {
  const patch = (STARTUP_PATCHES as Array<{file: string; to: string}>).find(p => p.file.includes('/string-width/'))!;
  const preCheck = new RegExp(/\/(\[[^\]]+\])\/u/.exec(patch.to)![1]!, 'u');
  // A RegExp object: the v flag is newer than the type check's target; Node 20 has it.
  const rgiEmoji = new RegExp('^\\p{RGI_Emoji}$', 'v');
  const regional = Array.from({length: 26}, (_, i) => String.fromCodePoint(0x1f1e6 + i));
  const codePoints = (from: number, to: number) => Array.from({length: to - from}, (_, i) => String.fromCodePoint(from + i)).filter(text => !/\p{Cs}/u.test(text));
  /** Every kind of RGI emoji sequence (UTS #51), built from all code points that can start one. */
  const sequences = (singles: string[]) => [
    ...singles.filter(text => /\p{Emoji}/u.test(text)).map(text => text + '\uFE0F'), // ✔️ ⚠️
    ...singles.filter(text => /\p{Emoji_Modifier_Base}/u.test(text)).flatMap(base => ['\u{1F3FB}', '\u{1F3FF}'].map(tone => base + tone)),
    ...'#*0123456789'.split('').flatMap(key => [key + '\uFE0F\u20E3', key + '\u20E3']), // keycaps
    ...regional.flatMap(a => regional.map(b => a + b)), // flags
    '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', // England (tag sequence)
    '👩‍👩‍👧‍👦', '🏳️‍🌈', '❤️‍🔥', '👁️‍🗨️', '🧑🏽‍💻', '⛹️‍♀️', '⛹‍♀', '🏃‍♂️',
  ];

  it('skips only clusters that are no RGI emoji', () => {
    const all = codePoints(0, 0x110000);
    const skippedEmoji = [...all, ...sequences(all)].filter(text => rgiEmoji.test(text) && !preCheck.test(text));
    expect(skippedEmoji).toEqual([]);
    expect(all.filter(text => rgiEmoji.test(text)).length).toBeGreaterThan(1000);
  }, 60_000);

  it('measures text as the package does', async () => {
    type Width = (text: string) => number;
    const original = (await import(await bundle('string-width', "export {default} from 'string-width';", false))).default as Width;
    const patched = (await import(await bundle('string-width', "export {default} from 'string-width';", true))).default as Width;
    // The blocks with symbols, arrows, box drawing, dingbats, CJK starts and the emoji planes.
    const singles = [...codePoints(0xa0, 0x3100), ...codePoints(0xfe00, 0xff00), ...codePoints(0x1f000, 0x1fb00)];
    const samples = [...singles, ...sequences(singles), '✔ done', '⚠ expires 2027-12-03', '❯ Option 1', 'e\u0301', '日本語', '한국어', 'ｶﾞ'];
    expect(samples.filter(text => patched(text) !== original(text))).toEqual([]);
    expect(samples.filter(text => original(text) === 2 && rgiEmoji.test(text)).length).toBeGreaterThan(1000);
  }, 60_000);
});

describe('yoga-layout without fetch for its embedded WebAssembly', () => {
  async function layout(patched: boolean): Promise<{width: number; height: number; undici: boolean}> {
    const file = await bundle('yoga-layout', [
      "import Yoga from 'yoga-layout';",
      'const node = Yoga.Node.create();',
      'const child = Yoga.Node.create();',
      'child.setWidth(37); child.setHeight(5);',
      'node.setFlexDirection(Yoga.FLEX_DIRECTION_ROW); node.setPadding(Yoga.EDGE_ALL, 2); node.insertChild(child, 0);',
      'node.calculateLayout(undefined, undefined, Yoga.DIRECTION_LTR);',
      "const undici = process.moduleLoadList.some(name => name.includes('undici'));",
      'process.stdout.write(JSON.stringify({width: node.getComputedWidth(), height: node.getComputedHeight(), undici}));',
    ].join('\n'), patched);
    const {stdout} = await promisify(execFile)(process.execPath, [file]);
    return JSON.parse(stdout) as {width: number; height: number; undici: boolean};
  }

  it('computes the same layout and does not load Node fetch (undici)', async () => {
    const [original, patched] = await Promise.all([layout(false), layout(true)]);
    expect(patched).toEqual({width: 41, height: 9, undici: false});
    expect(original).toEqual({width: 41, height: 9, undici: true});
  }, 60_000);
});
