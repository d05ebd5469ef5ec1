/**
 * The timeouts a user can set for every command, read and validated in one place: a run with an
 * invalid value stops before it starts (exit 2), whatever the command.
 */
import {UsageError} from './errors.js';

export interface Timeouts {
  /** Bound of one cf call (CPI_MTLS_CF_TIMEOUT_MS); undefined = the adapter's default. */
  cfTimeoutMs?: number;
  /** Bound of each stage of a TLS probe (CPI_MTLS_PROBE_TIMEOUT_MS); undefined = the probe's default. */
  probeTimeoutMs?: number;
}

/** A positive whole number of milliseconds from the environment, or undefined when unset. */
function msFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`${name}=${text} is not a positive whole number of milliseconds.`, {fix: [`Set ${name} to e.g. 60000, or unset it for the default.`]});
  }
  return value;
}

/** Throws a UsageError (exit 2) naming the variable when a value is not a positive whole number. */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Timeouts {
  return {cfTimeoutMs: msFromEnv(env, 'CPI_MTLS_CF_TIMEOUT_MS'), probeTimeoutMs: msFromEnv(env, 'CPI_MTLS_PROBE_TIMEOUT_MS')};
}
