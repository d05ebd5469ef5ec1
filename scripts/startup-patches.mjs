/**
 * Two dependency lines that cost the wizard's first frame about 70 ms of CPU, replaced at bundle
 * time with code that gives the same results. Each replacement must match exactly once, so an
 * upgrade that changes the line fails the build instead of silently dropping the change.
 * - yoga-layout (Ink's layout engine) loads its WebAssembly from an embedded base64 `data:` URL
 *   through `fetch` whenever `fetch` exists: on Node that loads undici (~25 ms) to decode a
 *   string. Emscripten's own decoder, used where fetch is absent, now handles `data:` URLs.
 * - string-width (Ink's text measuring) tests every non-ASCII cluster against `\p{RGI_Emoji}`,
 *   whose first use compiles a set of ~3,600 sequences (~50 ms). Every RGI emoji holds a
 *   character with Emoji_Presentation, U+FE0F or U+20E3 (UTS #51 ED-20..ED-27); a cluster
 *   without one skips the test, so ✔ ✖ ⚠ → and box drawing never pay for it.
 * `test/package/startup-patches.test.ts` compares both with the unpatched packages.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';

export const STARTUP_PATCHES = [
  {
    file: 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js',
    from: 'function ya(){return w||"function"!=typeof fetch?',
    to: 'function ya(){return w||ua(H)||"function"!=typeof fetch?',
  },
  {
    file: 'node_modules/string-width/index.js',
    from: 'if (rgiEmojiRegex.test(segment) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
    to: 'if ((/[\\p{Emoji_Presentation}\\uFE0F\\u20E3]/u.test(segment) && rgiEmojiRegex.test(segment)) || isDoubleWidthNonRgiEmojiSequence(segment)) {',
  },
];

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The esbuild plugin; `root` is the folder holding node_modules. The build fails unless each of
 * `patches` was applied (tests bundle one package at a time).
 */
export function startupPatches(root, patches = STARTUP_PATCHES) {
  return {
    name: 'startup-patches',
    setup(build) {
      const applied = new Set();
      for (const patch of patches) {
        const filter = new RegExp(`${patch.file.split('/').map(escapeRegExp).join('[\\\\/]')}$`);
        build.onLoad({filter}, async (args) => {
          // Only this file (the copy Ink uses), not other versions nested below other packages;
          // path.relative also copes with Windows' separators and drive-letter case.
          if (path.relative(root, args.path).split(path.sep).join('/') !== patch.file) return undefined;
          const source = await readFile(args.path, 'utf8');
          if (source.split(patch.from).length !== 2) throw new Error(`${args.path}: the line to replace was not found exactly once (dependency changed?): ${patch.from}`);
          applied.add(patch);
          return {contents: source.replace(patch.from, () => patch.to), loader: 'js'};
        });
      }
      build.onEnd((result) => {
        if (result.errors.length > 0) return undefined;
        const missing = patches.filter((patch) => !applied.has(patch));
        return missing.length > 0 ? {errors: missing.map((patch) => ({text: `start-up patch not applied: no bundled file is ${patch.file}`}))} : undefined;
      });
    },
  };
}
