/**
 * Test PKI built with the openssl command line, an independent implementation, so the tests
 * do not check cpi-mtls against itself.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

export function openssl(args: string[], options: {cwd?: string; input?: string} = {}): string {
  return execFileSync('openssl', args, {cwd: options.cwd, input: options.input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8'});
}

export interface Pki {
  dir: string;
  file(name: string): string;
  read(name: string): string;
  cleanup(): void;
}

type KeySpec = 'rsa2048' | 'rsa1024' | 'ec256';

function opensslDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

export function buildPki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpi-mtls-pki-'));
  const file = (name: string): string => path.join(dir, name);
  const read = (name: string): string => readFileSync(file(name), 'utf8');

  const key = (name: string, spec: KeySpec): void => {
    const args =
      spec === 'ec256'
        ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name)]
        : ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec === 'rsa1024' ? 1024 : 2048}`, '-out', file(name)];
    openssl(args);
  };

  const selfSignedCa = (name: string, keyName: string, subject: string): void => {
    openssl(['req', '-x509', '-new', '-key', file(keyName), '-subj', subject, '-days', '3650', '-sha256', '-out', file(name),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash']);
  };

  let serial = 4096;
  /** Signs a CSR for `subject` with `caName` using `openssl ca`, which takes explicit dates. */
  const sign = (name: string, keyName: string, caName: string, caKey: string, subject: string, extensions: string[], options: {start?: Date; end?: Date; md?: string} = {}): void => {
    const caDir = file(`${name}.ca`);
    mkdirSync(path.join(caDir, 'new'), {recursive: true});
    writeFileSync(path.join(caDir, 'index.txt'), '');
    writeFileSync(path.join(caDir, 'serial'), (serial++).toString(16).padStart(4, '0') + '\n');
    writeFileSync(
      path.join(caDir, 'ca.cnf'),
      ['[ca]', 'default_ca = d', '[d]', `database = ${path.join(caDir, 'index.txt')}`, `new_certs_dir = ${path.join(caDir, 'new')}`,
        `serial = ${path.join(caDir, 'serial')}`, 'default_md = sha256', 'policy = p', 'unique_subject = no', 'email_in_dn = no',
        '[p]', 'commonName = supplied', 'organizationName = optional', 'countryName = optional', 'organizationalUnitName = optional'].join('\n'),
    );
    writeFileSync(path.join(caDir, 'ext.cnf'), ['[x]', ...extensions].join('\n'));
    openssl(['req', '-new', '-key', file(keyName), '-subj', subject, '-out', path.join(caDir, 'req.csr')]);
    const start = options.start ?? new Date(Date.now() - 60 * 60 * 1000);
    const end = options.end ?? new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
    openssl(['ca', '-batch', '-notext', '-config', path.join(caDir, 'ca.cnf'), '-cert', file(caName), '-keyfile', file(caKey),
      '-in', path.join(caDir, 'req.csr'), '-out', file(name), '-startdate', opensslDate(start), '-enddate', opensslDate(end),
      '-extfile', path.join(caDir, 'ext.cnf'), '-extensions', 'x', '-md', options.md ?? 'sha256']);
  };

  const caExtensions = ['basicConstraints = critical,CA:TRUE,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];
  const leafExtensions = (eku?: string): string[] => [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    ...(eku ? [`extendedKeyUsage = ${eku}`] : []),
    'subjectAltName = DNS:sender.example.com',
    'authorityKeyIdentifier = keyid',
  ];
  const day = 24 * 60 * 60 * 1000;

  // RSA chain: Test Root CA → Test Issuing CA → leaves.
  key('root.key', 'rsa2048');
  key('int.key', 'rsa2048');
  key('leaf.key', 'rsa2048');
  key('other.key', 'rsa2048');
  key('weak.key', 'rsa1024');
  selfSignedCa('root.crt', 'root.key', '/C=DE/O=Test PKI/CN=Test Root CA');
  sign('int.crt', 'int.key', 'root.crt', 'root.key', '/C=DE/O=Test PKI/CN=Test Issuing CA', caExtensions);
  const leaf = (name: string, eku: string | undefined, options: {start?: Date; end?: Date; md?: string; key?: string} = {}): void =>
    sign(name, options.key ?? 'leaf.key', 'int.crt', 'int.key', `/C=DE/O=Acme/CN=${name.replace(/\.crt$/, '')}`, leafExtensions(eku), options);
  leaf('leaf-client.crt', 'clientAuth, serverAuth');
  leaf('leaf-server-only.crt', 'serverAuth');
  leaf('leaf-no-eku.crt', undefined);
  leaf('leaf-any-eku.crt', 'anyExtendedKeyUsage');
  leaf('leaf-expired.crt', 'clientAuth', {start: new Date('2020-01-01T00:00:00Z'), end: new Date('2021-01-01T00:00:00Z')});
  leaf('leaf-future.crt', 'clientAuth', {start: new Date(Date.now() + 30 * day), end: new Date(Date.now() + 400 * day)});
  leaf('leaf-expiring.crt', 'clientAuth', {end: new Date(Date.now() + 10 * day)});
  leaf('leaf-sha1.crt', 'clientAuth', {md: 'sha1'});
  leaf('leaf-rsa1024.crt', 'clientAuth', {key: 'weak.key'});

  // A second CA with the same name as the issuing CA but another key (a "renewed" CA).
  key('int2.key', 'rsa2048');
  sign('int-renamed.crt', 'int2.key', 'root.crt', 'root.key', '/C=DE/O=Test PKI/CN=Test Issuing CA', caExtensions);

  // EC chain.
  key('ec-root.key', 'ec256');
  key('ec-int.key', 'ec256');
  key('ec-leaf.key', 'ec256');
  selfSignedCa('ec-root.crt', 'ec-root.key', '/C=DE/O=Test PKI/CN=Test EC Root');
  sign('ec-int.crt', 'ec-int.key', 'ec-root.crt', 'ec-root.key', '/C=DE/O=Test PKI/CN=Test EC Issuing CA', caExtensions);
  sign('ec-leaf.crt', 'ec-leaf.key', 'ec-int.crt', 'ec-int.key', '/C=DE/O=Acme/CN=ec-sender', leafExtensions('clientAuth'));

  // An intermediate issued by a fake "SAP Cloud Root CA" (same name as the real one).
  key('fake-sap-root.key', 'rsa2048');
  selfSignedCa('fake-sap-root.crt', 'fake-sap-root.key', '/C=DE/O=SAP SE/CN=SAP Cloud Root CA');
  sign('sapnamed-int.crt', 'int.key', 'fake-sap-root.crt', 'fake-sap-root.key', '/C=DE/O=SAP SE/CN=Test SAP-Named Issuing CA', caExtensions);
  sign('sapnamed-leaf.crt', 'leaf.key', 'sapnamed-int.crt', 'int.key', '/C=DE/O=Acme/CN=sapnamed-sender', leafExtensions('clientAuth'));

  // Self-signed leaves: one made as a client certificate, one with req -x509 defaults (CA:TRUE).
  openssl(['req', '-x509', '-new', '-key', file('leaf.key'), '-subj', '/CN=self-signed-client', '-days', '30', '-out', file('self-client.crt'),
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth']);
  openssl(['req', '-x509', '-new', '-key', file('leaf.key'), '-subj', '/CN=quick-self-signed', '-days', '30', '-out', file('self-default.crt')]);

  // Derived files.
  const cat = (name: string, parts: string[]): void => writeFileSync(file(name), parts.map(read).join(''));
  cat('chain-ordered.pem', ['leaf-client.crt', 'int.crt', 'root.crt']);
  cat('chain-shuffled.pem', ['root.crt', 'leaf-client.crt', 'int.crt']);
  cat('leaf-and-int.pem', ['leaf-client.crt', 'int.crt']);
  cat('ec-chain.pem', ['ec-leaf.crt', 'ec-int.crt', 'ec-root.crt']);
  writeFileSync(file('chain-with-text.pem'), `subject=CN=leaf-client\nissuer=...\n${read('leaf-client.crt')}\nSome note in between\r\n${read('int.crt').replace(/\n/g, '\r\n')}trailing text\n`);
  openssl(['x509', '-in', file('leaf-client.crt'), '-outform', 'DER', '-out', file('leaf-client.der')]);
  openssl(['pkcs8', '-topk8', '-in', file('leaf.key'), '-v2', 'aes-256-cbc', '-passout', 'pass:key-secret', '-out', file('leaf-encrypted.key')]);
  openssl(['rsa', '-in', file('leaf.key'), '-traditional', '-out', file('leaf-pkcs1.key')]);
  openssl(['rsa', '-in', file('leaf.key'), '-traditional', '-aes256', '-passout', 'pass:key-secret', '-out', file('leaf-pkcs1-encrypted.key')]);
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', file('leaf.key'), '-outform', 'DER', '-out', file('leaf-key.der')]);
  openssl(['ec', '-in', file('ec-leaf.key'), '-out', file('ec-leaf-sec1.key')]);
  openssl(['pkcs12', '-export', '-inkey', file('leaf.key'), '-in', file('leaf-client.crt'), '-certfile', file('int.crt'), '-passout', 'pass:p12-secret', '-out', file('client.p12')]);
  openssl(['pkcs12', '-export', '-legacy', '-inkey', file('leaf.key'), '-in', file('leaf-client.crt'), '-certfile', file('int.crt'), '-passout', 'pass:p12-secret', '-out', file('client-legacy.p12')]);
  openssl(['pkcs12', '-export', '-inkey', file('leaf.key'), '-in', file('leaf-client.crt'), '-passout', 'pass:', '-out', file('client-nopass.p12')]);
  openssl(['pkcs12', '-export', '-inkey', file('ec-leaf.key'), '-in', file('ec-leaf.crt'), '-certfile', file('ec-int.crt'), '-passout', 'pass:p12-secret', '-out', file('ec-client.p12')]);
  openssl(['req', '-new', '-key', file('leaf.key'), '-subj', '/CN=csr-only', '-out', file('request.csr')]);
  return {dir, file, read, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/** SAP-style service key credentials built from a chain and key, with literal `\n` as the cockpit shows them. */
export function serviceKeyJson(chainPem: string, keyPem: string, options: {literalNewlines?: boolean; cfHeader?: boolean; wrap?: boolean} = {}): string {
  const encode = (pem: string): string => (options.literalNewlines ? pem.replace(/\n/g, '\\n') : pem);
  const oauth = {
    clientid: 'sb-1234!b5|it-rt-demo!b6',
    url: 'https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com',
    tokenurl: 'https://demo.authentication.eu10.hana.ondemand.com/oauth/token',
    createdate: '2026-01-01',
    certificate: encode(chainPem),
    key: encode(keyPem),
    certificatedetails: {issuerdn: 'CN=Test Issuing CA', subjectdn: 'CN=leaf-client', validuntil: '2027-01-01', serialnumber: '1000'},
  };
  const body = options.wrap === false ? {oauth} : {credentials: {oauth}};
  const json = JSON.stringify(body, null, 2);
  return options.cfHeader ? `Getting key iflow-client for service instance pi-rt as user@example.com...\n\n${json}\n` : json;
}
