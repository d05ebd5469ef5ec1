import React from 'react';
import {Box, Text} from 'ink';

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
      <Text bold color="cyan">
        cpi-mtls
      </Text>
      {demo ? <Text color="magenta"> [demo: {demo}]</Text> : null}
      {option ? <Text dimColor> · {option}</Text> : null}
      <Text>
        {' '}
        · Step {index}/{total} · <Text bold>{phase}</Text>
      </Text>
    </Box>
  );
}
