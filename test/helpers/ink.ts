import type {ReactElement} from 'react';
import {render} from 'ink-testing-library';

export const KEY = {enter: '\r', esc: '\u001B', up: '\u001B[A', down: '\u001B[B', backspace: '\u007F', tab: '\t', ctrlC: '\u0003'} as const;

/** One turn of the event loop: Ink attaches new input handlers in a passive effect. */
export const settle = () => new Promise<void>(resolve => setImmediate(resolve));

export function renderUi(tree: ReactElement) {
  const ui = render(tree);
  const matches = (m: string | RegExp) => {
    const frame = ui.lastFrame() ?? '';
    return typeof m === 'string' ? frame.includes(m) : m.test(frame);
  };
  const waitForFrame = async (m: string | RegExp, timeoutMs = 3000) => {
    const start = Date.now();
    while (!matches(m)) {
      if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${String(m)}\n--- last frame ---\n${ui.lastFrame()}`);
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    await settle();
  };
  /** Writes a key and waits until the frame reflects it (or briefly, for keys that change nothing), or shows `thenFrame`. */
  const press = async (key: string, thenFrame?: string | RegExp) => {
    const before = ui.lastFrame();
    ui.stdin.write(key);
    const start = Date.now();
    while (ui.lastFrame() === before && Date.now() - start < 100) await new Promise(resolve => setTimeout(resolve, 2));
    // Ink re-subscribes input handlers in a passive effect after the commit.
    await settle();
    await settle();
    if (thenFrame) await waitForFrame(thenFrame);
  };
  return {...ui, waitForFrame, press};
}
