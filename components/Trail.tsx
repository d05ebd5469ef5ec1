import React from 'react';
import {Box, Text} from 'ink';

/** Answered steps, collapsed to one line each; only the last few, to keep the live area small. */
export function Trail({lines, max = 8}: {lines: string[]; max?: number}): React.ReactElement | null {
  if (lines.length === 0) return null;
  const hidden = Math.max(0, lines.length - max);
  return (
    <Box flexDirection="column" marginBottom={1}>
      {hidden > 0 ? <Text dimColor>  … {hidden} earlier step(s)</Text> : null}
      {lines.slice(hidden).map((line, index) => (
        <Text key={index}>
          <Text color="green">✔</Text> <Text dimColor>{line}</Text>
        </Text>
      ))}
    </Box>
  );
}
