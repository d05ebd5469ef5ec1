import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {createDemoPki, writeDemoFixtures, type DemoPki} from '../../src/demo/pki.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const now = new Date('2026-03-01T12:00:00Z');
let pki: DemoPki;
let generationMs = 0;
let dir: string;

beforeAll(async () => {
  const started = performance.now();
  pki = await createDemoPki({now});
  generationMs = performance.now() - started;
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-pki-'));
});

afterAll(async () => {
  if (dir) await rm(dir, {recursive: true, force: true});
});

const x509 = (pem: string) => new X509Certificate(pem);

describe('demo PKI', () => {
  it('generates all key pairs within a few seconds', () => {
    expect(generationMs).toBeLessThan(15_000);
  });

  it('issues the server leaf for localhost and 127.0.0.1 through an intermediate', () => {
    const leaf = x509(pki.serverLeaf.certPem);
    const intermediate = x509(pki.serverIntermediate.certPem);
    const root = x509(pki.serverRoot.certPem);
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.keyUsage).toEqual([SERVER_AUTH]);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(root.subject).toContain('CN=cpi-mtls Demo Load Balancer Root CA');
    expect(pki.serverLeaf.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(pki.serverLeaf.chainPem).not.toContain(pki.serverRoot.certPem);
  });

  it('issues the client leaf CN=s4hana-sender, O=Demo Customer with clientAuth under the client root', () => {
    const leaf = x509(pki.clientLeaf.certPem);
    expect(leaf.subject).toContain('CN=s4hana-sender');
    expect(leaf.subject).toContain('O=Demo Customer');
    expect(leaf.keyUsage).toEqual([CLIENT_AUTH]);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(x509(pki.clientIntermediate.certPem))).toBe(true);
    expect(x509(pki.clientIntermediate.certPem).checkIssued(x509(pki.clientRoot.certPem))).toBe(true);
    expect(x509(pki.clientRoot.certPem).subject).toContain('CN=cpi-mtls Demo Client Root CA');
    expect(x509(pki.clientRoot.certPem).ca).toBe(true);
    expect(pki.clientLeaf.keyPem).toContain('BEGIN RSA PRIVATE KEY');
    expect(x509(pki.clientLeaf.certPem).checkPrivateKey(createPrivateKey(pki.clientLeaf.keyPem))).toBe(true);
  });

  it('provides the lesson variants', () => {
    expect(x509(pki.clientLeafNoClientAuth.certPem).keyUsage).toEqual([SERVER_AUTH]);
    expect(x509(pki.clientLeafUntrusted.certPem).checkIssued(x509(pki.clientIntermediate.certPem))).toBe(false);
    expect(x509(pki.clientLeafUntrusted.certPem).checkIssued(x509(pki.untrustedRoot.certPem))).toBe(true);
    expect(new Date(x509(pki.clientLeafExpired.certPem).validTo).getTime()).toBeLessThan(now.getTime());
    const expiringDays = (new Date(x509(pki.clientLeafExpiring.certPem).validTo).getTime() - now.getTime()) / 86_400_000;
    expect(Math.round(expiringDays)).toBe(10);
  });

  it('provides an SAP client CA stand-in', () => {
    const ca = x509(pki.sapClientCa.certPem);
    expect(ca.subject).toContain('CN=SAP PKI Certificate Service Client CA');
    expect(ca.subject).toMatch(/O=.*Demo/);
    expect(ca.ca).toBe(true);
  });

  it('writes the consultant fixtures with private keys at mode 0600', async () => {
    const paths = await writeDemoFixtures(pki, dir);
    expect(await readFile(paths.clientChain, 'utf8')).toBe(pki.clientLeaf.chainPem);
    expect(await readFile(paths.caOnly, 'utf8')).toBe(pki.clientRoot.certPem);
    expect(await readFile(paths.variants.noClientAuth.chain, 'utf8')).toBe(pki.clientLeafNoClientAuth.chainPem);
    const keyFiles = [paths.clientKey, ...Object.values(paths.variants).map((variant) => variant.key)];
    for (const file of keyFiles) {
      expect(await readFile(file, 'utf8')).toContain('PRIVATE KEY');
      if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
  });
});
