import React from 'react';
import {Box, Text} from 'ink';

const MARK_COLOR: Record<string, string> = {'✔': 'green', '✖': 'red', '?': 'yellow', '☐': 'yellow', '–': 'gray', '›': 'cyan'};

/** Finished steps, one line each with the mark of their status (only verified and done get ✔); only the last few, to keep the live area small. */
export function Trail({lines, max = 8}: {lines: string[]; max?: number}): React.ReactElement | null {
  if (lines.length === 0) return null;
  const hidden = Math.max(0, lines.length - max);
  return (
    <Box flexDirection="column" marginBottom={1}>
      {hidden > 0 ? <Text dimColor>  … {hidden} earlier step(s)</Text> : null}
      {lines.slice(hidden).map((line, index) => {
        // A line starts with its status mark ("✔ ", "✖ ", …); one without a mark is a plain entry.
        const marked = line.charAt(1) === ' ' && line.charAt(0) in MARK_COLOR;
        const mark = marked ? line.charAt(0) : '•';
        return (
          <Text key={index}>
            <Text color={MARK_COLOR[mark] ?? 'gray'}>{mark}</Text> <Text dimColor>{marked ? line.slice(2) : line}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
