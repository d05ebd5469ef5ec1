import {Writable} from 'node:stream';
import {writeFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {runCertInspect, type CommandIo} from '../../src/commands/cert-inspect.js';
import {buildPki, type Pki} from './fixtures.js';

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
});
afterAll(() => pki?.cleanup());

function capture(env: NodeJS.ProcessEnv = {}, promptPassword?: CommandIo['promptPassword']): {io: CommandIo; out: () => string; err: () => string} {
  let out = '';
  let err = '';
  const stream = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: {stdout: stream((text) => (out += text)), stderr: stream((text) => (err += text)), env, ...(promptPassword ? {promptPassword} : {})},
    out: () => out,
    err: () => err,
  };
}

describe('cpi-mtls cert inspect', () => {
  test('passing chain: exit 0, text report', async () => {
    const {io, out} = capture();
    const code = await runCertInspect([pki.file('chain-ordered.pem'), '--key', pki.file('leaf.key'), '--extra-roots', pki.file('root.crt')], io);
    expect(code).toBe(0);
    expect(out()).toMatch(/Ready for SAP Cloud Integration: 7 passed\./);
    expect(out()).not.toMatch(/PRIVATE KEY/);
  });

  test('text on a terminal wraps at word boundaries to its width; a pipe gets it unwrapped', async () => {
    const args = [pki.file('chain-ordered.pem'), '--key', pki.file('leaf.key'), '--extra-roots', pki.file('root.crt')];
    const piped = capture();
    await runCertInspect(args, piped.io);
    const terminal = capture({NO_COLOR: '1'});
    Object.assign(terminal.io.stdout, {isTTY: true, columns: 50});
    await runCertInspect(args, terminal.io);
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    // The uncolored text loses nothing: the same words, only the line breaks differ.
    expect(words(terminal.out())).toEqual(words(piped.out()));
    expect(Math.max(...piped.out().split('\n').map((line) => line.length))).toBeGreaterThan(50);
    for (const line of terminal.out().split('\n')) {
      if (line.length > 50) expect(line.trim(), 'only a single long token may pass the width').not.toMatch(/\s/);
    }
  });

  test('failing check: exit 1; --json carries the report and no key material', async () => {
    const {io, out} = capture();
    const code = await runCertInspect([pki.file('leaf-server-only.crt'), pki.file('int.crt'), '--key', pki.file('leaf.key'), '--json'], io);
    expect(code).toBe(1);
    const json = JSON.parse(out());
    expect(json.verdict).toBe('fail');
    expect(json.checks.find((check: {id: string}) => check.id === 'eku').verdict).toBe('fail');
    expect(json.inputs).toHaveLength(3);
    expect(out()).not.toMatch(/PRIVATE KEY/);
  });

  test.each([['leaf-no-eku.crt', /no extended key usage extension/], ['leaf-any-eku.crt', /lists only Any Extended Key Usage/]])(
    'a leaf without clientAuth (%s) fails the EKU check: exit 1',
    async (name, pattern) => {
      const {io, out} = capture();
      const code = await runCertInspect([pki.file(name), pki.file('int.crt'), '--extra-roots', pki.file('root.crt'), '--ascii'], io);
      expect(code).toBe(1);
      expect(out()).toMatch(/^\[FAIL\] Extended key usage: clientAuth/m);
      expect(out()).toMatch(pattern);
      expect(out()).toMatch(/Not ready for SAP Cloud Integration/);
    },
  );

  test('--extra-roots: the root check passes as trusted by your choice; rootSource in --json', async () => {
    const text = capture();
    expect(await runCertInspect([pki.file('leaf-and-int.pem'), '--extra-roots', pki.file('root.crt')], text.io)).toBe(0);
    expect(text.out()).toMatch(/Root trusted by SAP's load balancer\s+"Test Root CA" is trusted by your choice, not on SAP's list/);
    const json = capture();
    expect(await runCertInspect([pki.file('leaf-and-int.pem'), '--extra-roots', pki.file('root.crt'), '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out()).rootSource).toBe('user-trusted');
  });

  test('--extra-roots with a leaf or a non-certificate file: exit 1 with the fix', async () => {
    const leaf = capture();
    expect(await runCertInspect([pki.file('leaf-and-int.pem'), '--extra-roots', pki.file('leaf-client.crt')], leaf.io)).toBe(1);
    expect(leaf.err()).toMatch(/--extra-roots .*leaf-client\.crt holds "leaf-client", an end-entity \(leaf\) certificate/);
    expect(leaf.err()).toMatch(/Fix: Give the certificate of the root CA/);
    const key = capture();
    expect(await runCertInspect([pki.file('leaf-and-int.pem'), '--extra-roots', pki.file('leaf.key'), '--json'], key.io)).toBe(1);
    expect(JSON.parse(key.out()).error.code).toBe('trusted-root-not-pem');
  });

  test('--expiry-days turns a valid certificate into a warning (exit 0)', async () => {
    const {io, out} = capture();
    const code = await runCertInspect([pki.file('leaf-and-int.pem'), '--extra-roots', pki.file('root.crt'), '--expiry-days', '400', '--ascii'], io);
    expect(code).toBe(0);
    expect(out()).toMatch(/^\[warn\] Validity/m);
  });

  test('PKCS#12 password: from --password-file, from the environment, or asked for', async () => {
    writeFileSync(pki.file('p12.pass'), 'p12-secret\n');
    expect(await runCertInspect([pki.file('client.p12'), '--password-file', pki.file('p12.pass')], capture().io)).toBe(1);
    expect(await runCertInspect([pki.file('client.p12'), '--extra-roots', pki.file('root.crt')], capture({CPI_MTLS_CERT_PASSWORD: 'p12-secret'}).io)).toBe(0);
    const labels: string[] = [];
    const answers = ['wrong', 'p12-secret'];
    const asked = capture({}, async (label) => {
      labels.push(label);
      return answers.shift() ?? '';
    });
    expect(await runCertInspect([pki.file('client.p12'), '--extra-roots', pki.file('root.crt')], asked.io)).toBe(0);
    expect(labels).toEqual(['Password for client.p12', 'Wrong password. Password for client.p12']);
  });

  test('missing password without a prompt: exit 1 with the fix', async () => {
    const {io, err} = capture();
    expect(await runCertInspect([pki.file('client.p12')], io)).toBe(1);
    expect(err()).toMatch(/protected by a password/);
    expect(err()).toMatch(/Fix: Give the export password/);
  });

  test.each([
    [[], /at least one certificate file/],
    [['--expiry-days', 'soon', 'x.pem'], /whole number/],
    [['--no-such-flag', 'x.pem'], /Unknown option/],
  ])('usage errors exit 2: %j', async (args, pattern) => {
    const {io, err} = capture();
    expect(await runCertInspect(args, io)).toBe(2);
    expect(err()).toMatch(pattern);
  });

  test('--help exits 0 and lists the options', async () => {
    const {io, out} = capture();
    expect(await runCertInspect(['--help'], io)).toBe(0);
    expect(out()).toMatch(/--extra-roots FILE/);
  });

  test('a file error in --json mode is JSON on stdout', async () => {
    const {io, out} = capture();
    expect(await runCertInspect([pki.file('missing.pem'), '--json'], io)).toBe(1);
    expect(JSON.parse(out()).error.code).toBe('file-not-found');
  });
});
