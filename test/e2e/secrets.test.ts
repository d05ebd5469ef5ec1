import {createPrivateKey} from 'node:crypto';
import {mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {apply, modeOf, readJsonFile, simState, writePlan, type ApplyRun} from '../faults/harness.js';

// Everything the tool writes (stdout, stderr, every file in the output folders, the progress and
// pointer files) is searched for the demo landscape's client secrets and private keys. Only the
// private-key files it writes on purpose (0600) may hold key material.

let dir: string;
let home: string;
const runs: Array<{name: string; out: string; run: ApplyRun}> = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-secrets-'));
  home = path.join(dir, 'landscape');
  const files = `${home}/customer-files`;
  const plans: Record<string, string> = {
    // Option 1, the customer's certificate, tenant checks with a temporary api key (kept, so its secret can be searched for), live test.
    external: `version: 1
option: role-based
role: ESBMessaging.send
instance: {name: cpi-inbound-mtls}
certificate: {source: external, file: ${files}/s4hana-sender.chain.pem}
key: {name: s4hana-sender}
tenantChecks: {mode: create, keepApiInstance: true}
liveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${files}/s4hana-sender.key.pem}
output: ${dir}/out-external
`,
    // SAP-generated key; the role is not the channel's, so the live test fails (403) and the
    // run stops resumable: its progress file holds the whole state.
    'sap-generated': `version: 1
option: role-based
role: Orders.send
instance: {name: cpi-inbound-orders}
certificate: {source: sap-generated, validityDays: 30}
key: {name: sap-generated-orders}
tenantChecks: {mode: create, keepApiInstance: true}
liveTest: {run: true, path: /http/demo/orders, method: GET}
output: ${dir}/out-sap-generated
`,
  };
  // One after the other on one landscape, so every secret is in its state at the end.
  for (const [name, text] of Object.entries(plans)) {
    const run = await apply(await writePlan(dir, name, text), home, {}, name === 'external' ? ['--json'] : []);
    runs.push({name, out: path.join(dir, `out-${name}`), run});
  }
}, 180_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, {withFileTypes: true, recursive: true});
  return entries.filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name));
}

