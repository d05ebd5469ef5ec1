import React from 'react';
import {Text} from 'ink';
import {STATUS_MARK, trailStatus} from '../flows/common.js';
import type {Status, TrailEntry} from '../flows/types.js';

const MARK_COLOR: Record<Status, string> = {verified: 'green', done: 'green', answer: 'cyan', todo: 'yellow', failed: 'red', skipped: 'gray', 'not-checked': 'yellow'};

/** A finished step, one line with the mark of its status (only verified and done get ✔). */
export function TrailLine({entry}: {entry: TrailEntry}): React.ReactElement {
  const status = trailStatus(entry);
  return (
    <Text>
      <Text color={MARK_COLOR[status]}>{STATUS_MARK[status]}</Text> <Text dimColor>{entry.summary}</Text>
    </Text>
  );
}
