import React, {useEffect, useState} from 'react';
import {Text} from 'ink';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function Spinner({animate = true}: {animate?: boolean}): React.ReactElement {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!animate) return undefined;
    const timer = setInterval(() => setFrame(f => (f + 1) % FRAMES.length), 100);
    return () => clearInterval(timer);
  }, [animate]);
  return <Text color="cyan">{FRAMES[frame]}</Text>;
}
