/**
 * Resume: the setup flow's state is saved after every transition, so a run that stopped (a
 * failed step, Ctrl+C, a crash, a lost connection, a killed process) can go on from the first
 * step that did not finish. Effects are safe to repeat, so re-entering that step is enough.
 *
 * Two files, both written atomically (temp file + rename) with mode 0600:
 * - `progress.json` in the run's output folder: the state to resume from, without secrets
 *   (the PKCS#12 password is dropped; facts never hold private keys or client secrets).
 * - `in-progress.json` in the output root (or in a fixed output folder): which runs are
 *   unfinished, per target and plan, so the next start finds the latest one.
 */
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {FlowDefinition} from '../../flows/machine.js';
import type {Answers, Effect, FlowError, FlowState} from '../../flows/types.js';
import {isCancellation, toCpiMtlsError} from '../errors.js';
import type {CfPort} from '../ports.js';
import {findKeyByName} from './effects.js';
import type {EffectExecutor} from './runner.js';

export const PROGRESS_FILE = 'progress.json';
export const POINTER_FILE = 'in-progress.json';
const FORMAT = 'cpi-mtls-progress';
const POINTER_FORMAT = 'cpi-mtls-in-progress';

/**
 * running: stopped without a verdict (killed, crashed, connection lost);
 * stopped: a step failed or the live test did not pass, resumable from that step;
 * cancelled: Ctrl+C; done / failed: finished (failed = ended with a verdict that a re-run of
 * the same steps cannot change); abandoned: the user chose to start anew.
 */
export type ProgressStatus = 'running' | 'stopped' | 'cancelled' | 'done' | 'failed' | 'abandoned';

export interface ProgressRecord {
  format: typeof FORMAT;
  version: 1;
  flow: string;
  /** Which landscape the run works on (see `targetKey`). */
  target: string;
  /** SHA-256 of the plan's answers (apply runs only; the password is left out). */
  planHash?: string;
  planFile?: string;
  startedAt: string;
  savedAt: string;
  status: ProgressStatus;
  resumable: boolean;
  /** The step a resumed run re-enters, and its title. */
  resumeStep?: string;
  resumeTitle?: string;
  /** Why the run stopped, when a step failed. */
  reason?: {code: string; message: string; fix: string[]; step?: string};
  /** The run had a PKCS#12 password; a resumed run needs it again (it is never saved). */
  hadCertificatePassword: boolean;
  /** Where the flow actually was at the last save. */
  current: {step: string; status: string};
  /** The state a resumed run starts from; null when the run cannot be resumed. */
  state: FlowState | null;
}

type PointerEntry = Pick<ProgressRecord, 'target' | 'planHash' | 'savedAt' | 'resumeStep' | 'status'> & {progressFile: string; outputDir: string};

interface PointerFile {
  format: typeof POINTER_FORMAT;
  version: 1;
  runs: PointerEntry[];
}

// ---------------------------------------------------------------------------------------------
// Pure parts

