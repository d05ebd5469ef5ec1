import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli, inventory as inventoryOf, useDemoLandscape} from './harness.js';

// CPI_MTLS_CF_TIMEOUT_MS and CPI_MTLS_PROBE_TIMEOUT_MS hold for every command, not only the
// setup wizard: validated before anything runs, and a hanging cf is stopped.

let dir: string;
let home: string;

useDemoLandscape('cpi-mtls-timeouts-', where => ({dir, home} = where));

const inventory = (landscapeHome = home) => inventoryOf(landscapeHome);

const base = ['renew', '--demo', '--instance', 'cpi-inbound-mtls', '--key', 's4hana-sender-expiring'];

describe('audit, renew and migrate-neo: timeouts from the environment', () => {
  it('an invalid CPI_MTLS_CF_TIMEOUT_MS or CPI_MTLS_PROBE_TIMEOUT_MS exits 2 before anything runs', async () => {
    const before = await inventory();
    for (const [command, variable] of [['audit', 'CPI_MTLS_CF_TIMEOUT_MS'], ['renew', 'CPI_MTLS_PROBE_TIMEOUT_MS'], ['migrate-neo', 'CPI_MTLS_CF_TIMEOUT_MS']] as const) {
      const args = command === 'renew' ? [...base, '--sap-generated', '--no-live-test', '--json'] : [command, '--demo', '--json'];
      const result = await cli(args, {CPI_MTLS_DEMO_HOME: home, [variable]: 'soon'});
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`${variable}=soon is not a positive whole number of milliseconds.`);
      expect(JSON.parse(result.stdout).error.code).toBe('usage');
    }
    expect(await inventory()).toEqual(before);
  }, 60_000);

  it('a hanging cf is stopped after CPI_MTLS_CF_TIMEOUT_MS: audit, renew and migrate-neo end with a clear error', async () => {
    const before = await inventory();
    const audit = await cli(['audit', '--demo', '--json'], {CPI_MTLS_DEMO_HOME: home, CPI_MTLS_CF_TIMEOUT_MS: '2000', CF_SIM_FAULTS: JSON.stringify({curl: {type: 'hang'}})});
    expect(audit.code).toBe(1);
    expect(audit.stderr).toMatch(/cf curl did not finish within 2 s and was stopped/);
    expect(audit.ms).toBeLessThan(30_000);

    // Writes get three times the read bound.
    const renew = await cli([...base, '--json', '--sap-generated', '--no-live-test', '--out', path.join(dir, 'hang')], {CPI_MTLS_DEMO_HOME: home, CPI_MTLS_CF_TIMEOUT_MS: '4000', CF_SIM_FAULTS: JSON.stringify({'create-service-key': {type: 'hang'}})});
    expect(renew.code, renew.stderr).toBe(1);
    expect(renew.stderr).toMatch(/cf create-service-key did not finish within 12 s and was stopped/);
    expect(renew.ms).toBeLessThan(60_000);
    expect(JSON.parse(renew.stdout).newKey).toBeNull();

    const migrate = await cli(['migrate-neo', '--demo', '--json', '--out', path.join(dir, 'hang-neo')], {CPI_MTLS_DEMO_HOME: path.join(dir, 'neo-landscape'), CPI_MTLS_CF_TIMEOUT_MS: '2000', CF_SIM_FAULTS: JSON.stringify({'*': {type: 'hang'}})});
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/did not finish within 2 s and was stopped/);
    expect(migrate.ms).toBeLessThan(40_000);
    expect(await inventory()).toEqual(before);
  }, 180_000);
});

