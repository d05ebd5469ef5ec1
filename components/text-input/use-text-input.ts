import {useRef, useState} from 'react';
import {useInput, useStdin} from 'ink';
import type {PathCompletion} from '../../src/paths/complete.js';
import {editLine, type LineState} from './state.js';

/**
 * Key handling of a text field. Every key is applied to the latest state, kept in a ref: several
 * keys can arrive between two renders, and a closure over the rendered state would drop all but
 * one of them. Enter submits; Tab asks `complete` about the text before the cursor.
 */
export function useTextInput(options: {initial: string; isActive: boolean; onSubmit: (value: string) => void; complete?: (typed: string) => Promise<PathCompletion>}): {line: LineState; candidates: string[]} {
  const {isRawModeSupported} = useStdin();
  const [view, setView] = useState(() => ({line: {value: options.initial, cursor: options.initial.length}, candidates: [] as string[]}));
  const latest = useRef(view.line);
  const show = (line: LineState, candidates: string[] = []) => {
    latest.current = line;
    setView({line, candidates});
  };
  useInput(
    (input, key) => {
      if (key.return) return options.onSubmit(latest.current.value);
      const next = editLine(latest.current, input, key);
      if (next !== latest.current) show(next);
      // Tab can also end a chunk of fast typing ("s4⇥").
      if (!options.complete || !(key.tab || input.endsWith('\t'))) return;
      const line = latest.current;
      void options.complete(line.value.slice(0, line.cursor)).then(({text, candidates}) => {
        // A key pressed while the folder was read wins over the completion.
        if (latest.current === line) show({value: text + line.value.slice(line.cursor), cursor: text.length}, candidates);
      });
    },
    {isActive: Boolean(isRawModeSupported) && options.isActive},
  );
  return view;
}
