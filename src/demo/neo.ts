/**
 * The Neo side of the migration workshop, offline: a sample export of certificate-to-user
 * mappings made from the demo PKI (several users, shared roles, one expired, one duplicate and
 * one certificate without clientAuth), the users' roles, and a local HTTPS stand-in for the Neo
 * tenant's `/api/v1/CertificateUserMappings` (OData v2 JSON, Basic auth, `__next` paging).
 */
import {X509Certificate, randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import {signDemoCertificate, type DemoPki} from './pki.js';
import {DAY_MS} from '../lifecycle/common.js';
import {listen} from './tenant.js';
import {basicCredentials, json, odataDate, odataError, sameSecret} from './tenant/api.js';

interface NeoMappingRecord {
  Id: string;
  User: string;
  /** Base64 of DER (as the API returns it) or PEM text. */
  Certificate: string;
  ValidUntil: number | null;
  CreatedBy: string;
  CreatedTime: string;
  LastModifiedBy: string;
  LastModifiedTime: string;
}

interface NeoSample {
  /** The OData v2 answer of GET /api/v1/CertificateUserMappings. */
  export: {d: {results: NeoMappingRecord[]}};
  /** User → roles, as the roles file of `migrate-neo --roles`. */
  roles: Record<string, string[]>;
  /** The demo client CAs (and the internal CA of the untrusted variant): completes each leaf's chain. */
  caPem: string;
}

export interface NeoSamplePaths {
  dir: string;
  mappings: string;
  roles: string;
  caCertificates: string;
}

/** Builds the sample export. Two extra senders get their own certificates from the demo client CA. */
export function buildSampleNeoExport(pki: DemoPki, now = new Date()): NeoSample {
  const sign = (cn: string) =>
    signDemoCertificate({subject: {C: 'DE', O: 'Demo Customer', CN: cn}, keyOf: pki.clientLeaf, issuer: pki.clientIntermediate, notBefore: new Date(now.getTime() - DAY_MS), notAfter: new Date(now.getTime() + 300 * DAY_MS), extendedKeyUsage: ['clientAuth']});
  const crm = sign('crm-sender');
  const billing = sign('billing-sender');
  const created = odataDate(new Date(now.getTime() - 400 * DAY_MS));
  const entry = (id: string, user: string, pem: string, form: 'der' | 'pem' = 'der'): NeoMappingRecord => ({
    Id: id,
    User: user,
    Certificate: form === 'der' ? new X509Certificate(pem).raw.toString('base64') : pem,
    ValidUntil: new Date(new X509Certificate(pem).validTo).getTime(),
    CreatedBy: 'neo.admin@example.com',
    CreatedTime: created,
    LastModifiedBy: 'neo.admin@example.com',
    LastModifiedTime: created,
  });
  const results = [
    entry('a1f3c0de0000000000000000000000a1', 'S4HANA_SENDER', pki.clientLeaf.certPem),
    entry('a1f3c0de0000000000000000000000a2', 'CRM_SENDER', crm, 'pem'),
    entry('a1f3c0de0000000000000000000000a3', 'BILLING_SENDER', billing),
    entry('a1f3c0de0000000000000000000000a4', 'LEGACY_BILLING', pki.clientLeafExpired.certPem),
    entry('a1f3c0de0000000000000000000000a5', 'PARTNER_GATEWAY', pki.clientLeaf.certPem),
    entry('a1f3c0de0000000000000000000000a6', 'WAREHOUSE_SENDER', pki.clientLeafNoClientAuth.certPem),
    entry('a1f3c0de0000000000000000000000a7', 'HR_SENDER', pki.clientLeafExpiring.certPem),
  ];
  const roles: Record<string, string[]> = {
    S4HANA_SENDER: ['ESBMessaging.send', 'Orders.send'],
    CRM_SENDER: ['Orders.send', 'ESBMessaging.send'],
    BILLING_SENDER: ['Invoices.send'],
    LEGACY_BILLING: ['Invoices.send'],
    PARTNER_GATEWAY: ['Partner.send'],
    WAREHOUSE_SENDER: ['ESBMessaging.send'],
    HR_SENDER: ['ESBMessaging.send'],
  };
  return {export: {d: {results}}, roles, caPem: [pki.clientIntermediate.certPem, pki.clientRoot.certPem, pki.untrustedRoot.certPem].map(p => p.trim()).join('\n') + '\n'};
}

/**
 * Writes the sample into `dir` once and keeps it: a re-run of the migration must see the same
 * certificates to recognise what it already created.
 */
export async function writeSampleNeoExport(pki: DemoPki, dir: string, now = new Date()): Promise<NeoSamplePaths> {
  const paths: NeoSamplePaths = {dir, mappings: path.join(dir, 'certificate-user-mappings.json'), roles: path.join(dir, 'roles.json'), caCertificates: path.join(dir, 'client-ca-certificates.pem')};
  if (existsSync(paths.mappings) && existsSync(paths.roles) && existsSync(paths.caCertificates)) return paths;
  const sample = buildSampleNeoExport(pki, now);
  await mkdir(dir, {recursive: true});
  await writeFile(paths.mappings, JSON.stringify(sample.export, null, 2) + '\n');
  await writeFile(paths.roles, JSON.stringify(sample.roles, null, 2) + '\n');
  await writeFile(paths.caCertificates, sample.caPem);
  return paths;
}

export interface NeoApiServer {
  /** https://127.0.0.1:<port> (the tenant management host). */
  url: string;
  user: string;
  password: string;
  /** The root that signed the server certificate: trust it to call the stand-in. */
  caPem: string;
  /** Requests served so far (paths with query). */
  requests: string[];
  close(): Promise<void>;
}

interface NeoApiOptions {
  pki: DemoPki;
  /** The export file to serve. */
  mappings: string;
}

/** SAP's path, spelt here: the stand-in must not agree with a wrong product constant. */
const MAPPINGS_PATH = '/api/v1/CertificateUserMappings';
/** Page size for `__next` paging: small, so paging is exercised. */
const PAGE_SIZE = 3;

/** A local HTTPS stand-in for the Neo tenant's CertificateUserMappings API. */
export async function startNeoApiServer(options: NeoApiOptions): Promise<NeoApiServer> {
  const results = (JSON.parse(await readFile(options.mappings, 'utf8')) as NeoSample['export']).d.results;
  const user = 'neo.admin@example.com';
  const password = randomBytes(12).toString('base64url');
  const requests: string[] = [];
  const server = https.createServer({key: options.pki.serverLeaf.keyPem, cert: options.pki.serverLeaf.chainPem}, (req, res) => {
    requests.push(req.url ?? '');
    const [givenUser, givenPassword] = basicCredentials(req.headers.authorization) ?? ['', ''];
    if (givenUser !== user || !sameSecret(givenPassword, password)) {
      return odataError(res, 401, 'Unauthorized', 'Authentication required', {'WWW-Authenticate': 'Basic realm="SAP Cloud Integration"'});
    }
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (req.method !== 'GET') return odataError(res, 405, 'MethodNotAllowed', 'Only GET in this stand-in');
    if (url.pathname !== MAPPINGS_PATH) return odataError(res, 404, 'NotFound', `Unknown resource ${url.pathname}`);
    const skip = Math.max(0, Number(url.searchParams.get('$skip') ?? 0) || 0);
    const top = Math.min(PAGE_SIZE, Math.max(1, Number(url.searchParams.get('$top') ?? PAGE_SIZE) || PAGE_SIZE));
    const page = results.slice(skip, skip + top);
    const next = skip + top < results.length ? `${MAPPINGS_PATH}?$skip=${skip + top}&$top=${top}` : undefined;
    return json(res, 200, {d: {results: page, ...(next ? {__next: next} : {})}});
  });
  const port = await listen(server);
  return {
    url: `https://127.0.0.1:${port}`,
    user,
    password,
    caPem: options.pki.serverRoot.certPem,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
