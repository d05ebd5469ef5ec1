import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {X509Certificate} from 'node:crypto';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, KEYS, spawnCli} from '../helpers/pty.js';

// The built CLI in a real pseudo-terminal walks Option 1 on the demo landscape with keystrokes;
// then the test reads what the stand-in landscape holds and what the checklist says.

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-e2e-'));
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('cpi-mtls --demo in a terminal', () => {
  it('completes Option 1 with an external certificate and ends on a verified checklist', async () => {
    const landscapeHome = path.join(dir, 'landscape');
    const out = path.join(dir, 'out');
    const cli = spawnCli(['--demo', '--out', out], {env: {CPI_MTLS_DEMO_HOME: landscapeHome}});

    await cli.waitFor('Create the service instance and keys in this org and space?');
    expect(cli.screen()).toContain('demo-customer');
    cli.send(KEYS.enter); // target: yes
    await cli.waitFor('How should Cloud Integration authorize the sender?');
    cli.send(KEYS.enter); // Option 1
    await cli.waitFor('Which role does the sender channel check?');
    cli.send(KEYS.enter); // ESBMessaging.send
    await cli.waitFor('Service instance name');
    cli.send(KEYS.enter); // default name
    await cli.waitFor('Which client certificate will the sender use?');
    cli.send(KEYS.enter); // external file
    await cli.waitFor('Path to the certificate file');
    cli.send(KEYS.enter); // the demo customer's chain
    await cli.waitFor('All certificate checks passed');
    expect(cli.recent()).toContain('CN=s4hana-sender');
    cli.send(KEYS.enter); // use it
    await cli.waitFor('Service key name');
    cli.send(KEYS.enter);
    // Every input is asked for and checked before the first write: the live test's private key too.
    await cli.waitFor('Run the live connectivity test after the key is created?');
    cli.send(KEYS.enter); // yes
    await cli.waitFor('Path to the private key');
    cli.send(KEYS.enter);
    await cli.waitFor('Check the tenant through its API?');
    expect(cli.screen()).toContain('Private key matches the certificate');
    expect(cli.screen()).not.toContain('Instance cpi-inbound-mtls created');
    cli.send(KEYS.enter); // a temporary api instance
    await cli.waitFor('Which endpoint should the live test call?');
    expect(cli.recent()).toContain('Keystore: sap_cloudintegrationcertificate');
    cli.send(KEYS.enter); // the first endpoint: Demo_Orders_Inbound
    await cli.waitFor(/HTTP 200/);
    cli.send(KEYS.enter); // continue
    await cli.waitFor('Write a PKCS#12 for the sender system?');
    cli.send(KEYS.enter); // modern algorithms
    await cli.waitFor('Save the answers as plan.yaml in the output folder?');
    cli.send(KEYS.enter); // yes
    await cli.waitFor('Setup complete');
    const {exitCode} = await cli.exited;
    expect(exitCode).toBe(0);

    // What the landscape holds now.
    const state = JSON.parse(await readFile(path.join(landscapeHome, 'cf-home/.cf/sim-state.json'), 'utf8'));
    const instance = state.instances.find((i: {name: string}) => i.name === 'cpi-inbound-mtls');
    // The temporary api instance for the tenant checks is gone again.
    expect(state.instances.map((i: {name: string}) => i.name).filter((n: string) => n.startsWith('cpi-mtls-check-'))).toEqual([]);
    expect(instance.parameters).toEqual({roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []});
    const keys = state.keys.filter((k: {instance_guid: string}) => k.instance_guid === instance.guid);
    expect(keys).toHaveLength(1);
    const leafFile = await readFile(path.join(landscapeHome, 'customer-files/s4hana-sender.crt.pem'), 'utf8');
    const sent = keys[0].parameters['X.509'] as string;
    expect(sent.match(/BEGIN CERTIFICATE/g)).toHaveLength(1); // the leaf alone, never the chain
    expect(new X509Certificate(sent).fingerprint256).toBe(new X509Certificate(leafFile).fingerprint256);
    expect(keys[0].parameters['key-type']).toBe('certificate_external');

    // The checklist, as Markdown and JSON next to the other outputs.
    const checklist = JSON.parse(await readFile(path.join(out, 'checklist.json'), 'utf8'));
    expect(checklist.outcome).toBe('complete');
    expect(checklist.created.map((c: {kind: string; what: string}) => `${c.kind} ${c.what}`)).toEqual([
      'created service instance',
      'created service key',
      'created service instance',
      'deleted service instance',
    ]);
    expect(checklist.items.find((i: {title: string}) => i.title.startsWith('Sender channel of Demo_Orders_Inbound')).status).toBe('verified');
    expect(checklist.items.find((i: {title: string}) => i.title.startsWith('Tenant keystore')).status).toBe('verified');
    expect(checklist.items.find((i: {title: string}) => i.title.startsWith('Live test')).status).toBe('verified');
    expect(checklist.commands.some((c: string) => c.startsWith('cf create-service it-rt integration-flow cpi-inbound-mtls -c '))).toBe(true);
    const markdown = await readFile(path.join(out, 'checklist.md'), 'utf8');
    expect(markdown).toContain('Sender trust store: import the load balancer root certificate');
    // Ready to forward: the customer's to-dos first and numbered, no path of this laptop, plain dates,
    // the PKCS#12 password sent another way, the commands in an appendix, stable ids and a structured target.
    expect(markdown.indexOf('## What you need to do')).toBeLessThan(markdown.indexOf('## Done and verified'));
    expect(markdown).toMatch(/^1\. \*\*Sender trust store/m);
    expect(markdown).not.toContain(out);
    expect(markdown).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
    expect(markdown).toContain('by another channel than the PKCS#12');
    expect(markdown).toContain('| `sender.p12` | PKCS#12 for the sender |');
    expect(markdown.indexOf('## Appendix: commands that changed the landscape')).toBeGreaterThan(markdown.indexOf('## Done and verified'));
    expect(markdown).not.toMatch(/^cf curl /m);
    expect(markdown).toMatch(/to-dos? left for the customer/);
    expect(checklist.items.every((i: {id?: string}) => typeof i.id === 'string' && /^[a-z0-9-]+$/.test(i.id))).toBe(true);
    expect(checklist.target).toEqual({api: expect.stringMatching(/^https:/), org: 'demo-customer', space: expect.any(String)});
    expect(cli.screen()).toContain('Next: send checklist.md to the customer');
    expect((await stat(path.join(out, 'role.json'))).isFile()).toBe(true);

    // The PKCS#12 for the sender opens with openssl 3 (no -legacy) using the password file beside it.
    const p12 = path.join(out, 'sender.p12');
    expect((await stat(p12)).mode & 0o777).toBe(0o600);
    expect((await stat(`${p12}.password.txt`)).mode & 0o777).toBe(0o600);
    const info = await execa('openssl', ['pkcs12', '-in', p12, '-passin', `file:${p12}.password.txt`, '-nokeys'], {reject: false});
    expect(info.exitCode, info.stderr).toBe(0);
    expect(info.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // leaf and intermediate
    expect(cli.screen()).not.toContain(await readFile(`${p12}.password.txt`, 'utf8').then(t => t.trim()));

    // The saved plan repeats this setup without questions.
    const [{readPlanFile}, {planSchema}] = await Promise.all([import('../../src/plan.js'), import('../../src/schema/plan.js')]);
    const planText = await readFile(path.join(out, 'plan.yaml'), 'utf8');
    expect(planText.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*\/schema\/plan\.schema\.json$/); // editors validate it
    const {plan} = await readPlanFile(path.join(out, 'plan.yaml'), planSchema);
    expect(plan).toMatchObject({option: 'role-based', role: 'ESBMessaging.send', instance: {name: 'cpi-inbound-mtls'}, certificate: {source: 'external'}, tenantChecks: {mode: 'create'}});
    // Portable: paths relative to the plan, the endpoint as its path (the host is this tenant's).
    expect(path.isAbsolute(plan.certificate!.file!)).toBe(false);
    expect(plan.liveTest).toMatchObject({run: true, path: '/http/demo/orders'});

    // Replayed headless, the saved plan reaches the same end state: nothing new, everything verified.
    const env = {...process.env, CPI_MTLS_DEMO_HOME: landscapeHome, CPI_MTLS_RESUME: 'off'};
    delete (env as Record<string, string | undefined>).CI;
    const replay = await execa(process.execPath, [CLI, 'apply', '--plan', path.join(out, 'plan.yaml'), '--demo', '--json', '--out', path.join(dir, 'out-replay')], {reject: false, env, stdin: 'ignore'});
    expect(replay.exitCode, replay.stderr).toBe(0);
    const replayed = JSON.parse(replay.stdout);
    expect(replayed.outcome).toBe('complete');
    expect(replayed.cfCalls.filter((c: {write: boolean; args: string[]}) => c.write && !c.args.join(' ').includes('cpi-mtls-check-'))).toEqual([]);
    const after = JSON.parse(await readFile(path.join(landscapeHome, 'cf-home/.cf/sim-state.json'), 'utf8'));
    expect(after.instances.map((i: {name: string}) => i.name)).toEqual(state.instances.map((i: {name: string}) => i.name));
    expect(after.keys.map((k: {guid: string}) => k.guid)).toEqual(state.keys.map((k: {guid: string}) => k.guid));
  }, 180_000);

  it('cancels with Ctrl+C, leaves the terminal and exits 130', async () => {
    const cli = spawnCli(['--demo', '--out', path.join(dir, 'out-cancel')], {env: {CPI_MTLS_DEMO_HOME: path.join(dir, 'landscape-cancel')}});
    await cli.waitFor('Create the service instance and keys in this org and space?');
    cli.send(KEYS.ctrlC);
    const {exitCode} = await cli.exited;
    expect(exitCode).toBe(130);
    expect(cli.screen()).toContain('Cancelled');
  }, 60_000);
});
