import React from 'react';
import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import type {Choice} from '../flows/types.js';

interface Props {
  prompt: string;
  choices: Choice[];
  initial?: string;
  isActive: boolean;
  onSubmit: (value: string) => void;
}

function Item({isSelected = false, label}: {isSelected?: boolean; label: string}): React.ReactElement {
  const [head, hint] = label.split('\u0000');
  return (
    <Text>
      <Text color={isSelected ? 'cyan' : undefined} bold={isSelected}>
        {head}
      </Text>
      {hint ? <Text dimColor> · {hint}</Text> : null}
    </Text>
  );
}

/** A list of choices; arrows or number keys move, Enter picks. */
export function SelectStep({prompt, choices, initial, isActive, onSubmit}: Props): React.ReactElement {
  const items = choices.map(choice => ({key: choice.value, value: choice.value, label: choice.hint ? `${choice.label}\u0000${choice.hint}` : choice.label}));
  const initialIndex = Math.max(0, choices.findIndex(choice => choice.value === initial));
  return (
    <Box flexDirection="column">
      <Text bold>? {prompt}</Text>
      <SelectInput items={items} initialIndex={initialIndex} isFocused={isActive} itemComponent={Item} onSelect={item => onSubmit(item.value)} />
    </Box>
  );
}
