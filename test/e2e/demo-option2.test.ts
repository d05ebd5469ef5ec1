import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {X509Certificate} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KEYS, spawnCli} from '../helpers/pty.js';

// Option 2 walked in a real terminal: SAP's warning first, an instance without roles, the key,
// the tenant's own view of the sender channel, the live test against the channel that lists the
// certificate, and the file to upload in the channel.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-e2e-o2-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('cpi-mtls --demo, Option 2 in a terminal', () => {
  it('warns, creates an instance that grants no role (roles: []), and ends with the channel certificate and the redeploy note', async () => {
    const home = path.join(dir, 'landscape');
    const out = path.join(dir, 'out');
    const cli = spawnCli(['--demo', '--no-explain', '--out', out], {env: {CPI_MTLS_DEMO_HOME: home}});

    await cli.waitFor('Create the service instance and keys in this org and space?');
    cli.send(KEYS.enter);
    await cli.waitFor('How should Cloud Integration authorize the sender?');
    await cli.sendEach(KEYS.down, KEYS.enter); // Option 2
    await cli.waitFor('Continue with Option 2 anyway?');
    expect(cli.recent()).toContain('SAP does not recommend Option 2');
    expect(cli.recent()).toContain('redeployment of the integration flow');
    await cli.sendEach(KEYS.up, KEYS.enter); // Yes (the default is No)
    await cli.waitFor('Service instance name');
    cli.send(KEYS.enter);
    await cli.waitFor('Which client certificate will the sender use?');
    expect(cli.recent()).not.toContain('Let SAP generate one'); // Option 2 needs a file for the channel
    cli.send(KEYS.enter);
    await cli.waitFor('Path to the certificate file');
    cli.send(KEYS.enter);
    await cli.waitFor('All certificate checks passed');
    cli.send(KEYS.enter);
    await cli.waitFor('Service key name');
    cli.send(KEYS.enter);
    await cli.waitFor('Run the live connectivity test after the key is created?');
    cli.send(KEYS.enter); // yes
    await cli.waitFor('Path to the private key');
    cli.send(KEYS.enter);
    await cli.waitFor('Check the tenant through its API?');
    cli.send(KEYS.enter); // temporary api instance
    await cli.waitFor('Which endpoint should the live test call?');
    // The role-based flow does not fit Option 2; the certificate channel is the one to test, and the default.
    expect(cli.recent()).toContain('is set to Authorization "User Role" (Option 1)');
    expect(cli.recent()).toMatch(/❯ Demo_Orders_ClientCertificate/);
    cli.send(KEYS.enter);
    await cli.waitFor(/HTTP 200/);
    cli.send(KEYS.enter);
    await cli.waitFor('Write a PKCS#12 for the sender system?');
    await cli.sendEach(KEYS.down, KEYS.down, KEYS.enter); // no
    await cli.waitFor('Save the answers as plan.yaml in the output folder?');
    await cli.sendEach(KEYS.down, KEYS.enter); // no
    await cli.waitFor('Setup complete');
    expect((await cli.exited).exitCode).toBe(0);

    const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8'));
    const instance = state.instances.find((i: {name: string}) => i.name === 'cpi-inbound-mtls');
    // Least privilege: an explicit empty role list, so the broker's default role is not granted.
    expect(instance.parameters).toEqual({roles: [], 'grant-types': ['client_credentials'], 'redirect-uris': []});
    const checklistJson = JSON.parse(await readFile(path.join(out, 'checklist.json'), 'utf8'));
    expect(checklistJson.items.find((i: {title: string}) => i.title.startsWith('The instance grants no role')).status).toBe('verified');
    const channelFile = await readFile(path.join(out, 'sender-channel-certificate.crt'), 'utf8');
    const leaf = await readFile(path.join(home, 'customer-files/s4hana-sender.crt.pem'), 'utf8');
    expect(new X509Certificate(channelFile).fingerprint256).toBe(new X509Certificate(leaf).fingerprint256);
    const checklist = await readFile(path.join(out, 'checklist.md'), 'utf8');
    expect(checklist).toContain('Authorization = Client Certificate');
    expect(checklist).toContain('Redeploy the integration flow: a short downtime.');
    expect(checklist).toContain('Every renewal repeats upload and redeploy');
  }, 180_000);
});
