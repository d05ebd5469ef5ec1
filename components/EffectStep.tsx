import React, {useEffect, useState} from 'react';
import {Box, Text} from 'ink';
import {SHOW_ELAPSED_AFTER_S} from '../flows/common.js';
import {Spinner} from './Spinner.js';

/** A running step: what it does, with a spinner (and the elapsed time on a long wait); Esc goes back, Ctrl+C cancels. */
export function EffectStep({title, animate = true}: {title: string; animate?: boolean}): React.ReactElement {
  const [seconds, setSeconds] = useState(0);
  // Restarts with each step: App reuses this element from one running step to the next.
  useEffect(() => {
    const started = Date.now();
    setSeconds(0);
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [title]);
  return (
    <Box>
      <Spinner animate={animate} />
      <Text> {title}…{seconds > SHOW_ELAPSED_AFTER_S ? ` ${seconds}s` : ''}</Text>
    </Box>
  );
}
