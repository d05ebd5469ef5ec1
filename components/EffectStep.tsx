import React from 'react';
import {Box, Text} from 'ink';
import {Spinner} from './Spinner.js';

/** A running step: what it does, with a spinner; Esc goes back, Ctrl+C cancels. */
export function EffectStep({title, animate = true}: {title: string; animate?: boolean}): React.ReactElement {
  return (
    <Box>
      <Spinner animate={animate} />
      <Text> {title}…</Text>
    </Box>
  );
}
