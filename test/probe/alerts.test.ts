import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runProbe} from '../../src/probe/probe.js';
import {createTestPki, type TestPki} from './pki.js';

// Node's own TLS server drops a rejected client with a reset; OpenSSL's s_server sends the
// TLS alert a load balancer would send. This covers the alert path for real.
let pki: TestPki;
let dir: string;
let server: ChildProcess | undefined;
let port: number;

beforeAll(async () => {
  pki = createTestPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-probe-alert-'));
  const file = (name: string) => path.join(dir, name);
  await writeFile(file('server.pem'), pki.server.certPem);
  await writeFile(file('server.key'), pki.server.keyPem, {mode: 0o600});
  await writeFile(file('chain.pem'), pki.intermediate.certPem);
  await writeFile(file('ca.pem'), pki.root.certPem);
  const child = spawn('openssl', ['s_server', '-4', '-accept', '0', '-cert', file('server.pem'), '-key', file('server.key'), '-cert_chain', file('chain.pem'), '-Verify', '3', '-verify_return_error', '-CAfile', file('ca.pem'), '-www'], {stdio: ['pipe', 'pipe', 'pipe']});
  server = child;
  port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const deadline = setTimeout(() => reject(new Error(`openssl s_server did not start: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ACCEPT [^\n]*:(\d+)/.exec(output);
      if (match) {
        clearTimeout(deadline);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`openssl s_server exited with ${code}: ${output}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) server.kill();
  await rm(dir, {recursive: true, force: true});
});

describe('TLS alerts from the server', () => {
  it('unknown_ca for a certificate from a CA the server does not trust', async () => {
    const result = await runProbe({url: `https://127.0.0.1:${port}/`, client: {certPem: pki.otherClient.certPem + pki.otherRoot.certPem, keyPem: pki.otherClient.keyPem}, env: {}});
    expect(result.client!.outcome).toBe('handshake-rejected');
    expect(result.client!.failure).toMatchObject({kind: 'tls-alert', alert: 'unknown_ca'});
    expect(result.client!.diagnosis.summary).toMatch(/alert unknown_ca/);
    expect(result.client!.diagnosis.causes[0]).toMatch(/cannot trace your certificate to a root it trusts/);
  });

  it('unsupported_certificate for a certificate without EKU clientAuth', async () => {
    const result = await runProbe({url: `https://127.0.0.1:${port}/`, client: {certPem: pki.clientServerAuthOnly.certPem + pki.intermediate.certPem, keyPem: pki.clientServerAuthOnly.keyPem}, env: {}});
    expect(result.client!.outcome).toBe('handshake-rejected');
    expect(result.client!.failure).toMatchObject({kind: 'tls-alert', alert: 'unsupported_certificate'});
    expect(result.client!.diagnosis.summary).toMatch(/point to: missing EKU clientAuth/);
  });

  it('certificate_required for a call without a certificate (Basic auth only)', async () => {
    const result = await runProbe({url: `https://127.0.0.1:${port}/`, basic: {clientId: 'id', clientSecret: 'secret-value'}, env: {}});
    expect(result.basic!.outcome).toBe('handshake-rejected');
    expect(result.basic!.failure).toMatchObject({alert: 'certificate_required'});
    expect(result.basic!.diagnosis.causes[0]).toMatch(/requires a client certificate for every call/);
  });

  it('a good certificate passes and gets the s_server status page', async () => {
    const result = await runProbe({url: `https://127.0.0.1:${port}/`, client: {certPem: pki.client.certPem + pki.intermediate.certPem, keyPem: pki.client.keyPem}, extraCaPems: [pki.root.certPem], env: {}});
    expect(result.client).toMatchObject({outcome: 'success', status: 200});
  });
});
