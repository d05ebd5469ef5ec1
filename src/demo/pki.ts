/**
 * The demo PKI: every certificate the offline demo landscape needs, generated fresh per run so
 * no private key ships with the product.
 *
 * It mirrors the real parties of an inbound mTLS connection:
 * - the load balancer's server chain (root → intermediate → leaf for localhost/127.0.0.1); the
 *   server sends leaf + intermediate, the sender must trust the root;
 * - the customer's client PKI (root → intermediate → leaf CN=s4hana-sender) plus broken
 *   variants for the workshop lessons (no clientAuth EKU, untrusted CA, expired, expiring);
 * - a stand-in for "SAP PKI Certificate Service Client CA" under a stand-in SAP Cloud Root CA,
 *   which signs the certificates of SAP-generated service keys.
 */
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {constants, createPrivateKey, privateEncrypt, randomBytes, type KeyObject} from 'node:crypto';
import forge from 'node-forge';
import {DAY_MS} from '../lifecycle/common.js';
import {writeSecretFile} from '../certs/files.js';
import type {CsrSubject} from '../certs/generate.js';

const {pki, md} = forge;

interface DemoCertAndKey {
  certPem: string;
  /** PKCS#1 (`BEGIN RSA PRIVATE KEY`), the form SAP-generated service keys use. */
  keyPem: string;
}

export interface DemoLeaf extends DemoCertAndKey {
  /** The leaf followed by its intermediates, without the root: what a sender presents. */
  chainPem: string;
}

export interface DemoPki {
  createdAt: Date;
  /** "cpi-mtls Demo Load Balancer Root CA": the root a sender must put in its truststore. */
  serverRoot: DemoCertAndKey;
  serverIntermediate: DemoCertAndKey;
  /** Server certificate for localhost and 127.0.0.1; chainPem = leaf + intermediate. */
  serverLeaf: DemoLeaf;
  /** "cpi-mtls Demo Client Root CA": the customer's root, trusted by the demo load balancer. */
  clientRoot: DemoCertAndKey;
  clientIntermediate: DemoCertAndKey;
  /** CN=s4hana-sender, O=Demo Customer, EKU clientAuth. */
  clientLeaf: DemoLeaf;
  /** Same subject, EKU serverAuth only: rejected in the TLS handshake. */
  clientLeafNoClientAuth: DemoLeaf;
  /** Issued by a CA the load balancer does not trust: the certificate is not passed on. */
  clientLeafUntrusted: DemoLeaf;
  /** The root of clientLeafUntrusted (self-signed, not on the load balancer's list). */
  untrustedRoot: DemoCertAndKey;
  /** Expired 35 days before createdAt. */
  clientLeafExpired: DemoLeaf;
  /** Expires 10 days after createdAt. */
  clientLeafExpiring: DemoLeaf;
  /** Stand-in for SAP Cloud Root CA (a root the real load balancer trusts). */
  sapCloudRoot: DemoCertAndKey;
  /** Stand-in for "SAP PKI Certificate Service Client CA"; signs SAP-generated service keys. */
  sapClientCa: DemoCertAndKey;
}

/** The subject fields the demo certificates use (the product's CSR subject without ST). */
type DistinguishedName = Omit<CsrSubject, 'ST'>;

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

/** Async RSA key generation: node-forge hands the callback form to Node's native, non-blocking generator. */
function generateKeyPair(bits = 2048): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    pki.rsa.generateKeyPair({bits, e: 0x10001}, (error, keyPair) => {
      if (error) reject(error);
      else resolve(keyPair);
    });
  });
}

/** DER prefix of a PKCS#1 DigestInfo for SHA-256; the 32-byte hash follows. */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const nodeKeys = new WeakMap<forge.pki.rsa.PrivateKey, KeyObject>();

/**
 * A signer for forge's `cert.sign` that does the RSA operation in Node's native crypto:
 * forge's pure-JS RSA takes 40-120 ms per signature, Node's well under 1 ms. PKCS#1 v1.5
 * signing is the private-key operation over DigestInfo(SHA-256(tbs)) with type-1 padding,
 * which is exactly what privateEncrypt with RSA_PKCS1_PADDING computes.
 */
