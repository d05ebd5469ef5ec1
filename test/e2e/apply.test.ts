import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI} from '../helpers/pty.js';

// Headless runs from plan files on the demo landscape: the same engine as the wizard, no questions.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-apply-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function apply(name: string, plan: string, home: string, extra: string[] = []) {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, plan);
  const env = {...process.env, CPI_MTLS_DEMO_HOME: home};
  delete (env as Record<string, string | undefined>).CI;
  return execa(process.execPath, [CLI, 'apply', '--plan', file, '--demo', ...extra], {reject: false, env, stdin: 'ignore'});
}

function stateOf(home: string) {
  return readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8').then(text => JSON.parse(text));
}

const option1 = (home: string, out: string, keyName = 's4hana-sender', chain = 's4hana-sender.chain.pem') => `
version: 1
option: role-based
role: ESBMessaging.send
instance: {name: cpi-inbound-mtls}
certificate: {source: external, file: ${home}/customer-files/${chain}}
key: {name: ${keyName}}
liveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${home}/customer-files/${chain.replace('.chain.pem', '.key.pem')}}
output: ${out}
`;

describe('cpi-mtls apply --plan', () => {
  it('runs Option 1 without questions, prints one JSON document, and a re-run changes nothing', async () => {
    const home = path.join(dir, 'land-1');
    const first = await apply('o1', option1(home, path.join(dir, 'out-1')), home, ['--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.outcome).toBe('complete');
    expect(result.checklist.created.map((c: {kind: string; what: string}) => `${c.kind} ${c.what}`)).toEqual(['created service instance', 'created service key']);
    expect(first.stderr).toContain('✔ Live test: HTTP 200');
    // Every cf call is reported with its duration, and the writes are the minimal ones.
    expect(result.cfCalls.filter((c: {write: boolean}) => c.write).map((c: {args: string[]}) => c.args[0])).toEqual(['create-service', 'create-service-key']);

    const again = await apply('o1', option1(home, path.join(dir, 'out-1b')), home, ['--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.checklist.created.map((c: {kind: string; what: string}) => `${c.kind} ${c.what}`)).toEqual(['reused service instance', 'reused service key']);
    expect(second.cfCalls.filter((c: {write: boolean}) => c.write)).toEqual([]);
    const state = await stateOf(home);
    expect(state.instances.filter((i: {name: string}) => i.name === 'cpi-inbound-mtls')).toHaveLength(1);
    expect(state.keys).toHaveLength(1);

    // Another certificate adds a key to the same instance, and says so.
    const third = await apply('o1c', option1(home, path.join(dir, 'out-1c'), 's4hana-sender-expiring', 's4hana-sender-expiring.chain.pem').replace('acceptWarnings', 'x').replace('{source: external,', '{source: external, acceptWarnings: true,'), home, ['--json']);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).checklist.created.map((c: {kind: string; what: string}) => `${c.kind} ${c.what}`)).toEqual(['reused service instance', 'created service key']);
    expect((await stateOf(home)).keys).toHaveLength(2);
  }, 120_000);

  it('creates an SAP-generated key, writes its private key 0600, and diagnoses a role mismatch', async () => {
    const home = path.join(dir, 'land-2');
    const out = path.join(dir, 'out-2');
    const run = await apply(
      'sap',
      `
option: role-based
role: Orders.send
instance: {name: cpi-inbound-orders}
certificate: {source: sap-generated, validityDays: 30}
key: {name: sap-generated-orders}
liveTest: {run: true, path: /http/demo/orders, method: GET}
output: ${out}
`,
      home,
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('HTTP 403');
    expect(run.stdout).toMatch(/role/i);
    const key = await stat(path.join(out, 'sap-generated-key.pem'));
    expect(key.mode & 0o777).toBe(0o600);
    const chain = await readFile(path.join(out, 'sap-generated-chain.pem'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('runs Option 2 and writes the certificate for the sender channel', async () => {
    const home = path.join(dir, 'land-3');
    const out = path.join(dir, 'out-3');
    const run = await apply(
      'o2',
      `
option: certificate-in-iflow
instance: {name: cpi-inbound-channel}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: s4hana-sender-channel}
liveTest: {run: true, path: /http/demo/orders-cert, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem}
output: ${out}
`,
      home,
      ['--json'],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const state = await stateOf(home);
    // Option 2 grants no role: an explicit empty list, or the broker would grant ESBMessaging.send.
    expect(state.instances.find((i: {name: string}) => i.name === 'cpi-inbound-channel').parameters).toEqual({roles: [], 'grant-types': ['client_credentials'], 'redirect-uris': []});
    const channelFile = await readFile(path.join(out, 'sender-channel-certificate.crt'), 'utf8');
    expect(channelFile.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const checklist = await readFile(path.join(out, 'checklist.md'), 'utf8');
    expect(checklist).toContain('Redeploy the integration flow');
  }, 120_000);

  it('changes nothing with --dry-run and prints the exact commands and parameters', async () => {
    const home = path.join(dir, 'land-4');
    const run = await apply('dry', option1(home, path.join(dir, 'out-4')), home, ['--dry-run']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('cf create-service it-rt integration-flow cpi-inbound-mtls -c <parameters.json>');
    expect(run.stdout).toContain('"ESBMessaging.send"');
    expect(run.stdout).toContain('cf create-service-key cpi-inbound-mtls s4hana-sender -c <parameters.json>');
    expect(run.stdout).toContain('"key-type": "certificate_external"');
    const state = await stateOf(home);
    expect(state.instances.filter((i: {name: string}) => i.name === 'cpi-inbound-mtls')).toEqual([]);
    expect(state.keys).toEqual([]);
  }, 120_000);

  it('rejects an invalid plan before anything runs, listing every problem by field path (exit 2)', async () => {
    const home = path.join(dir, 'land-5');
    const run = await apply('bad', 'option: role-base\ninstance: {name: "has space"}\ncertificate: {source: external}\nkey: {}\nfoo: 1\n', home);
    expect(run.exitCode).toBe(2);
    for (const field of ['option:', 'instance.name:', 'certificate.file:', 'key.name:', 'foo:']) expect(run.stderr).toContain(field);
    await expect(stat(home)).rejects.toThrow(); // the landscape was never started
  }, 60_000);
});

describe('tenant checks through the Cloud Integration API (demo tenant)', () => {
  const plan = (home: string, out: string, extra: string) => `
option: role-based
role: Orders.send
instance: {name: cpi-inbound-orders}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: s4hana-sender}
liveTest: {run: false, path: /http/demo/orders}
output: ${out}
${extra}
`;

  it('reads the keystore and the sender channel, and explains a role the instance lacks', async () => {
    const home = path.join(dir, 'land-t1');
    const out = path.join(dir, 'out-t1');
    const run = await apply('t1', plan(home, out, 'tenantChecks: {mode: create}'), home, ['--json']);
    expect(run.exitCode, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    const channel = result.checklist.items.find((i: {title: string}) => i.title === 'Sender channel of Demo_Orders_Inbound read from the tenant');
    expect(channel.status).toBe('failed');
    expect(channel.details.join(' ')).toContain('requires the role ESBMessaging.send');
    expect(result.checklist.items.find((i: {title: string}) => i.title.startsWith('Tenant keystore')).status).toBe('verified');
    // The temporary api instance was created and removed again.
    const state = await stateOf(home);
    expect(state.instances.map((i: {name: string}) => i.name)).toEqual(['cpi-inbound-orders']);
  }, 120_000);

  it('reports an API it cannot use, and lists the manual checks instead', async () => {
    const home = path.join(dir, 'land-t2');
    const out = path.join(dir, 'out-t2');
    const keyFile = path.join(dir, 'api-key.json');
    await writeFile(keyFile, JSON.stringify({credentials: {oauth: {clientid: 'sb-nobody', clientsecret: 'wrong', url: 'https://127.0.0.1:9', tokenurl: 'https://127.0.0.1:9/oauth/token'}}}));
    const run = await apply('t2', plan(home, out, `tenantChecks: {mode: file, apiKeyFile: ${keyFile}}`), home, ['--json']);
    const result = JSON.parse(run.stdout);
    const keystore = result.checklist.items.find((i: {title: string}) => i.title.startsWith('Tenant keystore'));
    expect(keystore.status).toBe('todo');
    expect(keystore.details.join(' ')).toContain('Monitor → Manage Security → Keystore');
    expect(keystore.details.join(' ')).toContain('The tenant API could not be used');
    expect(run.stdout).not.toContain('"wrong"'); // the secret never reaches the output
  }, 120_000);
});

describe('from nothing to a key and a CSR', () => {
  it('creates a 0600 private key and a CSR that openssl verifies, nothing in Cloud Foundry, and lists the next steps', async () => {
    const home = path.join(dir, 'land-csr');
    const out = path.join(dir, 'out-csr');
    const run = await apply(
      'csr',
      `
option: role-based
instance: {name: cpi-inbound-new}
certificate: {source: new-csr, commonName: erp-sender, keyType: ec-p256}
output: ${out}
`,
      home,
      ['--json'],
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.checklist.items.find((i: {title: string}) => i.title.startsWith('Get the CSR signed')).status).toBe('todo');
    // Nothing is created before a certificate exists: the next run, with the signed certificate, creates instance and key.
    expect(result.cfCalls.filter((c: {write: boolean}) => c.write)).toEqual([]);
    expect((await stateOf(home)).instances.filter((i: {name: string}) => i.name === 'cpi-inbound-new')).toEqual([]);
    expect((await stat(path.join(out, 'erp-sender.key.pem'))).mode & 0o777).toBe(0o600);
    const verify = await execa('openssl', ['req', '-in', path.join(out, 'erp-sender.csr.pem'), '-verify', '-noout', '-subject'], {reject: false});
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('CN = erp-sender');
    expect((await stateOf(home)).keys).toEqual([]);
  }, 120_000);
});

describe('plans that lack an answer', () => {
  it('stops when an existing instance needs an update the plan does not allow, and says which field allows it', async () => {
    const home = path.join(dir, 'land-missing');
    const first = await apply('m1', 'instance: {name: cpi-inbound-mtls}\ncertificate: {source: sap-generated}\nkey: {name: k}\n', home);
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await apply('m2', 'role: Orders.send\ninstance: {name: cpi-inbound-mtls}\ncertificate: {source: sap-generated}\nkey: {name: k2}\n', home);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('instance.update: true');
    expect((await stateOf(home)).keys).toHaveLength(1);
  }, 120_000);

  it('exits 2 and names the question when a PKCS#12 needs a password the plan does not give', async () => {
    const home = path.join(dir, 'land-p12');
    // Start the landscape once so its customer files exist, then bundle them with openssl.
    await apply('p0', 'instance: {name: x}\ncertificate: {source: new-csr, commonName: x}\n', home);
    const p12 = path.join(dir, 'sender.p12');
    const made = await execa('openssl', ['pkcs12', '-export', '-in', `${home}/customer-files/s4hana-sender.chain.pem`, '-inkey', `${home}/customer-files/s4hana-sender.key.pem`, '-out', p12, '-passout', 'pass:s3cret'], {reject: false});
    expect(made.exitCode, made.stderr).toBe(0);
    const run = await apply('p1', `instance: {name: cpi-inbound-mtls}\ncertificate: {source: external, file: ${p12}}\nkey: {name: k}\n`, home);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('PKCS#12 password');
  }, 120_000);
});

describe('live test compared with Basic authentication', () => {
  it('tells a role problem from a certificate problem with a temporary ClientId/Secret key, then removes it', async () => {
    const home = path.join(dir, 'land-basic');
    const out = path.join(dir, 'out-basic');
    const run = await apply(
      'basic',
      `
role: Orders.send
instance: {name: cpi-inbound-orders}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: s4hana-sender}
liveTest: {run: true, path: /http/demo/orders, method: GET, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem, compareBasic: true}
output: ${out}
`,
      home,
      ['--json'],
    );
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(run.stderr).toContain('Basic comparison: Both are forbidden (403)');
    expect(result.checklist.created.map((c: {kind: string; name: string}) => `${c.kind} ${c.name}`)).toEqual([
      'created cpi-inbound-orders',
      'created cpi-inbound-orders/s4hana-sender',
      expect.stringMatching(/^created cpi-inbound-orders\/cpi-mtls-basic-check-/),
      expect.stringMatching(/^deleted cpi-inbound-orders\/cpi-mtls-basic-check-/),
    ]);
    expect((await stateOf(home)).keys.map((k: {name: string}) => k.name)).toEqual(['s4hana-sender']);
    // The temporary key's secret never reaches the output.
    expect(run.stdout + run.stderr).not.toMatch(/clientsecret"\s*:\s*"[^"[]/);
  }, 120_000);
});
