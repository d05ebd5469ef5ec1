/**
 * How long one connectivity test takes compared with `openssl s_client` against the same local
 * TLS server (its own CA, client certificate requested). Median of 7 runs each.
 *
 *   npm run build && node dist/bench/probe-vs-openssl.js
 */
import {spawn} from 'node:child_process';
import {generateKeyPairSync} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import forge from 'node-forge';
import {runProbe} from '../src/probe/probe.js';

const RUNS = 7;

function issue(cn: string, issuer?: {cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey}, extra: object[] = []) {
  const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048, privateKeyEncoding: {type: 'pkcs1', format: 'pem'}, publicKeyEncoding: {type: 'spki', format: 'pem'}});
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = Math.floor(Math.random() * 1e9).toString(16).padStart(8, '0');
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 86400_000);
  cert.setSubject([{name: 'commonName', value: cn}]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{name: 'commonName', value: cn}]);
  cert.setExtensions([{name: 'basicConstraints', cA: !issuer}, ...extra]);
  cert.sign(issuer?.key ?? key, forge.md.sha256.create());
  return {cert, key, certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(key)};
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(run: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

function runProcess(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'ignore']});
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

async function main(): Promise<void> {
  const ca = issue('Bench Root CA');
  const server = issue('localhost', ca, [{name: 'subjectAltName', altNames: [{type: 7, ip: '127.0.0.1'}]}]);
  const client = issue('bench-sender', ca, [{name: 'extKeyUsage', clientAuth: true}]);
  const httpsServer = https.createServer({key: server.keyPem, cert: server.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false}, (req, res) => {
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  const port = (httpsServer.address() as AddressInfo).port;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-bench-'));
  try {
    const caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    const url = `https://127.0.0.1:${port}/http/bench`;
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    const cli = path.join(root, 'dist/bin/cpi-mtls.js');

    // Warm up once so that module loading is not counted in the in-process numbers.
    await runProbe({url, extraCaPems: [ca.certPem], env: {}});
    const results: Array<[string, number[]]> = [
      ['runProbe, server side only (in process)', await time(() => runProbe({url, extraCaPems: [ca.certPem], env: {}}))],
      ['runProbe, server side + mTLS GET (in process)', await time(() => runProbe({url, extraCaPems: [ca.certPem], client: {certPem: client.certPem, keyPem: client.keyPem}, env: {}}))],
      ['cpi-mtls probe <url> --ca <pem> --json (new process)', await time(() => runProcess(process.execPath, [cli, 'probe', url, '--ca', caFile, '--json']))],
      [`openssl s_client -connect 127.0.0.1:${port} </dev/null (new process)`, await time(() => runProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`]))],
    ];
    process.stdout.write(`Median of ${RUNS} runs against a local TLS server (Node ${process.version}, ${os.platform()} ${os.arch()}):\n`);
    for (const [name, samples] of results) process.stdout.write(`  ${median(samples).toFixed(1).padStart(7)} ms  ${name}   [${samples.map((s) => s.toFixed(0)).join(', ')}]\n`);
  } finally {
    httpsServer.close();
    await rm(dir, {recursive: true, force: true});
  }
}

await main();
