/**
 * Saves the server chain like SAP's Connectivity Test download: one .cer (DER) per certificate,
 * plus .pem copies and a certificates.zip holding all of them.
 */
import {X509Certificate} from 'node:crypto';
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {zipSync} from 'fflate';
import type {ProbeServerFiles} from './types.js';

export interface ChainEntry {
  cert: X509Certificate;
  role: 'server' | 'intermediate' | 'root';
}

function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned.slice(0, 60) || 'certificate';
}

export async function writeChainFiles(directory: string, chain: ChainEntry[]): Promise<ProbeServerFiles> {
  const absolute = path.resolve(directory);
  await mkdir(absolute, {recursive: true});
  const used = new Set<string>();
  const certificates: ProbeServerFiles['certificates'] = [];
  const zipEntries: Record<string, Uint8Array> = {};
  let trustStoreFile: string | undefined;
  for (const {cert, role} of chain) {
    const names = cert.subject.split('\n');
    let base = `${role}_${slug(names.find((name) => name.startsWith('CN='))?.slice(3) ?? names.pop() ?? 'certificate')}`;
    for (let n = 2; used.has(base.toLowerCase()); n++) base = `${base}_${n}`;
    used.add(base.toLowerCase());
    const der = new Uint8Array(cert.raw);
    const pem = cert.toString();
    const cerPath = path.join(absolute, `${base}.cer`);
    const pemPath = path.join(absolute, `${base}.pem`);
    await writeFile(cerPath, der);
    await writeFile(pemPath, pem);
    zipEntries[`${base}.cer`] = der;
    zipEntries[`${base}.pem`] = new TextEncoder().encode(pem);
    certificates.push({subject: cert.subject.split('\n').join(', '), role, cer: cerPath, pem: pemPath});
    if (role === 'root') trustStoreFile = cerPath;
  }
  const zipPath = path.join(absolute, 'certificates.zip');
  await writeFile(zipPath, zipSync(zipEntries, {level: 6}));
  return {directory: absolute, certificates, zip: zipPath, ...(trustStoreFile ? {trustStoreFile} : {})};
}
