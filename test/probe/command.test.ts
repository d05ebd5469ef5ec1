import {execFileSync} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {unzipSync} from 'fflate';
import {runProbeCommand} from '../../src/commands/probe.js';
import {createTestPki, pkcs12Of, type TestPki} from './pki.js';
import {startRuntime, type RuntimeServer} from './servers.js';

const SECRET = 's3cr3t-Value-never-printed';
let pki: TestPki;
let strict: RuntimeServer;
let lenient: RuntimeServer; // certificate optional, like SAP's load balancer
let dir: string;
const files: Record<string, string> = {};

function io(env: NodeJS.ProcessEnv = {}) {
  const out = {stdout: '', stderr: ''};
  return {
    out,
    io: {stdout: {write: (text: string) => (out.stdout += text)}, stderr: {write: (text: string) => (out.stderr += text)}, env, signal: new AbortController().signal},
  };
}

beforeAll(async () => {
  pki = createTestPki();
  strict = await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem, ca: [pki.root.certPem], requireClientCert: true, basic: {clientId: 'sb-client', clientSecret: SECRET}});
  lenient = await startRuntime({key: pki.server.keyPem, cert: pki.server.certPem + pki.intermediate.certPem, basic: {clientId: 'sb-client', clientSecret: SECRET}});
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-probe-cmd-'));
  const write = async (name: string, content: string | Buffer) => {
    files[name] = path.join(dir, name);
    await writeFile(files[name], content, {mode: 0o600});
  };
  await write('client.pem', pki.client.certPem + pki.intermediate.certPem);
  await write('client.key', pki.client.keyPem);
  await write('root.pem', pki.root.certPem);
  await write('client.p12', pkcs12Of(pki.client, [pki.intermediate], 'p12-pass'));
  await write('p12.pass', 'p12-pass\n');
  await write('secret.txt', `${SECRET}\n`);
  await write('big.pem', Buffer.alloc(10 * 1024 * 1024, 'A'));
  await write('no-eku.pem', pki.clientNoEku.certPem + pki.intermediate.certPem);
  await write('no-eku.key', pki.clientNoEku.keyPem);
  await write('server-only.pem', pki.clientServerAuthOnly.certPem + pki.intermediate.certPem);
  await write('server-only.key', pki.clientServerAuthOnly.keyPem);
});

afterAll(async () => {
  await Promise.all([strict.close(), lenient.close()]);
  await rm(dir, {recursive: true, force: true});
});

const url = (p: string) => `https://127.0.0.1:${strict.port}${p}`;
const lenientUrl = (p: string) => `https://127.0.0.1:${lenient.port}${p}`;