function nativeSigner(privateKey: forge.pki.rsa.PrivateKey): forge.pki.rsa.PrivateKey {
  let keyObject = nodeKeys.get(privateKey);
  if (!keyObject) {
    keyObject = createPrivateKey(pki.privateKeyToPem(privateKey));
    nodeKeys.set(privateKey, keyObject);
  }
  const key = keyObject;
  return {
    ...privateKey,
    sign(digest: forge.md.MessageDigest): forge.Bytes {
      const hash = Buffer.from(digest.digest().getBytes(), 'binary');
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, hash]);
      return privateEncrypt({key, padding: constants.RSA_PKCS1_PADDING}, digestInfo).toString('binary');
    },
  };
}

function toAttributes(dn: DistinguishedName): forge.pki.CertificateField[] {
  // Order as in an openssl one-line DN: C, L, O, OU, CN.
  const fields = (['C', 'L', 'O', 'OU', 'CN'] as const).filter((field) => dn[field]);
  return fields.map((field) => ({shortName: field, value: dn[field]}));
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10; // positive and without a leading zero byte
  return bytes.toString('hex');
}

interface IssueRequest {
  subject: DistinguishedName;
  keyPair: KeyPair;
  /** Omit for a self-signed root. */
  issuer?: {cert: forge.pki.Certificate; privateKey: forge.pki.rsa.PrivateKey};
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** Extended key usages by forge name, e.g. ['clientAuth']. */
  extendedKeyUsage?: Array<'clientAuth' | 'serverAuth'>;
  /** subjectAltName entries: DNS names and IP addresses. */
  dnsNames?: string[];
  ipAddresses?: string[];
}

function issue(request: IssueRequest): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = request.keyPair.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  cert.setSubject(toAttributes(request.subject));
  cert.setIssuer(request.issuer ? request.issuer.cert.subject.attributes : toAttributes(request.subject));
  const extensions: Array<Record<string, unknown>> = [
    {name: 'basicConstraints', cA: request.ca, critical: true},
    request.ca
      ? {name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true}
      : {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true},
    {name: 'subjectKeyIdentifier'},
  ];
  if (request.issuer) {
    extensions.push({name: 'authorityKeyIdentifier', keyIdentifier: request.issuer.cert.generateSubjectKeyIdentifier().getBytes()});
  }
  if (request.extendedKeyUsage?.length) {
    const eku: Record<string, unknown> = {name: 'extKeyUsage'};
    for (const usage of request.extendedKeyUsage) eku[usage] = true;
    extensions.push(eku);
  }
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({type: 2, value})),
    ...(request.ipAddresses ?? []).map((ip) => ({type: 7, ip})),
  ];
  if (altNames.length) extensions.push({name: 'subjectAltName', altNames});
  cert.setExtensions(extensions);
  cert.sign(nativeSigner(request.issuer?.privateKey ?? request.keyPair.privateKey), md.sha256.create());
  return cert;
}

function certAndKey(cert: forge.pki.Certificate, keyPair: KeyPair): DemoCertAndKey {
  return {certPem: pki.certificateToPem(cert), keyPem: pki.privateKeyToPem(keyPair.privateKey)};
}

function leaf(cert: forge.pki.Certificate, keyPair: KeyPair, intermediates: forge.pki.Certificate[]): DemoLeaf {
  const pair = certAndKey(cert, keyPair);
  return {...pair, chainPem: pair.certPem + intermediates.map((c) => pki.certificateToPem(c)).join('')};
}

/**
 * Signs a certificate for an existing public key (no key generation, so it is quick). Used for
 * certificates whose dates depend on demo settings, such as the tenant's own key pair entry.
 */
