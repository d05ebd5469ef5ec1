import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, KEYS, spawnCli} from '../helpers/pty.js';
import {createDemoPki, type DemoPki} from '../../src/demo/pki.js';
import {startDemoLandscape} from '../../src/demo/landscape.js';
import {CHANNEL_UPLOAD_FOLDER} from '../../src/demo/scenarios.js';

// Every workshop scenario of `cpi-mtls --demo <scenario>`, walked end to end by the built CLI:
// headless runs from plan files for most, and a pseudo-terminal for the walks a trainer does
// by hand. Each test asserts the diagnosis the lesson is about. Landscapes live in temporary
// folders (CPI_MTLS_DEMO_HOME); one demo PKI is shared through each landscape's PKI file.

let dir: string;
let pki: DemoPki;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-workshop-'));
  pki = await createDemoPki();
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function freshHome(name: string): Promise<string> {
  const home = path.join(dir, name);
  await mkdir(home, {recursive: true});
  await writeFile(path.join(home, 'demo-pki.json'), JSON.stringify(pki), {mode: 0o600});
  return home;
}

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env = {...process.env, ...extra} as Record<string, string | undefined>;
  delete env.CI;
  return env as Record<string, string>;
}

interface ApplyResult {
  exitCode: number;
  stderr: string;
  json: {
    outcome: string;
    status: string;
    error: {code: string; message: string; fix: string[]} | null;
    checklist: {items: Array<{status: string; title: string; details: string[]}>; target: string; created: Array<{kind: string; what: string}>};
    files: Record<string, string>;
  };
}

async function apply(scenario: string, home: string, plan: string, tag = scenario, extra: string[] = []): Promise<ApplyResult> {
  const file = path.join(dir, `${tag}.yaml`);
  await writeFile(file, plan);
  const run = await execa(process.execPath, [CLI, 'apply', '--plan', file, '--demo', scenario, '--json', ...extra], {
    reject: false,
    env: cleanEnv({CPI_MTLS_DEMO_HOME: home}),
    stdin: 'ignore',
    timeout: 60_000,
  });
  let json: ApplyResult['json'];
  try {
    json = JSON.parse(run.stdout);
  } catch {
    throw new Error(`apply --demo ${scenario} printed no JSON (exit ${run.exitCode})\n${run.stderr}`);
  }
  return {exitCode: run.exitCode ?? -1, stderr: run.stderr, json};
}

interface PlanOptions {
  role?: string;
  instance?: string;
  update?: boolean;
  certificate?: string;
  key?: string;
  keyName?: string;
  output: string;
}

/** Option 1 from a plan, with the demo customer's files by default. */
function option1(home: string, o: PlanOptions): string {
  const files = path.join(home, 'customer-files');
  return `
version: 1
option: role-based
role: ${o.role ?? 'ESBMessaging.send'}
instance: {name: ${o.instance ?? 'cpi-inbound-mtls'}, update: ${o.update ?? false}}
certificate: {source: external, file: ${path.join(files, o.certificate ?? 's4hana-sender.chain.pem')}}
key: {name: ${o.keyName ?? 's4hana-sender'}}
liveTest: {run: true, path: /http/demo/orders, method: POST, privateKeyFile: ${path.join(files, o.key ?? 's4hana-sender.key.pem')}}
output: ${o.output}
`;
}

async function stateOf(home: string) {
  return JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8')) as {
    target: {org: {name: string} | null};
    instances: Array<{name: string; guid: string; parameters: Record<string, unknown>}>;
    keys: Array<{name: string; instance_guid: string; credentials: {oauth: {certificatedetails?: {validuntil: string}}}}>;
  };
}

const item = (result: ApplyResult, title: RegExp) => result.json.checklist.items.find(i => title.test(i.title));
const detailsOf = (result: ApplyResult, title: RegExp) => (item(result, title)?.details ?? []).join('\n');

