/**
 * The live test, shared by setup and renewal: whether to run it, the endpoint, the private key,
 * the call itself and its result. Builders take the texts and where each answer leads.
 */
import {goto} from '../machine.js';
import {joinEndpoint, probePanel, trail} from '../common.js';
import {answerStep} from './question.js';
import type {CertificateAnswers, CertificateFact, Choice, CrossCheck, DuplicateFact, EffectStep, FlowContext, KeyFact, LiveTestAnswers, MachineState, Panel, ProbeEffect, ProbeFact, QuestionStep, Status, StepId, TenantFact} from '../types.js';
import {validateEndpointPath} from '../validate.js';

type WithLiveTest = MachineState<{liveTest?: LiveTestAnswers}, unknown>;

export type LiveTestCredentials = Pick<ProbeEffect, 'certificatePath' | 'privateKeyPath' | 'password'>;

/**
 * The certificate and key the live test presents, or null when a private key must be asked for:
 * the files of an SAP-generated key, a file that holds its key (PKCS#12), or the certificate with
 * the private key given for the test.
 */
export function liveTestCredentialsOf(
  answers: CertificateAnswers,
  facts: {certificate?: CertificateFact; key?: KeyFact},
  options: {passwordWithKey: boolean},
): LiveTestCredentials | null {
  if (answers.certificateSource === 'sap-generated') {
    const files = facts.key?.files;
    return files?.certificate && files.privateKey ? {certificatePath: files.certificate, privateKeyPath: files.privateKey} : null;
  }
  if (!answers.certificatePath) return null;
  if (facts.certificate?.hasPrivateKey) return {certificatePath: answers.certificatePath, password: answers.certificatePassword};
  if (answers.liveTest?.privateKeyPath) {
    return {certificatePath: answers.certificatePath, privateKeyPath: answers.liveTest.privateKeyPath, ...(options.passwordWithKey ? {password: answers.certificatePassword} : {})};
  }
  return null;
}

/** Whether to run the live test; the flow decides where each answer leads. */
export function liveTestStep<S extends WithLiveTest>(options: {lines: string[]; prompt: string; choices: Choice[]; summaryRun: string; onRun: (state: S) => S; onSkip: (state: S) => S;}): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'live-test',
    phase: 'Live test',
    title: 'Live test',
    panels: () => [{tone: 'info', lines: options.lines}],
    question: () => ({type: 'select', prompt: options.prompt, choices: options.choices}),
    fromPlan: answers => (answers.liveTest ? (answers.liveTest.run ? 'run' : 'skip') : undefined),
    apply(state, value) {
      const run = value === 'run';
      const next = {...state, answers: {...state.answers, liveTest: {...state.answers.liveTest, run}}};
      return run ? options.onRun(next) : options.onSkip(next);
    },
    summary: (_state, value) => (value === 'run' ? options.summaryRun : 'Live test: skipped'),
  };
}

/** The endpoint a demo scenario points the live test at; Option 2's sender channel lists the certificate. */
export function demoEndpointPath(context: FlowContext, option2: boolean): string | undefined {
  return (option2 ? context.defaults?.endpointPathOption2 : undefined) ?? context.defaults?.endpointPath;
}

/** The endpoint of the live test: a path after the runtime URL, or a full URL. */
export function liveTestPathStep<S extends WithLiveTest>(options: {option2: (state: S) => boolean; hasCredentials: (state: S) => boolean}): QuestionStep<S> {
  return answerStep<S>({
    id: 'live-test-path', phase: 'Live test', title: 'Endpoint', prompt: 'Endpoint path',
    panels: () => [{tone: 'info', lines: ['The path is the sender channel Address with /http in front (SOAP: /cxf), e.g. /http/orders. A full URL works too.']}],
    initial: state => state.answers.liveTest?.path ?? demoEndpointPath(state.context, options.option2(state)) ?? '/http/',
    validate: validateEndpointPath,
    fromPlan: answers => answers.liveTest?.path,
    write: (answers, path) => ({...answers, liveTest: {...answers.liveTest, run: true, path}}),
    next: state => (options.hasCredentials(state) ? 'probe' : 'live-test-key'),
    summary: value => `Endpoint: ${value}`,
  });
}

