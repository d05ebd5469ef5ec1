import React from 'react';
import {Box, Text} from 'ink';
import type {StepExplanation} from '../flows/explain.js';
import {RawLines} from './PanelView.js';
import {splitBoxed, wrapWords} from './wrap.js';

function innerWidth(layout: Props['layout'], width: number): number {
  // Side: border (2) and padding (2) take four columns.
  return layout === 'side' ? width - 4 : Math.min(width, 100);
}

function whyLines(explanation: StepExplanation, inner: number): string[] {
  return splitBoxed(explanation.why, inner).boxed.flatMap(line => wrapWords(line, inner));
}

function replacesLines(explanation: StepExplanation, inner: number): string[] {
  return splitBoxed(explanation.replaces, inner - 2).boxed.flatMap(line => wrapWords(`• ${line}`, inner - 2).map((part, index) => (index === 0 ? part : `  ${part}`)));
}

/** Side layout: lines with a token wider than the frame, shown whole below it. */
function rawLines(explanation: StepExplanation, inner: number): string[] {
  return [...splitBoxed(explanation.why, inner).raw, ...splitBoxed(explanation.replaces, inner - 2).raw];
}

/** Lines the panel takes on screen, so the shell can keep the live area inside the terminal. */
export function explainPanelHeight(explanation: StepExplanation, layout: Props['layout'], width: number): number {
  const inner = innerWidth(layout, width);
  if (layout === 'side') return 2 + 1 + whyLines(explanation, inner).length + 1 + 1 + replacesLines(explanation, inner).length + rawLines(explanation, inner).length;
  const replaces = wrapWords(`Replaces: ${explanation.replaces.join(' · ')}`, inner).length;
  return 1 + 1 + whyLines(explanation, inner).length + replaces;
}

/** Magenta sets the teaching text apart from the step's own panels (cyan, green, yellow, red). */
const COLOR = 'magenta';

interface Props {
  explanation: StepExplanation;
  /** 'side': a framed column beside the question (wide terminals); 'below': under it. */
  layout: 'side' | 'below';
  /** Columns the panel may use. */
  width: number;
}

/**
 * Workshop mode: why the step matters and which SAP screen or document it replaces. Memoised,
 * so the spinner of a running step does not rebuild it.
 */
export const ExplainPanel = React.memo(function ExplainPanel({explanation, layout, width}: Props): React.ReactElement {
  const inner = innerWidth(layout, width);
  const body = (
    <>
      {whyLines(explanation, inner).map((line, index) => (
        <Text key={index}>{line}</Text>
      ))}
    </>
  );
  if (layout === 'side') {
    return (
      <Box flexDirection="column">
        <Box flexDirection="column" width={width} borderStyle="round" borderColor={COLOR} paddingX={1}>
          <Text bold color={COLOR}>
            Why this matters
          </Text>
          {body}
          <Box marginTop={1} flexDirection="column">
            <Text bold color={COLOR}>
              Replaces
            </Text>
            {replacesLines(explanation, inner).map((line, index) => (
              <Text key={index} dimColor>
                {line}
              </Text>
            ))}
          </Box>
        </Box>
        <RawLines lines={rawLines(explanation, inner)} live />
      </Box>
    );
  }
  const heading = '── Why this matters ';
  return (
    <Box flexDirection="column" width={width} marginTop={1}>
      <Text color={COLOR} bold>
        {heading}
        {'─'.repeat(Math.max(0, inner - heading.length))}
      </Text>
      {body}
      {wrapWords(`Replaces: ${explanation.replaces.join(' · ')}`, inner).map((line, index) =>
        index === 0 ? (
          <Text key={index}>
            <Text bold color={COLOR}>
              Replaces:
            </Text>
            <Text dimColor>{line.slice('Replaces:'.length)}</Text>
          </Text>
        ) : (
          <Text key={index} dimColor>
            {line}
          </Text>
        ),
      )}
    </Box>
  );
});
