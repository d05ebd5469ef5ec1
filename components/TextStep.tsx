import React, {useState} from 'react';
import {Box, Text} from 'ink';
import type {PathCompletion} from '../src/paths/complete.js';
import {useTextInput} from './text-input/use-text-input.js';

interface Props {
  prompt: string;
  initial?: string;
  placeholder?: string;
  mask?: boolean;
  isActive: boolean;
  /** Tab completion (paths); without it Tab does nothing. */
  complete?: (typed: string) => Promise<PathCompletion>;
  /** Returns an error text to show, or null when the answer was taken. */
  onSubmit: (value: string) => string | null;
}

/** Names shown under the field when Tab finds several. */
const MAX_CANDIDATES = 6;

/** One line of text with the default filled in; Enter submits, a refusal is shown below. */
export function TextStep({prompt, initial, placeholder, mask, isActive, complete, onSubmit}: Props): React.ReactElement {
  const [refusal, setRefusal] = useState<{value: string; error: string} | null>(null);
  const {line, candidates} = useTextInput({initial: initial ?? '', isActive, complete, onSubmit: value => {
    const error = onSubmit(value);
    setRefusal(error ? {value, error} : null);
  }});
  const shown = mask ? '*'.repeat(line.value.length) : line.value;
  const more = candidates.length - MAX_CANDIDATES;
  return (
    <Box flexDirection="column">
      {/* The prompt has its own line: long defaults (paths) would otherwise squeeze and wrap it. */}
      <Text bold>? {prompt}</Text>
      <Text>
        <Text color="cyan">› </Text>
        {shown === '' && placeholder ? (
          <Text dimColor>{placeholder}</Text>
        ) : (
          <>
            {shown.slice(0, line.cursor)}
            <Text inverse={isActive}>{shown[line.cursor] ?? ' '}</Text>
            {shown.slice(line.cursor + 1)}
          </>
        )}
      </Text>
      {candidates.length > 0 ? <Text dimColor>{candidates.slice(0, MAX_CANDIDATES).join('  ') + (more > 0 ? `  … ${more} more` : '')}</Text> : null}
      {/* A refusal stays until the text is changed. */}
      {refusal && refusal.value === line.value ? <Text color="red">✖ {refusal.error}</Text> : null}
    </Box>
  );
}
