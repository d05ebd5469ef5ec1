import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KEYS, spawnCli} from '../helpers/pty.js';

// The built CLI in a real pseudo-terminal: renew and migrate-neo run through the same runner
// and Ink shell as the setup wizard.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-lifecycle-pty-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

interface SimState {
  instances: Array<{guid: string; name: string}>;
  keys: Array<{name: string; instance_guid: string}>;
}

async function simState(home: string): Promise<SimState> {
  return JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8')) as SimState;
}

describe('lifecycle commands in a terminal', () => {
  it('renew --demo: new key, live test, then the old key is deleted on confirmation', async () => {
    const home = path.join(dir, 'renew');
    const cli = spawnCli(['renew', '--demo', 'expiring', '--instance', 'cpi-inbound-mtls', '--out', path.join(dir, 'renew-out')], {env: {CPI_MTLS_DEMO_HOME: home}});
    await cli.waitFor('Which instance holds the certificate to renew?', 60_000);
    cli.send(KEYS.enter);
    await cli.waitFor('Which key holds the certificate that expires?');
    expect(cli.recent()).toMatch(/s4hana-sender-expiring.*expires .* \(\d+ days\)/);
    cli.send(KEYS.enter);
    await cli.waitFor('Where does the new certificate come from?');
    cli.send(KEYS.enter); // file
    await cli.waitFor('Path to the new certificate');
    cli.send(KEYS.enter); // the demo customer's renewed chain
    await cli.waitFor('All certificate checks passed');
    expect(cli.recent()).toContain('Same subject and issuer DN');
    cli.send(KEYS.enter);
    await cli.waitFor('Name of the new service key');
    cli.send(KEYS.enter);
    await cli.waitFor('Run the live test with the new certificate?');
    cli.send(KEYS.enter);
    await cli.waitFor('Endpoint path');
    cli.send(KEYS.enter);
    await cli.waitFor('Path to the private key');
    cli.send(KEYS.enter);
    await cli.waitFor(/HTTP 200/);
    cli.send(KEYS.enter);
    await cli.waitFor('Delete the old key s4hana-sender-expiring?');
    // Keeping the old key is preselected (ink-select-input marks the selection with ❯).
    await cli.waitFor(/❯ Keep it for now/);
    cli.send(KEYS.down);
    await cli.waitFor(/❯ Delete it now/);
    cli.send(KEYS.enter); // delete it now
    await cli.waitFor('Old key cpi-inbound-mtls/s4hana-sender-expiring deleted');
    const {exitCode} = await cli.exited;
    expect(exitCode).toBe(0);
    const state = await simState(home);
    const instance = state.instances.find(i => i.name === 'cpi-inbound-mtls')!;
    const keys = state.keys.filter(k => k.instance_guid === instance.guid);
    expect(keys.map(k => k.name)).not.toContain('s4hana-sender-expiring');
    expect(keys).toHaveLength(1);
  }, 120_000);

  it('migrate-neo --demo: reads the Neo API stand-in, shows the plan and applies it', async () => {
    const home = path.join(dir, 'neo');
    const cli = spawnCli(['migrate-neo', '--demo', '--out', path.join(dir, 'neo-out')], {env: {CPI_MTLS_DEMO_HOME: home}, rows: 80, cols: 160});
    await cli.waitFor('Where do the mappings come from?', 60_000);
    cli.send(KEYS.enter); // Neo API
    await cli.waitFor('Neo tenant management URL');
    cli.send(KEYS.enter); // the stand-in's URL (credentials come from the demo)
    await cli.waitFor('Apply: run 7 cf operation(s)', 60_000);
    expect(cli.recent()).toContain('neo-esbmessaging-orders');
    expect(cli.recent()).toContain('cf create-service it-rt integration-flow neo-invoices');
    cli.send('2'); // number keys pick: change an instance name
    await cli.waitFor('Which instance?');
    cli.send('2'); // neo-esbmessaging-orders
    await cli.waitFor('Instance name');
    // One key per write: the text input takes a burst of backspaces as a single key.
    const initial = 'neo-esbmessaging-orders';
    for (let left = initial.length - 1; left >= 0; left--) {
      cli.send('\u007F');
      await cli.waitFor(new RegExp(`(?:Instance name:|›) ?${initial.slice(0, left).replace(/[.]/g, '\\.')}(?![a-z.-])`));
    }
    cli.send('orders-inbound');
    await cli.waitFor(/(?:Instance name:|›) ?orders-inbound/);
    cli.send(KEYS.enter);
    await cli.waitFor('Apply: run 7 cf operation(s)');
    expect(cli.recent()).toContain('orders-inbound');
    cli.send(KEYS.enter); // apply
    // The final view (intermediate frames may be skipped under load).
    await cli.waitFor('Instance orders-inbound (roles ESBMessaging.send, Orders.send)', 60_000);
    const {exitCode} = await cli.exited;
    expect(exitCode).toBe(0);
    const state = await simState(home);
    expect(state.instances.map(i => i.name).sort()).toEqual(['neo-esbmessaging', 'neo-invoices', 'orders-inbound']);
    expect(state.keys).toHaveLength(4);
  }, 180_000);
});