/** Every string in a JSON value that holds a PEM private key. */
function privateKeysIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value.replace(/\\n/g, '\n'))) found.push(value.replace(/\\n/g, '\n'));
  else if (Array.isArray(value)) value.forEach(v => privateKeysIn(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach(v => privateKeysIn(v, found));
  return found;
}

/**
 * The secret part of a private key (RSA: d, p, q; EC: d) as bytes. The public modulus is left
 * out on purpose: certificates carry it too.
 */
function secretParts(pem: string): Buffer[] {
  const jwk = createPrivateKey(pem).export({format: 'jwk'}) as Record<string, string>;
  return ['d', 'p', 'q'].filter(k => jwk[k]).map(k => Buffer.from(jwk[k], 'base64url'));
}

/** Line breaks and JSON escapes removed, so a key split over lines or escaped in JSON is still found. */
function flatten(text: string): string {
  return text.replace(/\\r|\\n|\\\//g, '').replace(/\s+/g, '');
}

/** Every base64 run in the text, decoded at each of the four alignments. */
function decodedRuns(flat: string): Buffer[] {
  const decoded: Buffer[] = [];
  for (const run of flat.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []) {
    for (let shift = 0; shift < 4; shift++) decoded.push(Buffer.from(run.slice(shift), 'base64'));
  }
  return decoded;
}

/** Does the text hold this secret number: as bytes inside base64 (PEM, DER in JSON), base64url or hex? */
function holds(text: string, part: Buffer): boolean {
  const needle = part.subarray(Math.floor(part.length / 4), Math.floor(part.length / 4) + 24);
  const flat = flatten(text);
  if (flat.includes(needle.toString('hex')) || flat.toLowerCase().includes(needle.toString('hex'))) return true;
  if (flat.includes(part.toString('base64url').slice(8, 40))) return true;
  return decodedRuns(flat).some(bytes => bytes.includes(needle));
}

describe('no secret in anything the tool writes', () => {
  it('finds no client secret and no private key outside the 0600 key files', async () => {
    // The runs did what they should, so there is something to leak.
    const [external, sapGenerated] = runs;
    expect(external.run.exitCode, external.run.stderr).toBe(0);
    expect(external.run.json?.checklist.items.find((i: {title: string}) => i.title.startsWith('Tenant keystore')).status).toBe('verified');
    expect(sapGenerated.run.exitCode).toBe(1);
    expect(sapGenerated.run.stdout).toContain('HTTP 403');
    const stopped = await readJsonFile(path.join(sapGenerated.out, 'progress.json'));
    expect(stopped).toMatchObject({status: 'stopped', resumable: true, resumeStep: 'probe'});
    expect(stopped.state.facts.key.files.privateKey).toBe(path.join(sapGenerated.out, 'sap-generated-key.pem'));

    // The secrets, read from the landscape.
    const state = await simState(home);
    const secrets = state.keys.map((k: any) => k.credentials?.oauth?.clientsecret).filter((s: unknown): s is string => typeof s === 'string');
    expect(secrets.length).toBeGreaterThanOrEqual(2); // the two kept api keys
    const customerKeys = (await readdir(path.join(home, 'customer-files'))).filter(f => f.endsWith('.key.pem'));
    expect(customerKeys.length).toBeGreaterThan(0);
    const privateKeys = [
      ...(await Promise.all(customerKeys.map(f => readFile(path.join(home, 'customer-files', f), 'utf8')))),
      ...privateKeysIn(state.keys.map((k: any) => k.credentials)), // the SAP-generated key
      ...privateKeysIn(state.settings),
      ...privateKeysIn(await readJsonFile(path.join(home, 'demo-pki.json'))),
    ];
    const sapGeneratedKey = privateKeysIn(state.keys.find((k: any) => k.name === 'sap-generated-orders').credentials);
    expect(sapGeneratedKey).toHaveLength(1);
    const parts = privateKeys.flatMap(secretParts);
    expect(parts.length).toBeGreaterThanOrEqual(3 * privateKeys.length - 3);

    // Everything the tool wrote.
    const written: Array<{where: string; text: string}> = [];
    for (const {name, out, run} of runs) {
      written.push({where: `${name}: stdout`, text: run.stdout}, {where: `${name}: stderr`, text: run.stderr});
      for (const file of await filesUnder(out)) {
        const text = await readFile(file, 'utf8');
        if (/PRIVATE KEY-----/.test(text)) {
          // Written on purpose: the SAP-generated private key, owner-only.
          expect(path.basename(file), `${file} holds a private key`).toBe('sap-generated-key.pem');
          expect(await modeOf(file)).toBe(0o600);
          continue;
        }
        written.push({where: path.relative(dir, file), text});
      }
    }
    const names = written.map(w => w.where);
    expect(names).toEqual(expect.arrayContaining(['out-external/progress.json', 'out-sap-generated/progress.json', 'out-sap-generated/in-progress.json', 'out-external/checklist.json', 'out-sap-generated/checklist.md']));
    expect((await stat(path.join(dir, 'out-sap-generated', 'sap-generated-key.pem'))).isFile()).toBe(true);

    const leaks: string[] = [];
    for (const {where, text} of written) {
      const flat = flatten(text);
      for (const secret of secrets) if (text.includes(secret) || flat.includes(flatten(secret))) leaks.push(`${where}: a client secret`);
      if (parts.some(part => holds(text, part))) leaks.push(`${where}: private key material`);
    }
    expect(leaks).toEqual([]);
  }, 60_000);

  it('writes the progress and pointer files owner-only, without the PKCS#12 password field', async () => {
    for (const {out} of runs) {
      expect(await modeOf(path.join(out, 'progress.json'))).toBe(0o600);
      const text = await readFile(path.join(out, 'progress.json'), 'utf8');
      expect(text).not.toContain('certificatePassword');
    }
    expect(await modeOf(path.join(dir, 'out-sap-generated', 'in-progress.json'))).toBe(0o600);
  });
});
