import React from 'react';
import {Text} from 'ink';

export function Footer({canGoBack, running}: {canGoBack: boolean; running: boolean}): React.ReactElement {
  const parts = running ? ['Ctrl+C cancel'] : ['↑↓ choose', 'Enter confirm', ...(canGoBack ? ['Esc back'] : []), 'Ctrl+C quit'];
  return <Text dimColor>{parts.join(' · ')}</Text>;
}
