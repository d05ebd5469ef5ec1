import React from 'react';
import {Box, Text} from 'ink';

/** The product's name, with the demo scenario when one runs: the first words of every screen. */
export function Title({demo}: {demo?: string}): React.ReactElement {
  return (
    <Text>
      <Text bold color="cyan">
        cpi-mtls
      </Text>
      {demo ? <Text color="magenta"> [demo: {demo}]</Text> : null}
    </Text>
  );
}

interface Props {
  index: number;
  total: number;
  phase: string;
  option?: string;
  demo?: string;
}

export function Header({index, total, phase, option, demo}: Props): React.ReactElement {
  return (
    <Box marginBottom={1}>
      <Title demo={demo} />
      {option ? <Text dimColor> · {option}</Text> : null}
      <Text>
        {' '}
        · Step {index}/{total} · <Text bold>{phase}</Text>
      </Text>
    </Box>
  );
}
