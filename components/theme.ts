import type {Panel, Status} from '../flows/types.js';

/** Colours by tone; Ink maps them to nothing when colour is off (NO_COLOR → FORCE_COLOR=0). */
export const toneColor: Record<Panel['tone'], string> = {
  info: 'cyan',
  success: 'green',
  warning: 'yellow',
  error: 'red',
};

export const toneMark: Record<Panel['tone'], string> = {
  info: 'ℹ',
  success: '✔',
  warning: '⚠',
  error: '✖',
};

/** The colour of a status mark, on trail lines and in the final checklist. */
export const statusColor: Record<Status, string> = {verified: 'green', done: 'green', answer: 'cyan', todo: 'yellow', failed: 'red', skipped: 'gray', 'not-checked': 'yellow'};
