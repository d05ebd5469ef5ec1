import React, {useEffect, useRef, useState} from 'react';
import {Box, Text, measureElement, useStdout, type DOMElement} from 'ink';
import type {Panel} from '../flows/types.js';
import {toneColor, toneMark} from './theme.js';
import {splitBoxed} from './wrap.js';

/**
 * Lines too wide for a box, each on its own row. Printed once (scrollback), a line wider than the
 * screen stays whole and the terminal wraps it softly, so a copy gets the token in one piece. In
 * the live area it is cut at the screen's width: Ink erases a redrawn frame by its own row count,
 * and a softly wrapped row would be left behind.
 */
export function RawLines({lines, live = false}: {lines: string[]; live?: boolean}): React.ReactElement | null {
  const {stdout} = useStdout();
  if (lines.length === 0) return null;
  const columns = stdout.columns || 80;
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        <Box key={index} width={live ? Math.min(columns, Array.from(line).length) : Array.from(line).length} flexShrink={0}>
          <Text>{line}</Text>
        </Box>
      ))}
    </Box>
  );
}

/** A block of explanation above a question: a title line with a tone mark, then plain lines. */
export function PanelView({panel, live = false}: {panel: Panel; live?: boolean}): React.ReactElement {
  const {stdout} = useStdout();
  const ref = useRef<DOMElement>(null);
  // The panel is as wide as its column (narrower beside the teaching panel): measured after layout.
  const [width, setWidth] = useState(stdout.columns || 80);
  useEffect(() => {
    const measured = ref.current ? measureElement(ref.current).width : 0;
    if (measured > 0 && measured !== width) setWidth(measured);
  });
  // Border (2) and padding (1) take three columns.
  const {boxed, raw} = splitBoxed(panel.lines, width - 3);
  return (
    <Box ref={ref} flexDirection="column" marginBottom={1}>
      <Box flexDirection="column" paddingLeft={1} borderStyle="round" borderColor={toneColor[panel.tone]}>
        {panel.title ? (
          <Text color={toneColor[panel.tone]} bold>
            {toneMark[panel.tone]} {panel.title}
          </Text>
        ) : null}
        {boxed.map((line, index) => (
          <Text key={index} wrap="wrap">
            {line}
          </Text>
        ))}
      </Box>
      <RawLines lines={raw} live={live} />
    </Box>
  );
}

export function Panels({panels, live = false}: {panels: Panel[]; live?: boolean}): React.ReactElement | null {
  if (panels.length === 0) return null;
  return (
    <Box flexDirection="column">
      {panels.map((panel, index) => (
        <PanelView key={index} panel={panel} live={live} />
      ))}
    </Box>
  );
}
