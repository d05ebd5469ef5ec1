/** "Did you mean …?" for mistyped commands and options: the closest known word within two edits. */

/** Levenshtein distance, small strings only. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

export function closest(word: string, known: readonly string[]): string | undefined {
  const ranked = known.map(candidate => ({candidate, distance: editDistance(word.toLowerCase(), candidate.toLowerCase())})).sort((x, y) => x.distance - y.distance);
  const best = ranked[0];
  return best && best.distance <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) ? best.candidate : undefined;
}

/** One error style for the command line: what happened, then what to do. */
export function usageError(what: string, todo: string): string {
  return `✖ ${what}\n  → ${todo}\n`;
}
