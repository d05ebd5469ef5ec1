import React from 'react';
import {Text} from 'ink';
import {STATUS_MARK, trailStatus} from '../flows/common.js';
import type {TrailEntry} from '../flows/types.js';
import {statusColor} from './theme.js';

/** A finished step, one line with the mark of its status (only verified and done get ✔). */
export function TrailLine({entry}: {entry: TrailEntry}): React.ReactElement {
  const status = trailStatus(entry);
  return (
    <Text>
      <Text color={statusColor[status]}>{STATUS_MARK[status]}</Text> <Text dimColor>{entry.summary}</Text>
    </Text>
  );
}
