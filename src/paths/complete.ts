/** Tab completion of file and folder paths for the text fields that take one. */
import type {Dirent} from 'node:fs';
import {readdir, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface PathCompletion {
  /** The typed text, completed as far as the matches agree. */
  text: string;
  /** The names that still match when more than one does (folders end with a separator). */
  candidates: string[];
}

/** `~` and `~/…` stand for the home folder, as in a shell; `~user` is left alone. */
export function expandHome(typed: string): string {
  return /^~(?:$|[/\\])/.test(typed) ? os.homedir() + typed.slice(1) : typed;
}

/**
 * Completes the last part of `typed` from the folder it names. The typed text is kept as typed
 * (`~` stays `~`, relative stays relative); a folder gets the separator the user types, so
 * `C:/Users/` stays with forward slashes on Windows.
 */
export async function completePath(typed: string, cwd = process.cwd()): Promise<PathCompletion> {
  const windows = path.sep === '\\';
  const cut = Math.max(typed.lastIndexOf('/'), windows ? typed.lastIndexOf('\\') : -1) + 1;
  const folder = typed === '~' ? '~' + path.sep : typed.slice(0, cut);
  const start = typed === '~' ? '' : typed.slice(cut);
  const sep = cut > 0 ? typed[cut - 1]! : path.sep;
  let names: string[];
  try {
    const dir = path.resolve(cwd, expandHome(folder) || '.');
    const entries = await readdir(dir, {withFileTypes: true});
    // Hidden entries only when asked for, as shells do.
    const fold = (s: string) => (windows ? s.toLowerCase() : s);
    const matching = entries.filter(e => fold(e.name).startsWith(fold(start)) && (start.startsWith('.') || !e.name.startsWith('.')));
    // A link to a folder completes like the folder.
    const isFolder = async (e: Dirent) => e.isDirectory() || (e.isSymbolicLink() && (await stat(path.join(dir, e.name)).then(s => s.isDirectory(), () => false)));
    names = await Promise.all(matching.map(async e => e.name + ((await isFolder(e)) ? sep : '')));
  } catch {
    return {text: typed, candidates: []};
  }
  names.sort();
  if (names.length === 0) return {text: typed, candidates: []};
  const common = names.reduce((prefix, name) => {
    let i = 0;
    while (i < prefix.length && i < name.length && prefix[i] === name[i]) i++;
    return prefix.slice(0, i);
  });
  return {text: folder + (common.length >= start.length ? common : start), candidates: names.length > 1 ? names : []};
}
