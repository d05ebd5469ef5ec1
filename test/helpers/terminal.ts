import xterm from '@xterm/headless';

/**
 * A real terminal emulator (xterm.js) fed with what the CLI writes: what stays in the scrollback
 * and on the screen after a run, as a consultant scrolls back through it.
 */
export function emulator(cols: number, rows: number) {
  const term = new xterm.Terminal({cols, rows, scrollback: 10_000, allowProposedApi: true});
  let pending = Promise.resolve();
  const write = (data: string) => {
    pending = pending.then(() => new Promise<void>(resolve => term.write(data, resolve)));
  };
  const lines = (from: number, to: number) => {
    const buffer = term.buffer.active;
    return Array.from({length: Math.max(0, to - from)}, (_, i) => buffer.getLine(from + i)?.translateToString(true) ?? '');
  };
  return {
    write,
    /** Every line of the scrollback and the screen, once all writes are parsed. */
    async buffer(): Promise<string[]> {
      await pending;
      return lines(0, term.buffer.active.length);
    },
    /** The rows on screen, once all writes are parsed. */
    async screen(): Promise<string[]> {
      await pending;
      return lines(term.buffer.active.baseY, term.buffer.active.baseY + rows);
    },
  };
}
