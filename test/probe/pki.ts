/**
 * A small PKI for the probe tests, generated fresh with node-forge: roots, intermediates,
 * server and client leaves, with the extensions that matter (EKU, AKI/SKI, AIA).
 */
import {generateKeyPairSync} from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

const EKU_OIDS = {serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2'};
let serial = 0x1000;

function newKey(): {privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey} {
  // Native key generation; forge only signs.
  const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048, privateKeyEncoding: {type: 'pkcs1', format: 'pem'}, publicKeyEncoding: {type: 'spki', format: 'pem'}});
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return {privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e)};
}

function aiaExtension(url: string): {id: string; value: forge.asn1.Asn1} {
  const asn1 = forge.asn1;
  return {
    id: '1.3.6.1.5.5.7.1.1',
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('1.3.6.1.5.5.7.48.2').getBytes()),
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, url),
      ]),
    ]),
  };
}

export interface IssueOptions {
  cn: string;
  issuer?: Issued;
  ca?: boolean;
  eku?: Array<keyof typeof EKU_OIDS>;
  dnsNames?: string[];
  ips?: string[];
  aiaIssuerUrl?: string;
  notBefore?: Date;
  notAfter?: Date;
}

export function issue(options: IssueOptions): Issued {
  const {privateKey, publicKey} = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(4, '0');
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86400_000);
  const attrs = [{name: 'organizationName', value: 'cpi-mtls test'}, {name: 'commonName', value: options.cn}];
  cert.setSubject(attrs);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : attrs);
  const extensions: object[] = [
    {name: 'basicConstraints', cA: Boolean(options.ca), critical: Boolean(options.ca)},
    {name: 'subjectKeyIdentifier'},
  ];
  if (options.issuer) extensions.push({name: 'authorityKeyIdentifier', keyIdentifier: options.issuer.cert.generateSubjectKeyIdentifier().getBytes()});
  if (options.ca) extensions.push({name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true});
  else extensions.push({name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true});
  if (options.eku?.length) extensions.push({name: 'extKeyUsage', ...Object.fromEntries(options.eku.map((name) => [name, true]))});
  const altNames = [...(options.dnsNames ?? []).map((value) => ({type: 2, value})), ...(options.ips ?? []).map((ip) => ({type: 7, ip}))];
  if (altNames.length) extensions.push({name: 'subjectAltName', altNames});
  if (options.aiaIssuerUrl) extensions.push(aiaExtension(options.aiaIssuerUrl));
  cert.setExtensions(extensions);
  cert.sign(options.issuer?.key ?? privateKey, forge.md.sha256.create());
  return {cert, key: privateKey, certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(privateKey)};
}

export function derOf(issued: Issued): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(issued.cert)).getBytes(), 'binary');
}

export function pkcs12Of(leaf: Issued, chain: Issued[], password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(leaf.key, [leaf.cert, ...chain.map((c) => c.cert)], password, {algorithm: 'aes256'});
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

export interface TestPki {
  root: Issued;
  intermediate: Issued;
  server: Issued;
  client: Issued;
  clientNoEku: Issued;
  clientServerAuthOnly: Issued;
  otherRoot: Issued;
  otherClient: Issued;
  selfSignedServer: Issued;
}

export function createTestPki(): TestPki {
  const root = issue({cn: 'Probe Test Root CA', ca: true});
  const intermediate = issue({cn: 'Probe Test Intermediate CA', ca: true, issuer: root});
  const server = issue({cn: 'localhost', issuer: intermediate, eku: ['serverAuth'], dnsNames: ['localhost'], ips: ['127.0.0.1']});
  const client = issue({cn: 'sender-ok', issuer: intermediate, eku: ['clientAuth']});
  const clientNoEku = issue({cn: 'sender-no-eku-extension', issuer: intermediate});
  const clientServerAuthOnly = issue({cn: 'sender-serverauth-only', issuer: intermediate, eku: ['serverAuth']});
  const otherRoot = issue({cn: 'Unknown Root CA', ca: true});
  const otherClient = issue({cn: 'sender-from-unknown-ca', issuer: otherRoot, eku: ['clientAuth']});
  const selfSignedServer = issue({cn: 'localhost', eku: ['serverAuth'], dnsNames: ['localhost'], ips: ['127.0.0.1']});
  return {root, intermediate, server, client, clientNoEku, clientServerAuthOnly, otherRoot, otherClient, selfSignedServer};
}
