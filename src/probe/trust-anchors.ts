/**
 * Extra trust anchors for the server side of the probe: NODE_EXTRA_CA_CERTS, the variable Node
 * itself reads at start-up (common behind corporate proxies and in test landscapes). The probe
 * validates the server chain on its own (the handshake runs with an empty CA list to see exactly
 * what the server sends), so it reads the file itself. A broken file is a warning, never a crash:
 * the probe still runs, only without those CAs.
 */
import {X509Certificate} from 'node:crypto';
import {readFile, stat} from 'node:fs/promises';
import {certificatePems} from '../certs/pem-text.js';

export const NODE_EXTRA_CA_CERTS = 'NODE_EXTRA_CA_CERTS';
/** A CA bundle with every public root is a few hundred kilobytes. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

export interface EnvTrustAnchors {
  /** The file named by NODE_EXTRA_CA_CERTS; absent when the variable is not set. */
  file?: string;
  certificates: X509Certificate[];
  /** Why the file (or part of it) could not be used. */
  warnings: string[];
}

function unusable(file: string, why: string): EnvTrustAnchors {
  return {
    file,
    certificates: [],
    warnings: [`${NODE_EXTRA_CA_CERTS} points to ${file}, which ${why}; the probe checks the server without those CAs. Fix the variable (a PEM file of CA certificates, "-----BEGIN CERTIFICATE-----") or unset it.`],
  };
}

/** Reads the CA certificates named by NODE_EXTRA_CA_CERTS in `env`. Never throws. */
export async function readNodeExtraCaCerts(env: NodeJS.ProcessEnv): Promise<EnvTrustAnchors> {
  const file = env[NODE_EXTRA_CA_CERTS]?.trim();
  if (!file) return {certificates: [], warnings: []};
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return unusable(file, 'is a folder, not a file');
    if (!info.isFile()) return unusable(file, 'is not a regular file');
    if (info.size > MAX_BUNDLE_BYTES) return unusable(file, `is ${Math.round(info.size / 1024 / 1024)} MB, too large for a CA bundle (at most 5 MB)`);
    text = (await readFile(file)).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unusable(file, code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`);
  }
  const blocks = certificatePems(text);
  if (blocks.length === 0) return unusable(file, 'holds no PEM certificate');
  const certificates: X509Certificate[] = [];
  const damaged: number[] = [];
  blocks.forEach((block, index) => {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      damaged.push(index + 1);
    }
  });
  if (certificates.length === 0) return unusable(file, 'holds only certificates that cannot be read');
  const warnings = damaged.length
    ? [`${NODE_EXTRA_CA_CERTS} (${file}): certificate ${damaged.join(', ')} of ${blocks.length} cannot be read and is ignored; the others are used.`]
    : [];
  return {file, certificates, warnings};
}
