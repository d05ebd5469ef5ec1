import {randomBytes} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openssl} from '../certs/fixtures.js';
import {CLI} from '../helpers/pty.js';

// Every certificate input a user may get wrong, run headless with `apply` on the demo landscape:
// each one ends at once with a clear error (exit 1 or 2) and nothing is created in Cloud Foundry.
// Before the inputs were validated first, an unreadable file made the certificate step repeat
// forever, and a refused certificate left a new service instance behind.

let dir: string;
let home: string;
const files = () => path.join(home, 'customer-files');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-refused-'));
  home = path.join(dir, 'landscape');
  // Warm-up: the first start generates the demo landscape's PKI; this plan stops at the target question.
  const warm = await apply('warm-up', plan({file: 'unused.pem', confirm: false}));
  expect(warm.exitCode, warm.stderr).toBe(1);
  await mkdir(path.join(dir, 'a-folder.pem'));
  await writeFile(path.join(dir, 'random.pem'), randomBytes(4096));
  await writeFile(path.join(dir, 'empty.pem'), '');
  await writeFile(path.join(dir, 'garbage.pem'), 'this is not a certificate\nat all\n');
  await writeFile(path.join(dir, 'huge.pem'), Buffer.alloc(10 * 1024 * 1024, 0x41));
  openssl(['pkcs12', '-export', '-in', path.join(files(), 's4hana-sender.chain.pem'), '-inkey', path.join(files(), 's4hana-sender.key.pem'), '-out', path.join(dir, 'sender.p12'), '-passout', 'pass:right-password']);
  await writeFile(path.join(dir, 'wrong-password.txt'), 'wrong-password\n');
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

function plan(options: {file: string; passwordFile?: string; privateKeyFile?: string; confirm?: boolean}): string {
  return `
option: role-based
target: {confirm: ${options.confirm ?? true}}
instance: {name: cpi-inbound-mtls}
certificate: {source: external, file: ${JSON.stringify(options.file)}${options.passwordFile ? `, passwordFile: ${JSON.stringify(options.passwordFile)}` : ''}}
key: {name: s4hana-sender}
liveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${JSON.stringify(options.privateKeyFile ?? path.join(files(), 's4hana-sender.key.pem'))}}
tenantChecks: {mode: create}
onFailure: remove
output: ${JSON.stringify(path.join(dir, 'out'))}
`;
}

async function apply(name: string, text: string) {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  const env = {...process.env, CPI_MTLS_DEMO_HOME: home, CPI_MTLS_RESUME: 'off'};
  delete (env as Record<string, string | undefined>).CI;
  const started = performance.now();
  const run = await execa(process.execPath, [CLI, 'apply', '--plan', file, '--demo', '--json'], {reject: false, env, stdin: 'ignore', timeout: 60_000});
  return {...run, ms: performance.now() - started};
}

const cases: Array<{name: string; file: () => string; passwordFile?: () => string; privateKeyFile?: () => string; says: RegExp}> = [
  {name: 'random bytes', file: () => path.join(dir, 'random.pem'), says: /certificate|PEM|DER|PKCS/i},
  {name: 'an empty file', file: () => path.join(dir, 'empty.pem'), says: /empty/i},
  {name: 'text that is no certificate', file: () => path.join(dir, 'garbage.pem'), says: /certificate|PEM/i},
  {name: 'a folder', file: () => path.join(dir, 'a-folder.pem'), says: /folder|directory|EISDIR/i},
  {name: 'a 10 MB file', file: () => path.join(dir, 'huge.pem'), says: /large|size|MB|MiB|certificate/i},
  {name: 'a PEM with only a private key', file: () => path.join(files(), 's4hana-sender.key.pem'), says: /private key/i},
  {name: 'a missing path', file: () => path.join(dir, 'does-not-exist.pem'), says: /ENOENT|not found|does not exist|cannot read/i},
  {name: 'a PKCS#12 with the wrong password', file: () => path.join(dir, 'sender.p12'), passwordFile: () => path.join(dir, 'wrong-password.txt'), says: /password/i},
  {name: 'the root CA instead of the leaf', file: () => path.join(files(), 'demo-customer-root-ca.pem'), says: /client certificate|CA/i},
  {name: 'a certificate without EKU clientAuth', file: () => path.join(files(), 's4hana-sender-no-clientauth.chain.pem'), privateKeyFile: () => path.join(files(), 's4hana-sender-no-clientauth.key.pem'), says: /clientAuth|Client Authentication/i},
  {name: 'an expired certificate', file: () => path.join(files(), 's4hana-sender-expired.chain.pem'), privateKeyFile: () => path.join(files(), 's4hana-sender-expired.key.pem'), says: /expired/i},
  {name: 'a root not on SAP\'s list', file: () => path.join(files(), 's4hana-sender-internal-ca.chain.pem'), privateKeyFile: () => path.join(files(), 's4hana-sender-internal-ca.key.pem'), says: /load balancer|trust|list/i},
  {name: 'a private key that belongs to another certificate', file: () => path.join(files(), 's4hana-sender.chain.pem'), privateKeyFile: () => path.join(files(), 's4hana-sender-expired.key.pem'), says: /does not belong/i},
];

describe('apply refuses bad certificate inputs before anything is created', () => {
  it.each(cases)('$name: exit 1 or 2 within 5 s, a reason, no cf write, nothing left in the landscape', async c => {
    const run = await apply(c.name.replace(/\W+/g, '-'), plan({file: c.file(), passwordFile: c.passwordFile?.(), privateKeyFile: c.privateKeyFile?.()}));
    expect([1, 2], `exit ${run.exitCode}\n${run.stderr}`).toContain(run.exitCode);
    expect(run.ms).toBeLessThan(5_000);
    const document = JSON.parse(run.stdout);
    expect(document.error?.message ?? '', run.stderr).toMatch(c.says);
    expect(document.error?.fix?.length ?? 0).toBeGreaterThan(0);
    expect(document.cfCalls.filter((call: {write: boolean}) => call.write)).toEqual([]);
    // The certificate step is not repeated with the same input (it used to run tens of thousands of times).
    expect(run.stderr.split('\n').filter(line => line.includes('Reading and checking the certificate')).length).toBeLessThanOrEqual(3);
    const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8'));
    expect(state.instances.filter((i: {name: string}) => i.name === 'cpi-inbound-mtls' || i.name.startsWith('cpi-mtls-check-'))).toEqual([]);
    expect(state.keys.filter((k: {name: string}) => k.name === 's4hana-sender')).toEqual([]);
  }, 60_000);
});