export function signDemoCertificate(request: {
  subject: DistinguishedName;
  /** Whose public key the certificate carries. */
  keyOf: DemoCertAndKey;
  issuer: DemoCertAndKey;
  notBefore: Date;
  notAfter: Date;
  extendedKeyUsage?: Array<'clientAuth' | 'serverAuth'>;
}): string {
  const privateKey = pki.privateKeyFromPem(request.keyOf.keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = pki.setRsaPublicKey(privateKey.n, privateKey.e);
  const cert = issue({
    subject: request.subject,
    keyPair: {privateKey, publicKey},
    issuer: {cert: pki.certificateFromPem(request.issuer.certPem), privateKey: pki.privateKeyFromPem(request.issuer.keyPem) as forge.pki.rsa.PrivateKey},
    ca: false,
    extendedKeyUsage: request.extendedKeyUsage,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
  });
  return pki.certificateToPem(cert);
}

const DEMO_CLIENT_SUBJECT: DistinguishedName = {C: 'DE', O: 'Demo Customer', CN: 's4hana-sender'};

/**
 * Generates the whole demo PKI. The 14 key pairs are generated concurrently on Node's thread
 * pool; certificates are signed afterwards (fast, synchronous).
 */
export async function createDemoPki(options: {now?: Date} = {}): Promise<DemoPki> {
  const now = options.now ?? new Date();
  const at = (days: number) => new Date(now.getTime() + days * DAY_MS);
  const names = [
    'serverRoot', 'serverIntermediate', 'serverLeaf',
    'clientRoot', 'clientIntermediate', 'clientLeaf', 'clientLeafNoClientAuth', 'clientLeafExpired', 'clientLeafExpiring',
    'untrustedRoot', 'clientLeafUntrusted',
    'sapCloudRoot', 'sapClientCa',
  ] as const;
  const pairs = await Promise.all(names.map(() => generateKeyPair()));
  const keys = Object.fromEntries(names.map((name, index) => [name, pairs[index]!])) as Record<(typeof names)[number], KeyPair>;

  const caValidity = {notBefore: at(-730), notAfter: at(3650)};
  const leafValidity = {notBefore: at(-1), notAfter: at(365)};
  const asIssuer = (cert: forge.pki.Certificate, keyPair: KeyPair) => ({cert, privateKey: keyPair.privateKey});

  // Load balancer server chain.
  const serverRoot = issue({subject: {C: 'DE', O: 'cpi-mtls Demo', CN: 'cpi-mtls Demo Load Balancer Root CA'}, keyPair: keys.serverRoot, ca: true, ...caValidity});
  const serverIntermediate = issue({subject: {C: 'DE', O: 'cpi-mtls Demo', CN: 'cpi-mtls Demo Load Balancer TLS CA'}, keyPair: keys.serverIntermediate, issuer: asIssuer(serverRoot, keys.serverRoot), ca: true, ...caValidity});
  const serverLeaf = issue({
    subject: {C: 'DE', O: 'cpi-mtls Demo', CN: 'localhost'}, keyPair: keys.serverLeaf, issuer: asIssuer(serverIntermediate, keys.serverIntermediate),
    ca: false, extendedKeyUsage: ['serverAuth'], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], ...leafValidity,
  });

  // The customer's client PKI.
  const clientRoot = issue({subject: {C: 'DE', O: 'Demo Customer', CN: 'cpi-mtls Demo Client Root CA'}, keyPair: keys.clientRoot, ca: true, ...caValidity});
  const clientIntermediate = issue({subject: {C: 'DE', O: 'Demo Customer', CN: 'cpi-mtls Demo Client Issuing CA'}, keyPair: keys.clientIntermediate, issuer: asIssuer(clientRoot, keys.clientRoot), ca: true, ...caValidity});
  const byClientCa = asIssuer(clientIntermediate, keys.clientIntermediate);
  const clientLeaf = issue({subject: DEMO_CLIENT_SUBJECT, keyPair: keys.clientLeaf, issuer: byClientCa, ca: false, extendedKeyUsage: ['clientAuth'], ...leafValidity});
  const clientLeafNoClientAuth = issue({subject: DEMO_CLIENT_SUBJECT, keyPair: keys.clientLeafNoClientAuth, issuer: byClientCa, ca: false, extendedKeyUsage: ['serverAuth'], ...leafValidity});
  const clientLeafExpired = issue({subject: DEMO_CLIENT_SUBJECT, keyPair: keys.clientLeafExpired, issuer: byClientCa, ca: false, extendedKeyUsage: ['clientAuth'], notBefore: at(-400), notAfter: at(-35)});
  const clientLeafExpiring = issue({subject: DEMO_CLIENT_SUBJECT, keyPair: keys.clientLeafExpiring, issuer: byClientCa, ca: false, extendedKeyUsage: ['clientAuth'], notBefore: at(-355), notAfter: at(10)});

  // A CA the load balancer does not trust (e.g. the customer's internal CA).
  const untrustedRoot = issue({subject: {C: 'DE', O: 'Demo Customer', CN: 'Demo Customer Internal Root CA'}, keyPair: keys.untrustedRoot, ca: true, ...caValidity});
  const clientLeafUntrusted = issue({subject: DEMO_CLIENT_SUBJECT, keyPair: keys.clientLeafUntrusted, issuer: asIssuer(untrustedRoot, keys.untrustedRoot), ca: false, extendedKeyUsage: ['clientAuth'], ...leafValidity});

  // SAP's client CA stand-in; "Demo" in O so nobody mistakes it for SAP's real CA.
  const sapCloudRoot = issue({subject: {C: 'DE', O: 'SAP SE (Demo)', CN: 'SAP Cloud Root CA (cpi-mtls Demo)'}, keyPair: keys.sapCloudRoot, ca: true, ...caValidity});
  const sapClientCa = issue({
    subject: {C: 'DE', L: 'cf-demo', O: 'SAP SE (Demo)', OU: 'SAP BTP Clients', CN: 'SAP PKI Certificate Service Client CA'},
    keyPair: keys.sapClientCa, issuer: asIssuer(sapCloudRoot, keys.sapCloudRoot), ca: true, ...caValidity,
  });

  return {
    createdAt: now,
    serverRoot: certAndKey(serverRoot, keys.serverRoot),
    serverIntermediate: certAndKey(serverIntermediate, keys.serverIntermediate),
    serverLeaf: leaf(serverLeaf, keys.serverLeaf, [serverIntermediate]),
    clientRoot: certAndKey(clientRoot, keys.clientRoot),
    clientIntermediate: certAndKey(clientIntermediate, keys.clientIntermediate),
    clientLeaf: leaf(clientLeaf, keys.clientLeaf, [clientIntermediate]),
    clientLeafNoClientAuth: leaf(clientLeafNoClientAuth, keys.clientLeafNoClientAuth, [clientIntermediate]),
    clientLeafExpired: leaf(clientLeafExpired, keys.clientLeafExpired, [clientIntermediate]),
    clientLeafExpiring: leaf(clientLeafExpiring, keys.clientLeafExpiring, [clientIntermediate]),
    untrustedRoot: certAndKey(untrustedRoot, keys.untrustedRoot),
    clientLeafUntrusted: leaf(clientLeafUntrusted, keys.clientLeafUntrusted, []),
    sapCloudRoot: certAndKey(sapCloudRoot, keys.sapCloudRoot),
    sapClientCa: certAndKey(sapClientCa, keys.sapClientCa),
  };
}

