import {describe, expect, it} from 'vitest';
import {editLine, type LineState} from '../../components/text-input/state.js';

// The editor's reducer, key by key, with the events Ink 6 produces for each key.
const at = (text: string): LineState => ({value: text.replace('|', ''), cursor: text.indexOf('|')});
const show = ({value, cursor}: LineState) => value.slice(0, cursor) + '|' + value.slice(cursor);
const edit = (text: string, input: string, key: Parameters<typeof editLine>[2] = {}) => show(editLine(at(text), input, key));

describe('editLine', () => {
  it('types at the cursor, one key or a whole paste', () => {
    expect(edit('ab|', 'c')).toBe('abc|');
    expect(edit('a|c', 'b')).toBe('ab|c');
    expect(edit('|', '/home/me/certs/s4hana-sender.chain.pem')).toBe('/home/me/certs/s4hana-sender.chain.pem|');
  });

  it('drops the line breaks of a pasted path', () => {
    expect(edit('|', '/tmp/a.pem\n')).toBe('/tmp/a.pem|');
    expect(edit('|', '/tmp/a.pem\r\n')).toBe('/tmp/a.pem|');
  });

  it('applies control keys inside one chunk in order (fast typing)', () => {
    expect(edit('|', 'abc\x7f\x7fd')).toBe('ad|');
    expect(edit('x|', 'yz\x01\x0b')).toBe('|');
    expect(edit('/a/b|', '\x17c\x05')).toBe('/a/c|');
  });

  it('deletes left with Backspace, reported as backspace or (Ink 6, 0x7f) as delete', () => {
    expect(edit('ab|c', '', {backspace: true})).toBe('a|c');
    expect(edit('ab|c', '', {delete: true})).toBe('a|c');
    expect(edit('|abc', '', {delete: true})).toBe('|abc');
  });

  it('moves with ←→, Home/End, Ctrl+A/E and Ctrl+B/F, within the text', () => {
    expect(edit('ab|c', '', {leftArrow: true})).toBe('a|bc');
    expect(edit('|abc', '', {leftArrow: true})).toBe('|abc');
    expect(edit('ab|c', '', {rightArrow: true})).toBe('abc|');
    expect(edit('abc|', '', {rightArrow: true})).toBe('abc|');
    expect(edit('ab|c', '', {home: true})).toBe('|abc');
    expect(edit('a|bc', '', {end: true})).toBe('abc|');
    expect(edit('ab|c', 'a', {ctrl: true})).toBe('|abc');
    expect(edit('a|bc', 'e', {ctrl: true})).toBe('abc|');
    expect(edit('ab|c', 'b', {ctrl: true})).toBe('a|bc');
    expect(edit('ab|c', 'f', {ctrl: true})).toBe('abc|');
  });

  it('cuts to the start (Ctrl+U), to the end (Ctrl+K) and the character under the cursor (Ctrl+D)', () => {
    expect(edit('/tmp/|a.pem', 'u', {ctrl: true})).toBe('|a.pem');
    expect(edit('/tmp/|a.pem', 'k', {ctrl: true})).toBe('/tmp/|');
    expect(edit('ab|c', 'd', {ctrl: true})).toBe('ab|');
  });

  it('deletes the word before the cursor with Ctrl+W and Alt+Backspace; path separators end words', () => {
    expect(edit('/home/me/cert.pem|', 'w', {ctrl: true})).toBe('/home/me/|');
    expect(edit('/home/me/|', 'w', {ctrl: true})).toBe('/home/|');
    expect(edit('C:\\Users\\me|', 'w', {ctrl: true})).toBe('C:\\Users\\|');
    expect(edit('two words|', 'w', {ctrl: true})).toBe('two |');
    expect(edit('/home/me|/x', '', {delete: true, meta: true})).toBe('/home/|/x');
    expect(edit('|abc', 'w', {ctrl: true})).toBe('|abc');
  });

  it('moves by word with Alt+B/F and Ctrl/Alt+←→, and deletes the next word with Alt+D', () => {
    expect(edit('/home/me/cert.pem|', 'b', {meta: true})).toBe('/home/me/|cert.pem');
    expect(edit('/home/|me/cert.pem', 'b', {meta: true})).toBe('/|home/me/cert.pem');
    expect(edit('/home/|me/cert.pem', 'f', {meta: true})).toBe('/home/me|/cert.pem');
    expect(edit('/home/me|/cert.pem', 'f', {meta: true})).toBe('/home/me/cert.pem|');
    expect(edit('/home/me|', '', {leftArrow: true, ctrl: true})).toBe('/home/|me');
    expect(edit('|/home/me', '', {rightArrow: true, meta: true})).toBe('/home|/me');
    expect(edit('/home|/me/x', 'd', {meta: true})).toBe('/home|/x');
  });

  it('leaves the text to keys it does not own: Enter, Tab, Esc, ↑↓, Ctrl+C, other Alt keys', () => {
    const state = at('ab|c');
    for (const [input, key] of [['', {return: true}], ['', {tab: true}], ['', {escape: true, meta: true}], ['', {upArrow: true}], ['', {downArrow: true}], ['c', {ctrl: true}], ['x', {meta: true}]] as const) {
      expect(editLine(state, input, key)).toBe(state);
    }
  });
});