describe('cpi-mtls probe', () => {
  it('--help prints usage and exits 0', async () => {
    const {out, io: streams} = io();
    expect(await runProbeCommand(['--help'], streams)).toBe(0);
    expect(out.stdout).toMatch(/Usage\n {2}cpi-mtls probe <url>/);
  });

  it('keeps heavy modules out of its static imports so --help stays fast', async () => {
    const source = await readFile(path.resolve('src/commands/probe.ts'), 'utf8');
    const staticImports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
    expect(staticImports.length).toBeGreaterThan(0);
    // errors.js, timeouts.js and args.js import nothing but each other and Node built-ins.
    for (const name of staticImports) expect(name).toMatch(/^node:|^\.\.\/errors\.js$|^\.\.\/timeouts\.js$|^\.\/args\.js$/);
    expect((await readFile(path.resolve('src/commands/args.ts'), 'utf8')).match(/^import .* from '([^']+)';$/gm)).toEqual(["import {parseArgs} from 'node:util';", "import {UsageError} from '../errors.js';"]);
    expect((await readFile(path.resolve('src/timeouts.ts'), 'utf8')).match(/^import .* from '([^']+)';$/gm)).toEqual(["import {UsageError} from './errors.js';"]);
    expect(source).not.toMatch(/from 'ink'|from 'react'/);
  });

  it('usage errors exit 2 and say what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /needs the endpoint URL/],
      [[url('/http/ok'), '--cert', 'x.pem'], /--cert needs --key/],
      [[url('/http/ok'), '--method', 'PUT'], /GET or POST/],
      [[url('/http/ok'), '--timeout', 'soon'], /positive number/],
      [[url('/http/ok'), '--basic', 'sb-client'], /needs the clientsecret/],
      [[url('/http/ok'), '--cert', path.join(os.tmpdir(), 'missing-cert.pem'), '--key', 'k.pem'], /missing-cert\.pem: the file does not exist/],
      [[url('/http/ok'), '--cert', dir, '--key', 'k.pem'], /the certificate file .*: it is a folder, not a file/],
      [[url('/http/ok'), '--ca', files['big.pem']], /the CA file .*big\.pem: it is 10\.0 MiB; expected a PEM, PKCS#12 or text file of a few kilobytes/],
    ];
    for (const [argv, message] of cases) {
      const {out, io: streams} = io();
      expect(await runProbeCommand(argv, streams)).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe('');
    }
  });

  it('a bad URL is reported with a fix', async () => {
    const {out, io: streams} = io();
    expect(await runProbeCommand(['http://example.com/http/x'], streams)).toBe(1);
    expect(out.stderr).toMatch(/needs https:\/\//);
  });

  it('success with PEM files: exit 0, table on stdout, progress on stderr', async () => {
    const {out, io: streams} = io();
    const code = await runProbeCommand([url('/http/ok'), '--cert', files['client.pem'], '--key', files['client.key'], '--ca', files['root.pem']], streams);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/Outcome\s+success \(HTTP 200 OK\)/);
    expect(out.stdout).toMatch(/Trusted\s+yes/);
    expect(out.stdout).toMatch(/root\s+Probe Test Root CA\s+\S+\s+extra CA file/);
    expect(out.stdout).toMatch(/^ {2}EKU\s+clientAuth$/m);
    expect(out.stderr).toMatch(/… TLS handshake with 127\.0\.0\.1/);
  });

  it('prints the EKU the certificate carries, never "clientAuth: yes" for a certificate without it', async () => {
    const noEku = io();
    await runProbeCommand([lenientUrl('/http/ok'), '--cert', files['no-eku.pem'], '--key', files['no-eku.key'], '--ca', files['root.pem']], noEku.io);
    expect(noEku.out.stdout).toMatch(/^ {2}EKU\s+no EKU extension \(no clientAuth\)$/m);
    expect(noEku.out.stdout).toMatch(/EKU clientAuth: no \(from the file\)/);
    const serverOnly = io();
    await runProbeCommand([lenientUrl('/http/ok'), '--cert', files['server-only.pem'], '--key', files['server-only.key'], '--ca', files['root.pem'], '--json'], serverOnly.io);
    const json = JSON.parse(serverOnly.out.stdout);
    expect(json.client.clientCertificateEku).toEqual(['serverAuth']);
    expect(json.client.localFacts.ekuClientAuth).toBe(false);
  });

  it('server trust: --ca and NODE_EXTRA_CA_CERTS identify the test root; without them the result is untrusted', async () => {
    const withCa = io();
    expect(await runProbeCommand([lenientUrl('/'), '--ca', files['root.pem'], '--no-aia'], withCa.io)).toBe(0);
    expect(withCa.out.stdout).toMatch(/Root\s+Probe Test Root CA \(extra CA file\)/);
    expect(withCa.out.stdout).toMatch(/Trusted\s+yes, with the extra CA file/);
    expect(withCa.out.stdout).not.toMatch(/proxy/);

    const withEnv = io({NODE_EXTRA_CA_CERTS: files['root.pem']});
    expect(await runProbeCommand([lenientUrl('/'), '--no-aia'], withEnv.io)).toBe(0);
    expect(withEnv.out.stdout).toMatch(/Root\s+Probe Test Root CA \(extra CA file\)/);
    expect(withEnv.out.stdout).toContain(`Trusted      yes, with NODE_EXTRA_CA_CERTS (${files['root.pem']})`);
    expect(withEnv.out.stdout).toMatch(/root\s+Probe Test Root CA\s+\S+\s+NODE_EXTRA_CA_CERTS/);
    expect(withEnv.out.stdout).not.toMatch(/proxy/);

    const neither = io();
    expect(await runProbeCommand([lenientUrl('/'), '--no-aia'], neither.io)).toBe(0);
    expect(neither.out.stdout).toMatch(/Root\s+not found/);
    expect(neither.out.stdout).toMatch(/Trusted\s+no \(UNABLE_TO_GET_ISSUER_CERT_LOCALLY\)/);
    expect(neither.out.stdout).toMatch(/TLS-inspecting proxy/);

    const broken = io({NODE_EXTRA_CA_CERTS: files['client.key']});
    expect(await runProbeCommand([lenientUrl('/'), '--no-aia', '--ca', files['root.pem']], broken.io)).toBe(0);
    expect(broken.out.stdout).toContain(`! NODE_EXTRA_CA_CERTS points to ${files['client.key']}, which holds no PEM certificate`);
    expect(broken.out.stdout).toMatch(/Trusted\s+yes, with the extra CA file/);
  });

  it('success with PKCS#12 and a password file', async () => {
    const {out, io: streams} = io();
    const code = await runProbeCommand([url('/http/fail'), '--p12', files['client.p12'], '--p12-password-file', files['p12.pass'], '--json'], streams);
    expect(code).toBe(0); // 5xx: the iflow failed, the connection works
    const result = JSON.parse(out.stdout);
    expect(result.client).toMatchObject({outcome: 'server-error', status: 500, clientCertificate: 'O=cpi-mtls test, CN=sender-ok'});
  });

  it('a wrong PKCS#12 password is a clear error', async () => {
    const {out, io: streams} = io();
    await writeFile(path.join(dir, 'wrong.pass'), 'nope');
    expect(await runProbeCommand([url('/http/ok'), '--p12', files['client.p12'], '--p12-password-file', path.join(dir, 'wrong.pass')], streams)).toBe(1);
    expect(out.stderr).toMatch(/cannot be opened: wrong password\?/);
  });

  it('--json with 403: exit 1 and the diagnosis in JSON', async () => {
    const {out, io: streams} = io();
    const code = await runProbeCommand([url('/http/forbidden'), '--cert', files['client.pem'], '--key', files['client.key'], '--method', 'post', '--json'], streams);
    expect(code).toBe(1);
    const result = JSON.parse(out.stdout);
    expect(result.client.outcome).toBe('forbidden');
    expect(result.client.diagnosis.causes[0]).toMatch(/CSRF/);
  });

  it('--basic compares with Basic auth and never prints the secret', async () => {
    for (const [argv, env] of [
      [['--basic', 'sb-client'], {CPI_MTLS_CLIENT_SECRET: SECRET}],
      [['--basic', 'sb-client', '--basic-secret-file', files['secret.txt']], {}],
    ] as const) {
      const {out, io: streams} = io({...env});
      const code = await runProbeCommand([lenientUrl('/http/basic-only'), '--cert', files['client.pem'], '--key', files['client.key'], ...argv], streams);
      expect(code).toBe(1); // the certificate gets 401 invalid_client
      expect(out.stdout).toMatch(/Basic auth works and the certificate does not \(unauthorized\)/);
      expect(out.stdout + out.stderr).not.toContain(SECRET);
    }
    // The server echoes the secret and the Authorization header in its body: both are redacted.
    const {out, io: streams} = io({CPI_MTLS_CLIENT_SECRET: SECRET});
    await runProbeCommand([lenientUrl('/http/echo-secret'), '--basic', 'sb-client', '--json'], streams);
    expect(JSON.parse(out.stdout).basic).toMatchObject({outcome: 'unauthorized', status: 401, clientId: 'sb-client'});
    expect(out.stdout).toMatch(/Bad credentials for Basic \*\*\* \*\*\*/);
    expect(out.stdout).not.toContain(SECRET);
    expect(out.stdout).not.toContain(Buffer.from(`sb-client:${SECRET}`).toString('base64'));
  });

  it('--out saves the chain as .cer/.pem and certificates.zip, naming the root for the trust store', async () => {
    const outDir = path.join(dir, 'chain');
    const {out, io: streams} = io();
    expect(await runProbeCommand([url('/'), '--ca', files['root.pem'], '--out', outDir, '--json'], streams)).toBe(0);
    const result = JSON.parse(out.stdout);
    const saved = result.server.files;
    expect(saved.certificates.map((c: {role: string}) => c.role)).toEqual(['server', 'intermediate', 'root']);
    expect(saved.trustStoreFile).toBe(path.join(outDir, 'root_Probe_Test_Root_CA.cer'));
    const subject = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', saved.trustStoreFile, '-noout', '-subject'], {encoding: 'utf8'});
    expect(subject).toMatch(/CN ?= ?Probe Test Root CA/);
    for (const cert of saved.certificates) {
      const fromPem = execFileSync('openssl', ['x509', '-in', cert.pem, '-noout', '-fingerprint', '-sha256'], {encoding: 'utf8'});
      const fromDer = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', cert.cer, '-noout', '-fingerprint', '-sha256'], {encoding: 'utf8'});
      expect(fromDer).toBe(fromPem);
    }
    const zip = unzipSync(new Uint8Array(await readFile(saved.zip)));
    expect(Object.keys(zip).sort()).toEqual([
      'intermediate_Probe_Test_Intermediate_CA.cer',
      'intermediate_Probe_Test_Intermediate_CA.pem',
      'root_Probe_Test_Root_CA.cer',
      'root_Probe_Test_Root_CA.pem',
      'server_localhost.cer',
      'server_localhost.pem',
    ]);
    expect(Buffer.from(zip['root_Probe_Test_Root_CA.cer']).equals(await readFile(saved.trustStoreFile))).toBe(true);
  });
});

describe('cpi-mtls probe and the timeout variable', () => {
  it('refuses an invalid CPI_MTLS_PROBE_TIMEOUT_MS with exit 2 before it connects, like every command', async () => {
    const {runProbeCommand} = await import('../../src/commands/probe.js');
    let err = '';
    const code = await runProbeCommand(['https://127.0.0.1:9/http/x'], {stdout: {write: () => true}, stderr: {write: (t: string) => (err += t)}, env: {CPI_MTLS_PROBE_TIMEOUT_MS: 'soon'}});
    expect(code).toBe(2);
    expect(err).toContain('CPI_MTLS_PROBE_TIMEOUT_MS=soon');
  });
});
