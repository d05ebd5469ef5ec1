import React, {useState} from 'react';
import {Box, Text} from 'ink';
import TextInput from 'ink-text-input';

interface Props {
  prompt: string;
  initial?: string;
  placeholder?: string;
  mask?: boolean;
  isActive: boolean;
  /** Returns an error text to show, or null when the answer was taken. */
  onSubmit: (value: string) => string | null;
}

/** One line of text with the default filled in; Enter submits, a refusal is shown below. */
export function TextStep({prompt, initial, placeholder, mask, isActive, onSubmit}: Props): React.ReactElement {
  const [value, setValue] = useState(initial ?? '');
  const [error, setError] = useState<string | null>(null);
  return (
    <Box flexDirection="column">
      {/* The prompt has its own line: long defaults (paths) would otherwise squeeze and wrap it. */}
      <Text bold>? {prompt}</Text>
      <Box>
        <Text color="cyan">› </Text>
        <TextInput
          value={value}
          placeholder={placeholder}
          focus={isActive}
          mask={mask ? '*' : undefined}
          onChange={next => {
            setValue(next);
            setError(null);
          }}
          onSubmit={submitted => setError(onSubmit(submitted))}
        />
      </Box>
      {error ? <Text color="red">✖ {error}</Text> : null}
    </Box>
  );
}
