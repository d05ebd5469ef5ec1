import React, {useEffect, useState} from 'react';
import {Box, Text, render, useApp} from 'ink';
import type {AnyState} from '../flows/types.js';
import type {FlowRunner} from '../src/engine/runner.js';
import type {InteractiveOptions} from '../src/runtime/command.js';
import {App} from './App.js';
import {EffectStep} from './EffectStep.js';
import {Title} from './Header.js';

// The runtime (src/runtime/) receives this module from bin/ as its InteractiveUi.
export {askToResume} from './ResumePrompt.js';

function Boot<S extends AnyState>({options, onExit}: {options: InteractiveOptions<S>; onExit: (code: number) => void}): React.ReactElement {
  const {exit} = useApp();
  const [runner, setRunner] = useState<FlowRunner<S> | null>(options.runner instanceof Promise ? null : options.runner);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    if (!(options.runner instanceof Promise)) return;
    options.runner.then(setRunner, (error: unknown) => {
      setFailure(error instanceof Error ? error.message : String(error));
      onExit(1);
      setTimeout(() => exit(), 0);
    });
  }, []);
  if (failure) return <Text color="red">✖ {failure}</Text>;
  if (!runner)
    return (
      <Box flexDirection="column">
        <Title demo={options.demo} />
        <EffectStep title={options.preparing ?? 'Preparing'} />
      </Box>
    );
  return <App runner={runner} checklistOf={options.checklistOf} demo={options.demo} explain={options.explain} onExit={onExit} />;
}

/** Renders the wizard until the flow ends; resolves with the process exit code. Loaded lazily. */
export async function runInteractive<S extends AnyState>(options: InteractiveOptions<S>): Promise<number> {
  let code = 1;
  // Ctrl+C is ours (exit 130 after aborting the running step); console output would tear frames.
  const instance = render(<Boot options={options} onExit={c => (code = c)} />, {exitOnCtrlC: false, patchConsole: false});
  await instance.waitUntilExit();
  return code;
}
