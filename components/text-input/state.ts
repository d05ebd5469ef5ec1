/** The one-line editor: a pure reducer from Ink's key events to the text and its cursor. */
import type {Key} from 'ink';

export interface LineState {
  value: string;
  /** Index into value; the cursor stands before this character. */
  cursor: number;
}

/**
 * Words for Ctrl+W, Alt+B and Alt+F end at spaces and path separators, like readline's
 * unix-filename-rubout: Ctrl+W on `/home/me/cert.pem` leaves `/home/me/`.
 */
const BOUNDARY = /[\s/\\]/;

function wordStart(value: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && BOUNDARY.test(value[i - 1]!)) i--;
  while (i > 0 && !BOUNDARY.test(value[i - 1]!)) i--;
  return i;
}

function wordEnd(value: string, cursor: number): number {
  let i = cursor;
  while (i < value.length && BOUNDARY.test(value[i]!)) i++;
  while (i < value.length && !BOUNDARY.test(value[i]!)) i++;
  return i;
}

/** Removes value[from, to) and puts the cursor where the cut was. */
const cut = ({value}: LineState, from: number, to: number): LineState => ({value: value.slice(0, from) + value.slice(to), cursor: from});

/**
 * Ink splits its input only at escape sequences: keys typed faster than a read, or a paste,
 * arrive as one chunk, control characters included. Each is applied in turn; line breaks are
 * dropped (a copied path often ends with one, and Enter stays a key of its own).
 */
function typeChunk(state: LineState, chunk: string): LineState {
  let s = state;
  for (const c of chunk) {
    const code = c.charCodeAt(0);
    if (c === '\x7f' || c === '\b') s = editLine(s, '', {backspace: true});
    else if (code < 32) s = c === '\r' || c === '\n' || c === '\t' ? s : editLine(s, String.fromCharCode(code + 96), {ctrl: true});
    else s = {value: s.value.slice(0, s.cursor) + c + s.value.slice(s.cursor), cursor: s.cursor + c.length};
  }
  return s;
}

/** The state after one key event; keys the editor does not own (Enter, Tab, Esc, ↑↓) leave it as is. */
export function editLine(state: LineState, input: string, key: Partial<Key>): LineState {
  const {value, cursor} = state;
  const to = (at: number): LineState => ({value, cursor: at});
  // Ink 6 reports the Backspace key (0x7f) as `delete`, and Delete (ESC [3~) the same: both delete left.
  if (key.backspace || key.delete) return key.meta ? cut(state, wordStart(value, cursor), cursor) : cursor > 0 ? cut(state, cursor - 1, cursor) : state;
  if (key.leftArrow) return to(key.ctrl || key.meta ? wordStart(value, cursor) : Math.max(0, cursor - 1));
  if (key.rightArrow) return to(key.ctrl || key.meta ? wordEnd(value, cursor) : Math.min(value.length, cursor + 1));
  if (key.home) return to(0);
  if (key.end) return to(value.length);
  if (key.ctrl) {
    switch (input) {
      case 'a': return to(0);
      case 'e': return to(value.length);
      case 'b': return to(Math.max(0, cursor - 1));
      case 'f': return to(Math.min(value.length, cursor + 1));
      case 'd': return cut(state, cursor, Math.min(value.length, cursor + 1));
      case 'u': return cut(state, 0, cursor);
      case 'k': return cut(state, cursor, value.length);
      case 'w': return cut(state, wordStart(value, cursor), cursor);
      default: return state;
    }
  }
  if (key.meta) {
    if (input === 'b') return to(wordStart(value, cursor));
    if (input === 'f') return to(wordEnd(value, cursor));
    if (input === 'd') return cut(state, cursor, wordEnd(value, cursor));
    return state;
  }
  return input ? typeChunk(state, input) : state;
}
