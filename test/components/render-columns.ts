import {EventEmitter} from 'node:events';
import type {ReactElement} from 'react';
import {render} from 'ink';

/**
 * Renders a live Ink tree (hooks and effects run) into a fake terminal of the given width;
 * ink-testing-library's stdout is fixed at 100 columns.
 */
export function renderAtColumns(tree: ReactElement, columns: number) {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows: 45,
    isTTY: true,
    write(frame: string) {
      frames.push(frame);
      return true;
    },
  });
  const stdin = Object.assign(new EventEmitter(), {isTTY: true, setRawMode: () => undefined, setEncoding: () => undefined, read: () => null, ref: () => undefined, unref: () => undefined, resume: () => undefined, pause: () => undefined});
  const instance = render(tree, {stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false});
  return {
    lastFrame: () => frames.at(-1) ?? '',
    frames,
    /** Simulates the terminal being resized. */
    resize(nextColumns: number) {
      stdout.columns = nextColumns;
      stdout.emit('resize');
    },
    unmount: () => instance.unmount(),
  };
}
