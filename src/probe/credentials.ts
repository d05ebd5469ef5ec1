/**
 * The client certificate for the probe: PEM (leaf + chain, key) or PKCS#12.
 */
import {X509Certificate, createPrivateKey, type KeyObject} from 'node:crypto';
import {certificatePems, normalisePemText} from '../certs/pem-text.js';
import {readPkcs12, type Pkcs12Contents} from '../certs/pkcs12.js';
import {CpiMtlsError} from '../errors.js';
import {OID, extendedKeyUsage, extendedKeyUsageShortName, isIssuedBy, isSelfSigned, orderChain} from '../certs/x509.js';
import {type CertificatePool, nodeRootStore} from './trust-anchors.js';
import type {ProbeLocalFacts} from './types.js';

export interface ClientMaterial {
  /** Leaf first, then intermediates in issuing order. */
  certPem: string;
  keyPem: string;
  leaf: X509Certificate;
  chain: X509Certificate[];
}

export function loadPemClient(certText: string, keyText: string, where = {cert: 'the certificate', key: 'the key'}): ClientMaterial {
  const blocks = certificatePems(certText);
  if (blocks.length === 0) {
    throw new CpiMtlsError('probe-client-cert', `${where.cert} contains no PEM certificate (-----BEGIN CERTIFICATE-----).`, {
      fix: ['Pass the client certificate as PEM: the leaf first, then its intermediates. For a .p12/.pfx file use --p12.'],
    });
  }
  let certs: X509Certificate[];
  try {
    certs = blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw new CpiMtlsError('probe-client-cert', `${where.cert} holds a certificate that cannot be read: ${(error as Error).message}.`, {fix: ['Check that the PEM blocks are complete and not edited.'], cause: error});
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({key: normalisePemText(keyText), format: 'pem'});
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(keyText);
    throw new CpiMtlsError('probe-client-key', `${where.key} is not a readable private key${encrypted ? ' (it is encrypted)' : ''}.`, {
      fix: encrypted ? ['Decrypt it first: openssl pkey -in <key.pem> -out <plain-key.pem> (keep the result private, mode 0600).'] : ['Pass the private key as PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).'],
      cause: error,
    });
  }
  const chain = orderChain(certs);
  const leaf = certs.find((cert) => cert.checkPrivateKey(key));
  if (!leaf) {
    throw new CpiMtlsError('probe-key-mismatch', `The private key in ${where.key} belongs to none of the certificates in ${where.cert}.`, {
      fix: ['Use the key that was generated with the certificate request of this certificate.'],
    });
  }
  const ordered = chain[0] === leaf ? chain : orderChain([leaf, ...certs.filter((cert) => cert !== leaf)]);
  return {certPem: ordered.map((cert) => cert.toString()).join(''), keyPem: key.export({format: 'pem', type: 'pkcs8'}).toString(), leaf, chain: ordered};
}

/** PKCS#12 through the project's own reader (RSA and EC keys, AES or legacy encryption). */
export async function loadPkcs12Client(data: Uint8Array, password: string, where = 'the PKCS#12 file'): Promise<ClientMaterial> {
  let contents: Pkcs12Contents;
  try {
    contents = await readPkcs12(Buffer.from(data), password, where);
  } catch (error) {
    const wrongPassword = ['wrong-password', 'password-required'].includes((error as CpiMtlsError).code);
    throw new CpiMtlsError('probe-p12', `${where} cannot be opened${wrongPassword ? ': wrong password?' : `: ${(error as Error).message}`}`, {
      fix: ['Pass the password in a file with --p12-password-file, or convert the file to PEM: openssl pkcs12 -in <file.p12> -nodes -out <client.pem>.'],
      cause: error,
    });
  }
  const [keyDer] = contents.privateKeys;
  if (!keyDer || contents.certificates.length === 0) {
    throw new CpiMtlsError('probe-p12', `${where} holds ${keyDer ? 'no certificate' : 'no private key'}.`, {fix: ['Export the client certificate together with its private key and chain.']});
  }
  const keyPem = createPrivateKey({key: keyDer, format: 'der', type: 'pkcs8'}).export({format: 'pem', type: 'pkcs8'}).toString();
  const certPem = contents.certificates.map((der) => new X509Certificate(der).toString()).join('');
  return loadPemClient(certPem, keyPem, {cert: where, key: where});
}

/**
 * The extended key usages of the client certificate as it is: short names (clientAuth,
 * serverAuth, …; the OID for others), empty when the certificate has no EKU extension.
 */
export function clientEku(material: ClientMaterial): string[] {
  return extendedKeyUsage(material.leaf).map(extendedKeyUsageShortName);
}

/**
 * EKU and chain completeness, as far as they can be known from the files alone. clientAuth
 * counts only when it is listed: SAP requires it, so a certificate without an EKU extension
 * (or with only anyExtendedKeyUsage) does not have it.
 */
export function deriveLocalFacts(material: ClientMaterial, extraCas: CertificatePool): ProbeLocalFacts {
  const facts: ProbeLocalFacts = {ekuClientAuth: extendedKeyUsage(material.leaf).includes(OID.clientAuth)};
  const chain = material.chain;
  const linked = chain.every((cert, index) => index === 0 || isIssuedBy(chain[index - 1], cert));
  const top = chain[chain.length - 1];
  if (!linked) facts.chainComplete = false;
  else if (isSelfSigned(top)) facts.chainComplete = true;
  else {
    const issuer = nodeRootStore().issuerOf(top) ?? extraCas.issuerOf(top);
    if (issuer && isSelfSigned(issuer)) facts.chainComplete = true;
    else if (chain.length === 1) facts.chainComplete = false; // a lone leaf whose issuer is unknown: intermediates missing
  }
  return facts;
}
