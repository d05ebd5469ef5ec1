/**
 * Certificate steps every flow that puts a certificate into a key asks the same way: the file,
 * its password, reading and checking it, the validity of an SAP-generated one, the key's name,
 * and the parameters the key is created with. Builders take what differs (phase, texts, the
 * answers field, the next step); the rest is decided once here.
 */
import {goto} from '../machine.js';
import {answerStep, textStep} from './question.js';
import {externalCertificateKeyParameters, sapGeneratedKeyParameters} from '../parameters.js';
import type {CertificateSummary} from '../../src/ports.js';
import type {AnswerValue, CertificateAnswers, CertificateFact, Effect, EffectStep, FlowError, MachineState, Panel, QuestionStep, StepId} from '../types.js';
import {validateValidityDays} from '../validate.js';

export type CertificateState = MachineState<CertificateAnswers, {certificate?: CertificateFact}>;

export const SAP_KEY_DEFAULT = {validityDays: 365, keyLength: 2048};

/** The certificate file (PEM, DER or PKCS#12); the next step reads it. */
export function certificatePathStep<S extends CertificateState>(options: {phase: string; prompt: string; emptyError: string; panels?: (state: S) => Panel[]; forgetPassword?: boolean;}): QuestionStep<S> {
  return answerStep<S>({
    id: 'certificate-path', phase: options.phase, title: 'Certificate file', prompt: options.prompt, completion: 'path', panels: options.panels,
    initial: state => state.answers.certificatePath ?? state.context.defaults?.certificatePath,
    validate: value => (value === '' ? options.emptyError : null),
    fromPlan: answers => answers.certificatePath,
    write: (answers, certificatePath) => ({...answers, certificatePath, ...(options.forgetPassword ? {certificatePassword: undefined} : {})}),
    next: 'load-certificate',
    summary: value => `Certificate file: ${value}`,
  });
}

/** "Use another certificate file": the path question starts empty, never with the file just turned down (nor the demo default). */
export function anotherCertificate<S extends CertificateState>(state: S): S {
  return goto({...state, answers: {...state.answers, certificatePath: ''}}, 'certificate-path');
}

/** The password of a protected file (masked: it never reaches the trail); the file is read again. */
export function certificatePasswordStep<S extends CertificateState>(options: {phase: string; title: string; prompt: string; panels: (state: S) => Panel[]; fromPlan: (answers: S['answers'], state: S) => AnswerValue | undefined; read: (value: AnswerValue) => string; summary: string;}): QuestionStep<S> {
  return textStep<S, 'certificatePassword'>({...options, id: 'certificate-password', field: 'certificatePassword', mask: true, next: 'load-certificate', summary: () => options.summary});
}

type LoadCertificateEffect = Extract<Effect, {type: 'load-certificate'}>;

/** Reads and checks the certificate; a file that needs a (different) password goes to the password question. */
export function loadCertificateStep<S extends CertificateState>(options: {phase: string; title: string; trustedRoots?: (state: S) => string[] | undefined; onResult: (state: S, result: CertificateFact) => S; unreadable: (state: S, error: FlowError) => S;}): EffectStep<S, LoadCertificateEffect, CertificateFact> {
  return {
    kind: 'effect',
    id: 'load-certificate',
    phase: options.phase,
    title: options.title,
    effect: state => ({
      type: 'load-certificate',
      path: state.answers.certificatePath ?? '',
      password: state.answers.certificatePassword,
      ...(options.trustedRoots ? {trustedRoots: options.trustedRoots(state)} : {}),
    }),
    onResult: options.onResult,
    onError: (state, error) => (error.code === 'password-required' || error.code === 'wrong-password' ? goto(state, 'certificate-password', {error} as Partial<S>) : options.unreadable(state, error)),
  };
}

/** Validity of an SAP-generated certificate, in days. */
export function sapKeyValidityStep<S extends CertificateState>(options: {phase: string; title: string; lines: string[]; planDefault?: string; next: StepId}): QuestionStep<S> {
  return answerStep<S>({
    id: 'sap-key-validity', phase: options.phase, title: options.title, prompt: 'Validity in days (1-365)',
    panels: () => [{tone: 'info', lines: options.lines}],
    initial: state => String(state.answers.sapKey?.validityDays ?? SAP_KEY_DEFAULT.validityDays),
    validate: validateValidityDays,
    fromPlan: answers => (answers.sapKey ? String(answers.sapKey.validityDays) : options.planDefault),
    write: (answers, value) => ({...answers, sapKey: {validityDays: Number(value), keyLength: answers.sapKey?.keyLength ?? SAP_KEY_DEFAULT.keyLength}}),
    next: options.next,
    summary: value => `Validity: ${value} days`,
  });
}

/** What a new key is created with: SAP generates the pair, or the key takes the given leaf (read back after). */
export function keyCertificateParameters(
  answers: CertificateAnswers,
  leaf: CertificateSummary | null | undefined,
): {parameters: Record<string, unknown>; writeSapGeneratedFiles?: boolean; expectLeafFingerprint?: string} {
  if (answers.certificateSource === 'sap-generated') {
    const sapKey = answers.sapKey ?? SAP_KEY_DEFAULT;
    return {parameters: sapGeneratedKeyParameters(sapKey.validityDays, sapKey.keyLength), writeSapGeneratedFiles: true};
  }
  return {parameters: externalCertificateKeyParameters(leaf!.pem), expectLeafFingerprint: leaf!.fingerprint256};
}

/** The lines describing a leaf certificate; `extra` goes before the fingerprint. */
export function leafLines(leaf: CertificateSummary, extra: string[] = []): string[] {
  return [`Subject      ${leaf.subject}`, `Issuer       ${leaf.issuer}`, `Valid        ${leaf.notBefore.slice(0, 10)} → ${leaf.notAfter.slice(0, 10)}`, ...extra, `SHA-256      ${leaf.fingerprint256}`];
}

/** The verdict of the certificate checks: what fails or warns, with its fix; passed checks in one line when asked. */
export function checksPanel(cert: CertificateFact, options: {listPassed: boolean}): Panel {
  const notable = cert.checks.filter(check => check.verdict !== 'pass');
  const passed = cert.checks.filter(check => check.verdict === 'pass');
  return {
    tone: cert.verdict === 'fail' ? 'error' : cert.verdict === 'warn' ? 'warning' : 'success',
    title: cert.verdict === 'fail' ? 'This certificate will not work' : cert.verdict === 'warn' ? 'Usable, with warnings' : 'All certificate checks passed',
    lines: [
      ...notable.flatMap(check => [`${check.verdict === 'fail' ? '✖' : '⚠'} ${check.title}: ${check.message}`, ...(check.fix ? [`  → ${check.fix}`] : [])]),
      ...(options.listPassed && passed.length > 0 ? [`✔ ${passed.map(check => check.title).join(', ')}`] : []),
    ],
  };
}
