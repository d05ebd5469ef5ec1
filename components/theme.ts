import type {Panel} from '../flows/types.js';

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
