import React from 'react';
import {SelectStep} from './SelectStep.js';

interface Props {
  prompt: string;
  initial?: boolean;
  isActive: boolean;
  onSubmit: (value: boolean) => void;
}

/** Yes / No as a two-item list, so keyboard handling is the same as every other choice. */
export function ConfirmStep({prompt, initial = true, isActive, onSubmit}: Props): React.ReactElement {
  return (
    <SelectStep
      prompt={prompt}
      isActive={isActive}
      initial={initial ? 'yes' : 'no'}
      choices={[
        {value: 'yes', label: 'Yes'},
        {value: 'no', label: 'No'},
      ]}
      onSubmit={value => onSubmit(value === 'yes')}
    />
  );
}
