import React from 'react';
import {Text} from 'ink';
import type {Question} from '../flows/types.js';

/** The keys the active step takes: a text field edits and completes, a list moves. */
export function Footer({canGoBack, running, question}: {canGoBack: boolean; running: boolean; question?: Question | null}): React.ReactElement {
  const keys = question?.type === 'text' ? ['Enter confirm', ...(question.completion === 'path' ? ['Tab complete'] : [])] : ['↑↓ choose', 'Enter confirm'];
  const parts = running ? ['Ctrl+C cancel'] : [...keys, ...(canGoBack ? ['Esc back'] : []), 'Ctrl+C quit'];
  return <Text dimColor>{parts.join(' · ')}</Text>;
}