/** The state without secrets: the PKCS#12 password is the only secret a state holds. */
export function withoutSecrets(state: FlowState): FlowState {
  if (state.answers.certificatePassword === undefined) return state;
  const {certificatePassword: _dropped, ...answers} = state.answers;
  return {...state, answers};
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .filter(key => (value as Record<string, unknown>)[key] !== undefined)
        .map(key => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Identifies a plan by its answers (paths are absolute after loading); the password is left out. */
export function planHash(answers: Answers): string {
  const {certificatePassword: _secret, ...rest} = answers;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

/** Which landscape a run works on, as far as it is known before cf is asked. */
export function targetKey(options: {demo?: {scenario: string; home?: string}; cfBinary?: string; cfHome?: string}): string {
  if (options.demo) return `demo:${options.demo.scenario}:${options.demo.home ? path.resolve(options.demo.home) : '(default)'}`;
  return `cf:${options.cfBinary ?? 'cf'}:${options.cfHome ? path.resolve(options.cfHome) : '(home)'}`;
}

/** The steps that lead to the end after a failure; the failed step itself is where to resume. */
const FAILURE_PATH = new Set(['step-failed', 'blocked', 'offer-cleanup', 'cleanup', 'write-outputs', 'done']);

interface Derived {
  status: ProgressStatus;
  resume: FlowState | null;
  reason?: FlowError;
}

/**
 * Where a run goes on from, given its newest state. `probeStart` is the state as the live test
 * began (a failed live test is resumed by running it again, e.g. once the tenant answers).
 */
export function deriveResume(flow: FlowDefinition<FlowState>, state: FlowState, memory: {cleanedUp: boolean; probeStart: FlowState | null}): Derived {
  const failedStep = state.error?.step;
  const failedEffect = failedStep && flow.steps[failedStep]?.kind === 'effect' && state.step !== failedStep ? (failedStep as FlowState['step']) : undefined;
  const atFailedStep = (): FlowState => ({...state, step: failedEffect!, error: undefined, status: 'running'});
  if (state.status === 'done') return {status: 'done', resume: null};
  if (memory.cleanedUp) return {status: state.status === 'running' ? 'running' : 'failed', resume: null, reason: state.error};
  if (state.status === 'cancelled') return {status: 'cancelled', resume: {...state, status: 'running'}};
  if (state.status === 'running') {
    if (failedEffect && FAILURE_PATH.has(state.step)) return {status: 'stopped', resume: atFailedStep(), reason: state.error};
    return {status: 'running', resume: state};
  }
  // failed
  if (failedEffect) return {status: 'stopped', resume: atFailedStep(), reason: state.error};
  if (state.facts.probe && !state.facts.probe.success && memory.probeStart) {
    const probe = state.facts.probe;
    return {
      status: 'stopped',
      resume: memory.probeStart,
      reason: {code: 'live-test-failed', message: `The live test did not pass: ${probe.summary}`, fix: probe.fix, step: 'probe'},
    };
  }
  return {status: 'failed', resume: null, reason: state.error};
}

// ---------------------------------------------------------------------------------------------
// Files

function writeAtomic0600(file: string, content: string): void {
  mkdirSync(path.dirname(file), {recursive: true});
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, {mode: 0o600});
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, {force: true});
    throw error;
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function readPointer(dir: string): PointerFile {
  const pointer = readJson<PointerFile>(path.join(dir, POINTER_FILE));
  if (!pointer || pointer.format !== POINTER_FORMAT || !Array.isArray(pointer.runs)) return {format: POINTER_FORMAT, version: 1, runs: []};
  return pointer;
}

/** Adds, replaces or (entry null) removes the pointer entry of one progress file; entries whose progress file is gone are dropped. */
function updatePointer(dir: string, progressFile: string, entry: PointerEntry | null): void {
  const pointer = readPointer(dir);
  const runs = pointer.runs.filter(run => path.resolve(run.progressFile) !== path.resolve(progressFile) && existsSync(run.progressFile));
  if (entry) runs.push(entry);
  if (runs.length) writeAtomic0600(path.join(dir, POINTER_FILE), JSON.stringify({...pointer, runs}, null, 2) + '\n');
  else rmSync(path.join(dir, POINTER_FILE), {force: true});
}

function readProgress(file: string): ProgressRecord | null {
  const record = readJson<ProgressRecord>(file);
  return record && record.format === FORMAT && record.version === 1 ? record : null;
}

export interface RecorderOptions {
  flow: FlowDefinition<FlowState>;
  outputDir: string;
  /** Where in-progress.json lives: the output root, or the fixed output folder. */
  pointerDir: string;
  target: string;
  planHash?: string;
  planFile?: string;
  /** The record this run resumes (its start time is kept). */
  resumedFrom?: ProgressRecord;
  now?: () => Date;
}

/**
 * Saves progress on every transition; use `record` as the runner's onTransition. The write is
 * synchronous on purpose: the runner calls onTransition before it starts the next step's
 * effect, so the file always names the step that is about to run, even if the process is
 * killed a moment later. A save is about 10 kB and takes about a millisecond (progress file and pointer).
 */
export class ProgressRecorder {
  readonly file: string;
  private memory = {cleanedUp: false, probeStart: null as FlowState | null};
  private lastPointer = '';
  /** The newest record written. */
  last: ProgressRecord | null = null;
  private hadPassword = false;
  private readonly startedAt: string;
  /** A save that failed (disk full, permissions): reported once, the run goes on. */
  writeError: Error | null = null;

  constructor(private readonly options: RecorderOptions) {
    this.file = path.join(options.outputDir, PROGRESS_FILE);
    this.startedAt = options.resumedFrom?.startedAt ?? (options.now?.() ?? new Date()).toISOString();
    this.hadPassword = Boolean(options.resumedFrom?.hadCertificatePassword);
  }

  readonly record = (state: FlowState): void => {
    if (state.answers.certificatePassword !== undefined) this.hadPassword = true;
    if (state.step === 'cleanup' || state.facts.actions.some(a => a.kind === 'deleted' && a.note?.startsWith('created by this run'))) this.memory.cleanedUp = true;
    if (state.step === 'probe' && state.status === 'running') this.memory.probeStart = state;
    this.last = this.build(state);
    this.save(this.last);
  };

  private build(state: FlowState): ProgressRecord {
    const derived = deriveResume(this.options.flow, state, this.memory);
    const resume = derived.resume ? withoutSecrets(derived.resume) : null;
    const reason = derived.reason ? {code: derived.reason.code, message: derived.reason.message, fix: derived.reason.fix, ...(derived.reason.step ? {step: derived.reason.step} : {})} : undefined;
    return {
      format: FORMAT,
      version: 1,
      flow: this.options.flow.name,
      target: this.options.target,
      ...(this.options.planHash ? {planHash: this.options.planHash} : {}),
      ...(this.options.planFile ? {planFile: path.resolve(this.options.planFile)} : {}),
      startedAt: this.startedAt,
      savedAt: (this.options.now?.() ?? new Date()).toISOString(),
      status: derived.status,
      resumable: resume !== null,
      ...(resume ? {resumeStep: resume.step, resumeTitle: this.options.flow.steps[resume.step]?.title ?? resume.step} : {}),
      ...(reason ? {reason} : {}),
      hadCertificatePassword: this.hadPassword,
      current: {step: state.step, status: state.status},
      state: resume,
    };
  }

  private save(record: ProgressRecord): void {
    try {
      writeAtomic0600(this.file, JSON.stringify(record, null, 1) + '\n');
      const entry: PointerEntry | null = record.resumable
        ? {
            target: record.target,
            ...(record.planHash ? {planHash: record.planHash} : {}),
            progressFile: this.file,
            outputDir: this.options.outputDir,
            savedAt: record.savedAt,
            resumeStep: record.resumeStep,
            status: record.status,
          }
        : null;
      // The pointer changes only when the resume point or status does.
      const pointerKey = entry ? `${entry.status}:${entry.resumeStep}` : 'none';
      if (pointerKey !== this.lastPointer) {
        updatePointer(this.options.pointerDir, this.file, entry);
        this.lastPointer = pointerKey;
      }
    } catch (error) {
      this.writeError ??= error as Error;
    }
  }
}

export function markAbandoned(progressFile: string, pointerDir: string): void {
  const record = readProgress(progressFile);
  if (record) writeAtomic0600(progressFile, JSON.stringify({...record, status: 'abandoned', resumable: false, state: null}, null, 1) + '\n');
  updatePointer(pointerDir, progressFile, null);
}

/** Sets aside every unfinished run of one target (a demo reset: the next group must not be offered them). */
export function abandonRuns(pointerDir: string, target: string): number {
  const runs = readPointer(pointerDir).runs.filter(run => run.target === target);
  for (const run of runs) markAbandoned(run.progressFile, pointerDir);
  return runs.length;
}

export interface ResumeCandidate {
  file: string;
  record: ProgressRecord & {state: FlowState};
}

/**
 * The newest resumable run for this target: for `apply`, only one made from a plan with the
 * same answers; for the wizard (planHash null), any. Entries whose file is gone are dropped.
 */
export function findResumable(options: {pointerDir: string; target: string; planHash: string | null; flow: string}): ResumeCandidate | null {
  const entries = readPointer(options.pointerDir).runs
    .filter(run => run.target === options.target && (options.planHash === null || run.planHash === options.planHash))
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  for (const entry of entries) {
    const record = readProgress(entry.progressFile);
    if (!record || !record.resumable || !record.state || record.flow !== options.flow || record.target !== options.target) {
      try {
        updatePointer(options.pointerDir, entry.progressFile, null);
      } catch {
        // an unwritable pointer does not stop the search
      }
      continue;
    }
    if (options.planHash !== null && record.planHash !== options.planHash) continue;
    return {file: entry.progressFile, record: record as ResumeCandidate['record']};
  }
  return null;
}

/** The state a resumed run starts from; the PKCS#12 password comes from the plan again. */
export function resumedState(candidate: ResumeCandidate, secrets: {certificatePassword?: string} = {}): FlowState {
  const state = candidate.record.state;
  const answers: Answers = {...state.answers, ...(secrets.certificatePassword !== undefined ? {certificatePassword: secrets.certificatePassword} : {})};
  return {...state, answers, status: 'running', error: undefined};
}

/** One line for the terminal: when the run started, how far it got, why it stopped. */
export function describeCandidate(record: ProgressRecord): string {
  const when = record.startedAt.replace('T', ' ').slice(0, 16);
  const target = record.state?.facts.target;
  const where = target ? ` in org ${target.org.name} / space ${target.space.name}` : '';
  const done = record.state?.trail.length ?? 0;
  const why = record.reason ? `; stopped: ${record.reason.message}` : record.status === 'cancelled' ? '; cancelled' : '; interrupted';
  return `Run started ${when} UTC${where}: ${done} step(s) done, next "${record.resumeTitle ?? record.resumeStep}"${why}`;
}

// ---------------------------------------------------------------------------------------------
// Repeating a step whose create failed

/** Error codes after which a create may have reached the landscape (not a "name taken" refusal). */
function codeAfterCreate(code: string): boolean {
  return ['cancelled', 'cf-broker', 'cf-timeout', 'cf-failed', 'cf-bad-response', 'cf-token-expired', 'cf-not-logged-in'].includes(code);
}

function createId(effect: Effect): string | null {
  if (effect.type === 'create-instance') return `instance:${effect.name}`;
  if (effect.type === 'create-key' && !effect.existingKeyGuid) return `key:${effect.instanceName}/${effect.keyName}`;
  return null;
}

/** Removes an instance or key of that name whose creation failed: it holds nothing and blocks the name. */
async function removeFailedCreate(cf: CfPort, effect: Effect, signal: AbortSignal): Promise<void> {
  const failedCreate = (op: {type: string; state: string} | null | undefined) => op?.type === 'create' && op.state === 'failed';
  if (effect.type === 'create-instance') {
    const instance = await cf.findInstance(effect.name, {signal});
    if (instance && failedCreate(instance.lastOperation)) await cf.deleteInstance(effect.name, {signal});
    return;
  }
  if (effect.type === 'create-key') {
    const key = await findKeyByName(cf, effect.instanceName, effect.keyName, signal);
    if (key && failedCreate(key.lastOperation)) await cf.deleteKey(effect.instanceName, effect.keyName, {signal});
  }
}

/**
 * Wraps the effect executor so that repeating a create (a resumed run re-entering the step, or
 * "Try again") first removes what the failed attempt of this run left behind: Cloud Foundry
 * keeps an instance or key whose broker operation failed, and its name would block the retry.
 * Only leftovers whose own creation failed are removed, and only for creates this run tried.
 */
export function repeatSafeExecutor(execute: EffectExecutor, cf: CfPort, resumed?: ProgressRecord | null): EffectExecutor {
  const tried = new Set<string>();
  // The resumed step was started before: it failed after cf was called, or the process ended while it ran.
  if (resumed?.state && resumed.resumeStep && (!resumed.reason || codeAfterCreate(resumed.reason.code))) {
    const step = resumed.resumeStep;
    if (step === 'create-instance' && resumed.state.answers.instanceName) tried.add(`instance:${resumed.state.answers.instanceName}`);
    if (step === 'create-key' && resumed.state.answers.keyName) tried.add(`key:${resumed.state.facts.instance?.name ?? resumed.state.answers.instanceName}/${resumed.state.answers.keyName}`);
  }
  return (async (effect, state, signal) => {
    const id = createId(effect as Effect);
    if (id && tried.has(id)) await removeFailedCreate(cf, effect as Effect, signal);
    try {
      return await execute(effect, state, signal);
    } catch (error) {
      if (id && (isCancellation(error) || codeAfterCreate(toCpiMtlsError(error).code))) tried.add(id);
      throw error;
    }
  }) as EffectExecutor;
}
