import React from 'react';
import {Box, Text} from 'ink';
import type {Panel} from '../flows/types.js';
import {toneColor, toneMark} from './theme.js';

/** A block of explanation above a question: a title line with a tone mark, then plain lines. */
export function PanelView({panel}: {panel: Panel}): React.ReactElement {
  return (
    <Box flexDirection="column" marginBottom={1} paddingLeft={1} borderStyle="round" borderColor={toneColor[panel.tone]}>
      {panel.title ? (
        <Text color={toneColor[panel.tone]} bold>
          {toneMark[panel.tone]} {panel.title}
        </Text>
      ) : null}
      {panel.lines.map((line, index) => (
        <Text key={index} wrap="wrap">
          {line}
        </Text>
      ))}
    </Box>
  );
}

export function Panels({panels}: {panels: Panel[]}): React.ReactElement | null {
  if (panels.length === 0) return null;
  return (
    <Box flexDirection="column">
      {panels.map((panel, index) => (
        <PanelView key={index} panel={panel} />
      ))}
    </Box>
  );
}