describe.concurrent('workshop scenarios, headless (apply --plan --demo <scenario> --json)', () => {
  it('happy: Option 1 from scratch succeeds with HTTP 200', async () => {
    const home = await freshHome('happy');
    const run = await apply('happy', home, option1(home, {output: path.join(dir, 'out-happy')}));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json.outcome).toBe('complete');
    expect(item(run, /^Live test/)?.status).toBe('verified');
    expect(run.stderr).toContain('HTTP 200');
  });

  it('root-instead-of-leaf: the CA certificate is refused before anything is uploaded', async () => {
    const home = await freshHome('root');
    const run = await apply('root-instead-of-leaf', home, option1(home, {certificate: 'demo-customer-root-ca.pem', output: path.join(dir, 'out-root')}));
    expect(run.exitCode).toBe(1);
    expect(run.json.error?.code).toBe('certificate-rejected');
    expect(detailsOf(run, /^Client certificate/)).toContain('"cpi-mtls Demo Client Root CA" is a self-signed CA certificate (basicConstraints CA:TRUE), not a client certificate');
    expect(run.json.error?.fix.join('\n')).toContain('the service key takes the client (leaf) certificate only');
    expect((await stateOf(home)).keys).toEqual([]);
  });

  it('no-client-auth: the EKU check fails and explains the handshake rejection', async () => {
    const home = await freshHome('eku');
    const run = await apply(
      'no-client-auth',
      home,
      option1(home, {certificate: 's4hana-sender-no-clientauth.chain.pem', key: 's4hana-sender-no-clientauth.key.pem', output: path.join(dir, 'out-eku')}),
    );
    expect(run.exitCode).toBe(1);
    expect(run.json.error?.code).toBe('certificate-rejected');
    const details = detailsOf(run, /^Client certificate/);
    expect(details).toContain('fail: Extended key usage: clientAuth');
    expect(details).toContain('lists only TLS Web Server Authentication (1.3.6.1.5.5.7.3.1); TLS Web Client Authentication (clientAuth, 1.3.6.1.5.5.7.3.2) is not listed');
    expect(details).toContain('rejects certificates without it during the TLS handshake');
    expect((await stateOf(home)).keys).toEqual([]);
  });

  it('missing-chain: the leaf alone fails the chain check; with the chain it works, and the leaf alone on the wire gets 401', async () => {
    const home = await freshHome('chain');
    const leafOnly = await apply('missing-chain', home, option1(home, {certificate: 's4hana-sender.crt.pem', output: path.join(dir, 'out-chain-1')}), 'chain-1');
    expect(leafOnly.exitCode).toBe(1);
    expect(leafOnly.json.error?.code).toBe('certificate-rejected');
    const details = detailsOf(leafOnly, /^Client certificate/);
    expect(details).toContain('fail: Chain complete and in order');
    expect(details).toContain('is missing (an intermediate certificate is needed)');
    expect(leafOnly.json.error?.fix.join('\n')).toContain('The load balancer holds roots only, so the sender must present every intermediate');

    const withChain = await apply('missing-chain', home, option1(home, {output: path.join(dir, 'out-chain-2')}), 'chain-2');
    expect(withChain.exitCode, withChain.stderr).toBe(0);

    // What the trainer shows from a second terminal while the wizard waits: the same key, the leaf alone.
    const landscape = await startDemoLandscape({scenario: 'missing-chain', home});
    try {
      const rootFile = path.join(dir, 'chain-lb-root.pem');
      await writeFile(rootFile, landscape.tenant.serverCaPem);
      const files = path.join(home, 'customer-files');
      const probe = await execa(
        process.execPath,
        [CLI, 'probe', `${landscape.tenant.runtimeUrl}/http/demo/orders`, '--cert', path.join(files, 's4hana-sender.crt.pem'), '--key', path.join(files, 's4hana-sender.key.pem'), '--ca', rootFile, '--no-aia'],
        {reject: false, env: cleanEnv({}), stdin: 'ignore', timeout: 30_000},
      );
      expect(probe.exitCode).toBe(1);
      expect(probe.stdout).toContain('401');
      expect(probe.stdout).toMatch(/leaf without all intermediates|send leaf \+ intermediates/i);
    } finally {
      await landscape.stop();
    }
  });

  it('duplicate-certificate: the scan finds the certificate in legacy-orders-inbound and creates no key', async () => {
    const home = await freshHome('dup');
    const run = await apply('duplicate-certificate', home, option1(home, {output: path.join(dir, 'out-dup')}));
    expect(run.exitCode).toBe(1);
    expect(run.json.error?.code).toBe('duplicate-certificate');
    expect(run.json.error?.message).toContain('legacy-orders-inbound/s4hana-sender-2025');
    expect(detailsOf(run, /exactly one service key/)).toContain('calls would fail with 401 invalid_client');
    const state = await stateOf(home);
    expect(state.keys.map(k => k.name)).toEqual(['s4hana-sender-2025']);
  });

  it('role-mismatch: HTTP 403 with the role diagnosis; a re-run with the custom role updates the instance and gets 200', async () => {
    const home = await freshHome('role');
    const first = await apply('role-mismatch', home, option1(home, {output: path.join(dir, 'out-role-1')}), 'role-1');
    expect(first.exitCode).toBe(1);
    const live = detailsOf(first, /^Live test/);
    expect(live).toContain('HTTP 403');
    expect(live).toContain('is not among the roles of the service instance');

    const fixed = await apply('role-mismatch', home, option1(home, {role: 'Orders.send', update: true, output: path.join(dir, 'out-role-2')}), 'role-2');
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.json.checklist.created.map(c => `${c.kind} ${c.what}`)).toEqual(['updated service instance', 'reused service key']);
    expect(item(fixed, /^Live test/)?.status).toBe('verified');
    const instance = (await stateOf(home)).instances.find(i => i.name === 'cpi-inbound-mtls')!;
    expect(instance.parameters.roles).toEqual(['ESBMessaging.send', 'Orders.send']);
  });

  it('trial: the setup succeeds but the live test gets 401 invalid_client, diagnosed as the missing tenant key pair', async () => {
    const home = await freshHome('trial');
    const run = await apply('trial', home, option1(home, {output: path.join(dir, 'out-trial')}));
    expect(run.exitCode).toBe(1);
    expect(run.json.checklist.target).toMatchObject({org: expect.stringMatching(/trial/)});
    const live = detailsOf(run, /^Live test/);
    expect(live).toContain('HTTP 401 invalid_client');
    expect(live).toContain('sap_cloudintegrationcertificate is missing');
    expect(live).toContain('trial tenants');
    expect(item(run, /^Service key/)?.status).not.toBe('failed');
  });

  it('option-2: the channel still lists the old certificate (403); after the "redeploy" the same run answers 200', async () => {
    const home = await freshHome('option2');
    const out = path.join(dir, 'out-option2');
    const plan = `
version: 1
option: certificate-in-iflow
instance: {name: cpi-inbound-channel}
certificate: {source: external, file: ${path.join(home, 'customer-files/s4hana-sender.chain.pem')}}
key: {name: s4hana-sender-channel}
liveTest: {run: true, path: /http/demo/orders-cert, privateKeyFile: ${path.join(home, 'customer-files/s4hana-sender.key.pem')}}
output: ${out}
`;
    const first = await apply('option-2', home, plan, 'option2-1');
    expect(first.exitCode).toBe(1);
    const live = detailsOf(first, /^Live test/);
    expect(live).toContain('HTTP 403');
    expect(live).toMatch(/subject and issuer are not in its list/);
    const channelFile = path.join(out, 'sender-channel-certificate.crt');
    expect(await readFile(path.join(out, 'checklist.md'), 'utf8')).toContain('Redeploy the integration flow');

    await mkdir(path.join(home, CHANNEL_UPLOAD_FOLDER));
    await copyFile(channelFile, path.join(home, CHANNEL_UPLOAD_FOLDER, 'sender-channel-certificate.crt'));
    const second = await apply('option-2', home, plan.replace(out, `${out}-2`), 'option2-2');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(item(second, /^Live test/)?.status).toBe('verified');
  });

  it('expiring: the landscape holds two keys that expire within 10 days, and audit reports them', async () => {
    const home = await freshHome('expiring');
    // A dry run starts (and so seeds) the landscape without changing it.
    const dry = await apply('expiring', home, option1(home, {output: path.join(dir, 'out-expiring')}), 'expiring', ['--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const state = await stateOf(home);
    const expiring = state.keys.filter(k => {
      const until = k.credentials.oauth.certificatedetails?.validuntil;
      return until !== undefined && Date.parse(until) - Date.now() < 10.01 * 86_400_000;
    });
    expect(expiring.map(k => k.name).sort()).toEqual(['s4hana-sender-expiring', 'sap-generated-invoices']);

    // The audit command against the same stand-in cf (its own --demo is built elsewhere).
    const audit = await execa(process.execPath, [CLI, 'audit', '--json'], {
      reject: false,
      env: cleanEnv({PATH: `${path.join(home, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, CF_HOME: path.join(home, 'cf-home')}),
      stdin: 'ignore',
      timeout: 60_000,
    });
    expect(audit.exitCode, audit.stderr).toBe(1);
    expect(audit.stdout).toContain('s4hana-sender-expiring');
    expect(audit.stdout).toContain('sap-generated-invoices');
  });
});

type Cli = ReturnType<typeof spawnCli>;
/** How to answer a prompt: Enter (the default), a choice by its label, or a function of the nth time it is asked. */
type Answer = 'enter' | {choose: string} | {keys: string[]};
type Answers = Record<string, Answer | ((nth: number) => Answer)>;

const FOOTER = 'Enter confirm';

/** The choice labels rendered after the newest occurrence of a prompt. */
function choicesAfter(text: string, prompt: string): string[] {
  const tail = text.slice(text.lastIndexOf(prompt) + prompt.length);
  const labels: string[] = [];
  for (const line of tail.split(/\r?\n/).slice(1)) {
    if (line.includes(FOOTER)) break;
    const match = /^\s*(?:❯)?\s*(\S.*?)\s*$/.exec(line);
    if (match) labels.push(match[1]!);
  }
  return labels;
}

/**
 * Answers the wizard's questions by their prompt until `until` appears. Walking by prompt (not by
 * a fixed order) keeps the walk valid when steps are added: a question the walk does not know is
 * answered with its default (Enter) once its frame has stayed the same for a moment.
 */
async function walk(cli: Cli, answers: Answers, until: string | RegExp, timeoutMs = 90_000): Promise<void> {
  const asked = new Map<string, number>();
  let last: string | undefined;
  let unknownSince: {prompt: string; at: number} | undefined;
  const deadline = Date.now() + timeoutMs;
  const reached = (text: string) => (typeof until === 'string' ? text.includes(until) : until.test(text));
  for (;;) {
    const text = cli.recent();
    if (reached(text)) return;
    // The newest question on screen whose frame is complete (its footer follows it).
    const prompts = [...text.matchAll(/^\? (.+?)(?::\s.*)?$/gm)].filter(m => text.indexOf(FOOTER, m.index) >= 0);
    const newest = prompts.at(-1)?.[1]?.replace(/:$/, '').trim();
    if (newest && newest !== last) {
      const known = Object.keys(answers).find(p => newest === p || newest.startsWith(p));
      if (known || (unknownSince?.prompt === newest && Date.now() - unknownSince.at > 1_000)) {
        const key = known ?? newest;
        const nth = (asked.get(key) ?? 0) + 1;
        asked.set(key, nth);
        // A walk that keeps answering the same question goes in circles: stop with the screen.
        if (nth > 3) throw new Error(`"${key}" asked ${nth} times while walking to ${String(until)}\n--- recent output ---\n${text.slice(-3000)}`);
        const rule = known ? answers[known]! : 'enter';
        const answer = typeof rule === 'function' ? rule(nth) : rule;
        await new Promise(resolve => setTimeout(resolve, 60)); // let Ink attach the step's input handler
        last = newest;
        unknownSince = undefined;
        if (answer === 'enter') cli.send(KEYS.enter);
        else if ('choose' in answer) {
          const labels = choicesAfter(text, `? ${newest}`);
          const index = labels.findIndex(label => label.startsWith(answer.choose));
          if (index < 0 || index > 8) throw new Error(`No choice "${answer.choose}" after "${newest}": ${JSON.stringify(labels)}`);
          cli.send(String(index + 1)); // a number key picks that choice at once
        } else {
          for (const keys of answer.keys) {
            cli.send(keys);
            await new Promise(resolve => setTimeout(resolve, 15));
          }
        }
        continue;
      }
      if (unknownSince?.prompt !== newest) unknownSince = {prompt: newest, at: Date.now()};
    }
    if (Date.now() > deadline) throw new Error(`Timed out walking to ${String(until)}\n--- recent output ---\n${text.slice(-3000)}`);
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

/** Enter at every question of Option 1, no tenant checks, and the live test run. */
const OPTION1_DEFAULTS: Answers = {
  'Create the service instance and keys in this org and space?': 'enter',
  'How should Cloud Integration authorize the sender?': {choose: 'Option 1'},
  'Which role does the sender channel check?': {choose: 'ESBMessaging.send'},
  'Service instance name': 'enter',
  'Which client certificate will the sender use?': {choose: 'A certificate file'},
  'Path to the certificate': 'enter',
  'Continue?': {choose: 'Use this certificate'},
  'Service key name': 'enter',
  'Run the live connectivity test after the key is created?': {choose: 'Yes'},
  'Path to the private key': 'enter',
  'Check the tenant through its API?': {choose: 'No'},
  'Endpoint path': 'enter',
};

function spawnScenario(scenario: string, home: string, out: string): Cli {
  return spawnCli(['--demo', scenario, '--out', out, '--no-explain'], {env: {CPI_MTLS_DEMO_HOME: home}, cols: 250});
}

describe('workshop scenarios in a terminal', () => {
  it('root-instead-of-leaf: the review fails the CA file; "Use another certificate file" with the chain completes the run', async () => {
    const home = await freshHome('pty-root');
    const cli = spawnScenario('root-instead-of-leaf', home, path.join(dir, 'out-pty-root'));
    await walk(cli, OPTION1_DEFAULTS, 'Fix the certificate first');
    await cli.waitFor(FOOTER);
    const review = cli.recent();
    expect(review).toContain('This certificate will not work');
    expect(review).toContain('is a self-signed CA certificate');
    expect(review).toContain('demo-customer-root-ca.pem');

    // The value follows the prompt on its line ("? Prompt: value") or on the next ("› value").
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const shows = (value: string) => new RegExp(`(?:^\\? Path to the certificate file: |^› ?)${escape(value)}\\s*$`, 'm');
    // The rejected file is not offered again: the field starts empty.
    await walk(cli, {'Fix the certificate first': {choose: 'Use another certificate file'}}, shows(''));
    // Typed fast in one go and completed with Tab: "cha" names the chain alone.
    const chain = path.join(home, 'customer-files', 's4hana-sender.chain.pem');
    cli.send(`${path.join(home, 'customer-files', 's4hana-sender.cha')}\t`);
    await cli.waitFor(shows(chain));
    cli.send(KEYS.enter);
    await walk(cli, OPTION1_DEFAULTS, 'Setup complete');
    expect(cli.screen()).toContain('All certificate checks passed');
    expect(cli.screen()).toMatch(/HTTP 200/);
    expect((await cli.exited).exitCode).toBe(0);
    expect((await stateOf(home)).keys).toHaveLength(1);
  }, 120_000);

  it('client-x509: the existing instance is explained, "Update the instance" replaces the grant, and the run completes', async () => {
    const home = await freshHome('pty-x509');
    const cli = spawnScenario('client-x509', home, path.join(dir, 'out-pty-x509'));
    await walk(cli, OPTION1_DEFAULTS, 'What should happen with it?');
    await cli.waitFor(FOOTER);
    const screen = cli.recent();
    expect(screen).toContain('deprecated grant type client_x509');
    expect(screen).toContain('"grant-types":["client_credentials"]');
    expect(screen).toContain('Update the instance');
    // The update is the lesson: the live test is skipped to keep the walk short.
    await walk(cli, {...OPTION1_DEFAULTS, 'What should happen with it?': {choose: 'Update the instance'}, 'Run the live connectivity test after the key is created?': {choose: 'No'}}, 'Setup complete');
    expect(cli.screen()).toContain('Instance cpi-inbound-mtls updated');
    expect((await cli.exited).exitCode).toBe(0);
    const instance = (await stateOf(home)).instances.find(i => i.name === 'cpi-inbound-mtls')!;
    expect(instance.parameters['grant-types']).toEqual(['client_credentials']);
    expect(instance.parameters.roles).toEqual(['ESBMessaging.send']);
  }, 120_000);

  it('role-mismatch: the live test shows HTTP 403 and the role diagnosis on screen', async () => {
    const home = await freshHome('pty-role');
    const cli = spawnScenario('role-mismatch', home, path.join(dir, 'out-pty-role'));
    await walk(cli, OPTION1_DEFAULTS, 'Run the test again');
    await cli.waitFor(FOOTER);
    const screen = cli.recent();
    expect(screen).toMatch(/HTTP 403/);
    expect(screen).toContain('is not among the roles of the service instance');
    await walk(cli, {Next: {choose: 'Write the checklist with this result'}}, 'Not complete');
    const {exitCode} = await cli.exited;
    expect(exitCode).toBe(1);
  }, 120_000);
});
