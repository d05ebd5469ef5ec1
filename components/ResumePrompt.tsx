import React from 'react';
import {Box, Text, render, useApp, useInput} from 'ink';
import type {ResumeChoice as Choice, ResumeQuestion as ResumePromptProps} from '../src/runtime/command.js';
import {Title} from './Header.js';
import {SelectStep} from './SelectStep.js';

export function ResumePrompt({resumeTitle, description, progressFile, passwordNotSaved, demo, onChoice}: ResumePromptProps & {onChoice: (choice: Choice) => void}): React.ReactElement {
  const {exit} = useApp();
  const choose = (choice: Choice) => {
    onChoice(choice);
    exit();
  };
  useInput((input, key) => {
    if (key.ctrl && input === 'c') choose('quit');
  });
  const choices = [
    {value: 'resume', label: `Resume at "${resumeTitle}"`},
    {value: 'new', label: 'Start a new run (the unfinished one is set aside; what it created stays)'},
  ];
  return (
    <Box flexDirection="column">
      <Title demo={demo} />
      <Text color="yellow">↻ An unfinished run was found</Text>
      <Text>  {description}</Text>
      <Text dimColor>  {progressFile}</Text>
      {passwordNotSaved ? <Text dimColor>  The PKCS#12 password was not saved: it is asked again if a step needs it.</Text> : null}
      <SelectStep prompt="Resume it?" choices={choices} isActive onSubmit={value => choose(value === 'resume' ? 'resume' : 'new')} />
    </Box>
  );
}

/** Asks before the wizard starts whether to resume a saved run; Ctrl+C answers 'quit'. Loaded lazily. */
export async function askToResume(props: ResumePromptProps): Promise<Choice> {
  let choice: Choice = 'quit';
  const instance = render(<ResumePrompt {...props} onChoice={c => (choice = c)} />, {exitOnCtrlC: false, patchConsole: false});
  await instance.waitUntilExit();
  return choice;
}