/** The private key for the live test, when the certificate input did not carry one. */
export function liveTestKeyStep<S extends WithLiveTest>(options: {hint: string; initial: (state: S) => string | undefined; next?: StepId; panels?: (state: S) => Panel[]}): QuestionStep<S> {
  return answerStep<S>({
    id: 'live-test-key', phase: 'Live test', title: 'Private key', prompt: 'Path to the private key (PEM)', completion: 'path',
    panels: state => [...(options.panels?.(state) ?? []), {tone: 'info', lines: [options.hint]}],
    initial: state => state.answers.liveTest?.privateKeyPath ?? options.initial(state),
    validate: value => (value === '' ? 'Enter the path of the private key file.' : null),
    fromPlan: answers => answers.liveTest?.privateKeyPath,
    write: (answers, privateKeyPath) => ({...answers, liveTest: {...answers.liveTest, run: true, privateKeyPath}}),
    next: options.next ?? 'probe',
    summary: value => `Private key: ${value}`,
  });
}

type WithProbe = MachineState<
  {certificateSource?: string; liveTest?: LiveTestAnswers},
  {probe?: ProbeFact; certificate?: CertificateFact; duplicates?: DuplicateFact[]; key?: KeyFact; tenant?: TenantFact}
>;

/** The call of the live test: the endpoint (after the runtime URL) with the certificate, and what explains a failure. */
export function probeEffectOf(state: WithProbe, credentials: LiveTestCredentials, runtimeUrl: string | undefined): ProbeEffect {
  const liveTest = state.answers.liveTest;
  return {type: 'probe', url: joinEndpoint(runtimeUrl, liveTest?.path ?? '/'), method: liveTest?.method ?? 'POST', ...credentials, crossCheck: crossCheckOf(state)};
}

/** Calls the endpoint with the certificate; the result is a fact, a failing call is no error. */
export function probeStep<S extends WithProbe>(options: {title: string; credentials: (state: S) => LiveTestCredentials; runtimeUrl: (state: S) => string | undefined; trail: (result: ProbeFact) => {summary: string; status?: Status};}): EffectStep<S, ProbeEffect, ProbeFact> {
  return {
    kind: 'effect',
    id: 'probe',
    phase: 'Live test',
    title: options.title,
    effect: state => probeEffectOf(state, options.credentials(state), options.runtimeUrl(state)),
    onResult(state, result) {
      const line = options.trail(result);
      return goto(trail({...state, facts: {...state.facts, probe: result}}, line.summary, line.status), 'probe-result');
    },
  };
}

/** The live test's result: retry, change the endpoint, or go on; a flow may add choices of its own. */
export function probeResultStep<S extends WithProbe>(options: {extraLines: (state: S, probe: ProbeFact) => string[]; successLabel: string; retryHint: string; more?: {choices: (state: S) => Choice[]; apply: (state: S, value: string) => S | undefined}; continueLabel: string; fromPlan: (answers: S['answers'], state: S) => string; onContinue: (state: S) => S;}): QuestionStep<S> {
  return {
    kind: 'question',
    id: 'probe-result',
    phase: 'Live test',
    title: 'Live test result',
    panels(state) {
      const p = state.facts.probe;
      return p ? [probePanel(p, options.extraLines(state, p))] : [];
    },
    question: state => ({
      type: 'select',
      prompt: 'Next',
      choices: state.facts.probe?.success
        ? [{value: 'continue', label: options.successLabel}]
        : [
            {value: 'retry', label: 'Run the test again', hint: options.retryHint},
            ...(options.more?.choices(state) ?? []),
            {value: 'path', label: 'Change the endpoint'},
            {value: 'continue', label: options.continueLabel},
          ],
    }),
    fromPlan: options.fromPlan,
    apply(state, value) {
      if (value === 'retry') return goto(state, 'probe');
      if (value === 'path') return goto(state, 'live-test-path');
      return options.more?.apply(state, String(value)) ?? options.onContinue(state);
    },
    summary: (_state, value) => (value === 'retry' ? 'Retrying the live test' : value === 'path' ? 'Changing the endpoint' : 'Live test reviewed'),
  };
}

/**
 * What Cloud Foundry and the tenant tell about a 401: how many keys hold the certificate (the new
 * key itself plus any other key with the same certificate the scan found; an SAP-generated
 * certificate is only in its own key), and the tenant's key pair when the tenant checks read it.
 */
function crossCheckOf(state: WithProbe): CrossCheck {
  const sameCertificateKeys = (state.facts.duplicates ?? []).filter(d => d.match === 'certificate').length;
  const keystore = state.facts.tenant?.keystore;
  return {
    keysWithThisCertificate: state.answers.certificateSource === 'external' ? 1 + sameCertificateKeys - (state.facts.key?.alreadyExisted ? 1 : 0) : 1,
    ...(keystore && keystore.verdict !== 'not-checked' ? {tenantKeyPair: keystore.verdict === 'fail' ? ('missing' as const) : ('present' as const)} : {}),
  };
}
