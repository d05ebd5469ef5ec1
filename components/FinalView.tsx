import path from 'node:path';
import React from 'react';
import {Box, Text} from 'ink';
import type {LandscapeModel} from '../flows/diagram.js';
import {STATUS_MARK} from '../flows/common.js';
import {fileLabel, headlineOf, type Checklist} from '../src/checklist.js';
import {LandscapeDiagram} from './LandscapeDiagram.js';
import {statusColor, toneColor} from './theme.js';

interface Props {
  checklist: Checklist;
  files: Record<string, string>;
  /** The landscape drawing (workshop mode, or a failed live test), or null. */
  landscape?: LandscapeModel | null;
  columns?: number;
  /** The run's output folder: named once, the files relative to it, so no path breaks across rows. */
  outputDir?: string;
}

/** The end of a run: the checklist, with where its files are. Printed once, so it may be longer than the screen. */
export function FinalView({checklist, files, landscape = null, columns = 80, outputDir}: Props): React.ReactElement {
  const {tone, text} = headlineOf(checklist);
  return (
    <Box flexDirection="column">
      <Text bold color={toneColor[tone]}>
        {text}
      </Text>
      {checklist.error ? <Text color="red">  {checklist.error.message}</Text> : null}
      {landscape ? (
        <Box marginTop={1}>
          <LandscapeDiagram model={landscape} columns={columns} />
        </Box>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        {checklist.items.map((item, index) => (
          <Text key={index}>
            <Text color={statusColor[item.status]}>{STATUS_MARK[item.status]}</Text> {item.title}
            {item.status === 'todo' ? <Text dimColor> (to do)</Text> : item.status === 'not-checked' ? <Text dimColor> (not checked)</Text> : null}
          </Text>
        ))}
      </Box>
      {checklist.cleanup.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>To remove what this run created:</Text>
          {checklist.cleanup.map((command, index) => (
            <Text key={index} color="cyan">
              {'  '}
              {command}
            </Text>
          ))}
        </Box>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        {outputDir && Object.keys(files).length > 0 ? <Text>Files in {outputDir}:</Text> : null}
        {Object.entries(files).map(([what, file]) => (
          <Text key={what}>
            {outputDir ? '  ' : ''}
            <Text dimColor>{fileLabel(what)}:</Text> {outputDir && isInside(file, outputDir) ? path.relative(outputDir, file) : file}
          </Text>
        ))}
      </Box>
      {checklist.nextStep ? (
        <Box marginTop={1}>
          <Text bold>{checklist.nextStep}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