export interface DemoFixturePaths {
  dir: string;
  /** Client leaf + intermediate, as the customer delivers it. */
  clientChain: string;
  /** Leaf only: what goes into the service key. */
  clientLeaf: string;
  /** Private key, mode 0600. */
  clientKey: string;
  /** Only the customer's root CA: the "root instead of leaf" lesson. */
  caOnly: string;
  variants: Record<'noClientAuth' | 'untrusted' | 'expired' | 'expiring', {chain: string; key: string}>;
}

/** Writes the files a consultant would receive from the customer into `dir` (created if missing). */
export async function writeDemoFixtures(demoPki: DemoPki, dir: string): Promise<DemoFixturePaths> {
  await mkdir(dir, {recursive: true});
  const file = (name: string) => path.join(dir, name);
  const paths: DemoFixturePaths = {
    dir,
    clientChain: file('s4hana-sender.chain.pem'),
    clientLeaf: file('s4hana-sender.crt.pem'),
    clientKey: file('s4hana-sender.key.pem'),
    caOnly: file('demo-customer-root-ca.pem'),
    variants: {
      noClientAuth: {chain: file('s4hana-sender-no-clientauth.chain.pem'), key: file('s4hana-sender-no-clientauth.key.pem')},
      untrusted: {chain: file('s4hana-sender-internal-ca.chain.pem'), key: file('s4hana-sender-internal-ca.key.pem')},
      expired: {chain: file('s4hana-sender-expired.chain.pem'), key: file('s4hana-sender-expired.key.pem')},
      expiring: {chain: file('s4hana-sender-expiring.chain.pem'), key: file('s4hana-sender-expiring.key.pem')},
    },
  };
  await writeFile(paths.clientChain, demoPki.clientLeaf.chainPem);
  await writeFile(paths.clientLeaf, demoPki.clientLeaf.certPem);
  await writeSecretFile(paths.clientKey, demoPki.clientLeaf.keyPem);
  await writeFile(paths.caOnly, demoPki.clientRoot.certPem);
  const variantSources = {
    noClientAuth: demoPki.clientLeafNoClientAuth,
    untrusted: demoPki.clientLeafUntrusted,
    expired: demoPki.clientLeafExpired,
    expiring: demoPki.clientLeafExpiring,
  } as const;
  for (const [name, source] of Object.entries(variantSources) as Array<[keyof typeof variantSources, DemoLeaf]>) {
    await writeFile(paths.variants[name].chain, source.chainPem);
    await writeSecretFile(paths.variants[name].key, source.keyPem);
  }
  return paths;
}
