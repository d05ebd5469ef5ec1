import {describe, expect, it} from 'vitest';
import {validateInstanceName, validateKeyName} from '../../flows/validate.js';
import {timeoutsFromEnv} from '../../src/timeouts.js';

describe('names that reach cf as arguments', () => {
  it.each(['-rf', '--help', '-f', '-'])('refuses %s, which cf would read as an option', name => {
    expect(validateInstanceName(name)).toMatch(/starts with "-"/);
    expect(validateKeyName(name)).toMatch(/starts with "-"/);
  });

  it('accepts names with "-" inside', () => {
    expect(validateInstanceName('cpi-inbound-mtls')).toBeNull();
    expect(validateKeyName('s4hana-sender-2027-11')).toBeNull();
  });
});

describe('timeouts from the environment', () => {
  it('reads both variables and leaves unset ones to the defaults', () => {
    expect(timeoutsFromEnv({CPI_MTLS_CF_TIMEOUT_MS: '60000'})).toEqual({cfTimeoutMs: 60000, probeTimeoutMs: undefined});
  });

  it.each(['0', '-5', '1.5', 'abc', '10s'])('refuses %s with a usage error (exit 2) naming the variable', value => {
    expect(() => timeoutsFromEnv({CPI_MTLS_PROBE_TIMEOUT_MS: value})).toThrow(/CPI_MTLS_PROBE_TIMEOUT_MS/);
    try {
      timeoutsFromEnv({CPI_MTLS_PROBE_TIMEOUT_MS: value});
    } catch (error) {
      expect((error as {exitCode: number}).exitCode).toBe(2);
    }
  });
});
