import React from 'react';
import {render} from 'ink';
import type {FlowState} from '../flows/types.js';
import type {Checklist} from '../src/checklist.js';
import type {FlowRunner} from '../src/engine/runner.js';
import {App} from './App.js';

/** Renders the wizard until the flow ends; resolves with the process exit code. Loaded lazily. */
export async function runInteractive(options: {runner: FlowRunner; checklistOf: (state: FlowState) => Checklist; demo?: string}): Promise<number> {
  let code = 1;
  // Ctrl+C is ours (exit 130 after aborting the running step); console output would tear frames.
  const instance = render(<App runner={options.runner} checklistOf={options.checklistOf} demo={options.demo} onExit={c => (code = c)} />, {
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await instance.waitUntilExit();
  return code;
}
