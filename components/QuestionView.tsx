import React from 'react';
import type {AnswerValue, Choice, Question} from '../flows/types.js';
import {SelectStep} from './SelectStep.js';
import {TextStep} from './TextStep.js';
import {completePath, expandHome} from '../src/paths/complete.js';

interface Props {
  question: Question;
  isActive: boolean;
  /** Returns an error text when the answer was refused. */
  onAnswer: (value: AnswerValue) => string | null;
}

/** Yes / No as a two-item list, so keyboard handling is the same as every other choice. */
const YES_NO: Choice[] = [
  {value: 'yes', label: 'Yes'},
  {value: 'no', label: 'No'},
];

export function QuestionView({question, isActive, onAnswer}: Props): React.ReactElement {
  switch (question.type) {
    case 'select':
      return <SelectStep prompt={question.prompt} choices={question.choices} initial={question.initial} isActive={isActive} onSubmit={value => void onAnswer(value)} />;
    case 'confirm':
      return <SelectStep prompt={question.prompt} choices={YES_NO} initial={question.initial === false ? 'no' : 'yes'} isActive={isActive} onSubmit={value => void onAnswer(value === 'yes')} />;
    case 'text': {
      // A path field keeps `~` as typed; the answer is the path the file system knows.
      const isPath = question.completion === 'path';
      return <TextStep prompt={question.prompt} initial={question.initial} placeholder={question.placeholder} mask={question.mask} isActive={isActive} complete={isPath ? completePath : undefined} onSubmit={value => onAnswer(isPath ? expandHome(value) : value)} />;
    }
  }
}
