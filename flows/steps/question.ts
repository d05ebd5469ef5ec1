/** Questions of one shape that every flow asks. */
import {goto} from '../machine.js';
import {str} from '../common.js';
import type {AnswerValue, AnyState, Choice, MachineState, Panel, QuestionStep, StepId} from '../types.js';

interface AnswerOptions<S extends AnyState> {
  id: StepId;
  phase: string;
  title: string;
  prompt: string | ((state: S) => string);
  placeholder?: string;
  mask?: boolean;
  completion?: 'path';
  panels?: (state: S) => Panel[];
  /** With choices the question is a pick, else a text. */
  choices?: (state: S) => Choice[];
  initial?: (state: S) => string | undefined;
  validate?: (value: string, state: S) => string | null;
  fromPlan?: (answers: S['answers'], state: S) => AnswerValue | undefined;
  read?: (value: AnswerValue) => string;
  next: StepId | ((state: S, value: string) => StepId);
  summary: (value: string, state: S) => string;
}

/** An answer (a text, or a pick) that `write` puts into the answers; the flow says what it checks and where it leads. */
export function answerStep<S extends AnyState>(options: AnswerOptions<S> & {write: (answers: S['answers'], value: string, state: S) => S['answers']}): QuestionStep<S> {
  const read = options.read ?? str;
  return {
    kind: 'question',
    id: options.id,
    phase: options.phase,
    title: options.title,
    ...(options.panels ? {panels: options.panels} : {}),
    question(state) {
      const prompt = typeof options.prompt === 'string' ? options.prompt : options.prompt(state);
      return options.choices
        ? {type: 'select', prompt, initial: options.initial?.(state), choices: options.choices(state)}
        : {type: 'text', prompt, initial: options.initial?.(state), ...(options.placeholder ? {placeholder: options.placeholder} : {}), ...(options.mask ? {mask: true} : {}), ...(options.completion ? {completion: options.completion} : {})};
    },
    ...(options.validate ? {validate: (value: AnswerValue, state: S) => options.validate!(read(value), state)} : {}),
    ...(options.fromPlan ? {fromPlan: options.fromPlan} : {}),
    apply: (state, value) => {
      const answered = {...state, answers: options.write(state.answers, read(value), state)};
      // `next` sees the answer just given, as a hand-written apply would.
      return goto(answered, typeof options.next === 'string' ? options.next : options.next(answered, read(value)));
    },
    summary: (state, value) => options.summary(read(value), state),
  };
}

/** An answer kept in one answers field (a name, a path, a pick). */
export function textStep<S extends MachineState<Partial<Record<F, string>>, unknown>, F extends string>(options: AnswerOptions<S> & {field: F}): QuestionStep<S> {
  return answerStep<S>({
    ...options,
    fromPlan: options.fromPlan ?? (answers => answers[options.field]),
    write: (answers, value) => ({...answers, [options.field]: value}),
  });
}

/** A choice kept in one answers field; a value outside `values` counts as the first of them. */
export function selectStep<S extends MachineState<Partial<Record<F, string>>, unknown>, F extends string, V extends string>(
  options: Pick<AnswerOptions<S>, 'id' | 'phase' | 'title' | 'prompt' | 'panels' | 'initial' | 'fromPlan'> & {
    field: F;
    values: readonly V[];
    choices: (state: S) => Choice<V>[];
    next: (value: V) => StepId;
    summary: (value: V) => string;
  },
): QuestionStep<S> {
  const pick = (value: AnswerValue) => options.values.find(v => v === value) ?? options.values[0];
  return textStep<S, F>({...options, read: pick, next: (_state, value) => options.next(pick(value)), summary: value => options.summary(pick(value))});
}
