import React, {useEffect, useState} from 'react';
import {Box, Text} from 'ink';
import {SHOW_ELAPSED_AFTER_S} from '../flows/common.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A running step: what it does, with a spinner (and the elapsed time on a long wait); Esc goes back, Ctrl+C cancels. */
export function EffectStep({title, animate = true}: {title: string; animate?: boolean}): React.ReactElement {
  const [frame, setFrame] = useState(0);
  // Restarts with each step: App reuses this element from one running step to the next.
  const [started, setStarted] = useState(() => ({title, at: Date.now()}));
  if (started.title !== title) setStarted({title, at: Date.now()});
  useEffect(() => {
    if (!animate) return undefined;
    const timer = setInterval(() => setFrame(f => (f + 1) % FRAMES.length), 100);
    return () => clearInterval(timer);
  }, [animate]);
  // The spinner's tick redraws the elapsed time too: one timer only.
  const seconds = Math.floor((Date.now() - started.at) / 1000);
  return (
    <Box>
      <Text color="cyan">{FRAMES[frame]}</Text>
      <Text>
        {' '}
        {title}…{seconds > SHOW_ELAPSED_AFTER_S ? ` ${seconds}s` : ''}
      </Text>
    </Box>
  );
}
