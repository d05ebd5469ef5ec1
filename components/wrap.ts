/**
 * Text layout for the terminal: word wrapping, and which panel lines may go inside a border.
 * Pure (no Ink), so the tests use it directly.
 */
import wrapAnsi from 'wrap-ansi';

const width = (text: string) => Array.from(text).length;

/** Word-wraps to `columns`; a word longer than the line (a path, a fingerprint) stays whole. */
export function wrapWords(text: string, columns: number): string[] {
  if (columns <= 0) return [text];
  return wrapAnsi(text, columns, {hard: false, trim: true}).split('\n');
}

/**
 * Splits a bordered panel's lines: those whose every word fits the box's inner width go inside;
 * a line holding a longer token (JSON, a SHA-256 fingerprint, a path, a URL) goes below the box,
 * unbroken, because a border or a break inside the token makes it impossible to copy.
 */
export function splitBoxed(lines: string[], inner: number): {boxed: string[]; raw: string[]} {
  const fits = (line: string) => line.split(/\s+/).every(word => width(word) <= inner);
  return {boxed: lines.filter(fits), raw: lines.filter(line => !fits(line))};
}
