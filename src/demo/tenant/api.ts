/**
 * The demo tenant's API host: an XSUAA-like token endpoint and the parts of the Cloud
 * Integration OData v2 API (`/api/v1`) that cpi-mtls reads (domain doc §10). Answers are JSON
 * in the OData v2 verbose shape (`{"d": …}`, dates as `/Date(ms)/`), as the real API returns
 * them for `Accept: application/json`.
 */
import type http from 'node:http';
import {X509Certificate, randomBytes, timingSafeEqual} from 'node:crypto';
import {signDemoCertificate} from '../pki.js';
import type {DemoIflow, DemoKeystore, DemoTenantOptions} from '../tenant.js';
import {buildIflowArchive} from './iflow-export.js';

interface IssuedToken {
  kind: 'api' | 'runtime';
  clientId: string;
  instanceName?: string;
  roles: string[];
  expiresAt: number;
}

export type TokenStore = Map<string, IssuedToken>;

const TOKEN_LIFETIME_SECONDS = 3600;
const MAX_BODY_BYTES = 64 * 1024;
/** Role template of the `api` plan needed to read monitoring data (keystore, endpoints, status). */
const MONITORING_ROLE = 'MonitoringDataRead';
/** Role template of the `api` plan needed to read design-time content (the iFlow export). */
const WORKSPACE_READ_ROLE = 'WorkspacePackagesRead';
/** Roles of an api client whose instance parameters the test or landscape leaves unset. */
const DEFAULT_API_ROLES: readonly string[] = [MONITORING_ROLE, WORKSPACE_READ_ROLE];

/**
 * The role each API resource needs, as SAP's "Tasks and Permissions for Cloud Integration" lists
 * them (kept apart from the client's own table, so a drift between the two shows in tests).
 */
const RESOURCE_ROLES: Array<{pattern: RegExp; role: string}> = [
  {pattern: /^KeystoreEntries\b/, role: MONITORING_ROLE},
  {pattern: /^ServiceEndpoints\b/, role: MONITORING_ROLE},
  {pattern: /^IntegrationRuntimeArtifacts\b/, role: MONITORING_ROLE},
  {pattern: /^IntegrationDesigntimeArtifacts\b/, role: WORKSPACE_READ_ROLE},
  {pattern: /^IntegrationPackages\b/, role: WORKSPACE_READ_ROLE},
];

/** The role a resource path (below /api/v1/) needs; MonitoringDataRead for anything not listed. */
function roleForResource(resource: string): string {
  return RESOURCE_ROLES.find((entry) => entry.pattern.test(resource))?.role ?? MONITORING_ROLE;
}

interface ApiHandlerOptions extends Pick<DemoTenantOptions, 'pki' | 'apiClients' | 'resolveBasic'> {
  runtimeUrl: string;
  apiUrl: string;
  iflows: () => DemoIflow[];
  keystore: () => DemoKeystore;
  tokens: TokenStore;
}

export const odataDate = (date: Date) => `/Date(${date.getTime()})/`;

/** Client id and secret of a Basic authorization header, taken as sent (no URL decoding, like curl -u). */
export function basicCredentials(authorization: string | undefined): [string, string] | null {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers});
  response.end(text);
}

export function odataError(response: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(response, status, {error: {code, message: {lang: 'en', value: message}}}, headers);
}

export function createApiHandler(options: ApiHandlerOptions): (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void> {
  const apiRoot = `${options.apiUrl}/api/v1`;
  const keyPairCertificates = new Map<number, string>();
  const deployedOn = new Date();

  /** The tenant's own key pair entry, re-issued when the configured expiry changes. */
  function keyPairCertificate(notAfter: Date): X509Certificate {
    let pem = keyPairCertificates.get(notAfter.getTime());
    if (!pem) {
      pem = signDemoCertificate({
        subject: {C: 'DE', L: 'cf-demo', O: 'SAP SE (Demo)', OU: 'SAP Cloud Platform Clients', CN: 'demo-tenant.it-cpidemo'},
        keyOf: options.pki.sapClientCa,
        issuer: options.pki.sapClientCa,
        notBefore: new Date(notAfter.getTime() - 365 * 24 * 3600 * 1000),
        notAfter,
        extendedKeyUsage: ['clientAuth'],
      });
      keyPairCertificates.set(notAfter.getTime(), pem);
    }
    return new X509Certificate(pem);
  }

  function iflowsWithExport(): Array<DemoIflow & {externalizeRole: boolean}> {
    const list = options.iflows();
    const explicit = list.some((iflow) => iflow.externalizeRole !== undefined);
    const firstRoleBased = list.find((iflow) => iflow.senderAuthType === 'RoleBased');
    return list.map((iflow) => ({...iflow, externalizeRole: explicit ? Boolean(iflow.externalizeRole) : iflow === firstRoleBased}));
  }

  async function handleToken(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    if (request.method !== 'POST') return json(response, 405, {error: 'method_not_allowed', error_description: 'Use POST.'}, {allow: 'POST'});
    const form = new URLSearchParams(await readBody(request));
    const grantType = url.searchParams.get('grant_type') ?? form.get('grant_type');
    const [clientId, clientSecret] = basicCredentials(request.headers.authorization) ?? [form.get('client_id') ?? '', form.get('client_secret') ?? ''];
    if (grantType !== 'client_credentials') {
      return json(response, 400, {error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grantType ?? '(none)'}`});
    }
    let issued: Omit<IssuedToken, 'expiresAt'> | null = null;
    const apiClients = typeof options.apiClients === 'function' ? options.apiClients() : options.apiClients;
    const apiClient = apiClients.find((client) => client.clientId === clientId && sameSecret(client.clientSecret, clientSecret));
    if (apiClient) {
      issued = {kind: 'api', clientId, roles: apiClient.roles ?? [...DEFAULT_API_ROLES]};
    } else if (clientId && options.resolveBasic) {
      const runtime = await options.resolveBasic(clientId, clientSecret);
      if (runtime) issued = {kind: 'runtime', clientId, instanceName: runtime.instanceName, roles: runtime.roles};
    }
    if (!issued) {
      const challenge = 'Basic realm="UAA/client", error="unauthorized", error_description="Bad credentials"';
      return json(response, 401, {error: 'unauthorized', error_description: 'Bad credentials'}, {'www-authenticate': challenge});
    }
    const token = randomBytes(24).toString('base64url');
    options.tokens.set(token, {...issued, expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000});
    json(response, 200, {access_token: token, token_type: 'bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: issued.roles.join(' '), jti: randomBytes(16).toString('hex')});
  }

  function keystoreEntry(hexAlias: string): Record<string, unknown> | null {
    if (!/^[0-9a-fA-F]*$/.test(hexAlias) || hexAlias.length % 2 !== 0) return null;
    const alias = Buffer.from(hexAlias, 'hex').toString('utf8');
    const keystore = options.keystore();
    if (alias !== 'sap_cloudintegrationcertificate' || !keystore.sapKeyPairPresent) return null;
    const notAfter = keystore.notAfter ?? new Date(deployedOn.getTime() + 300 * 24 * 3600 * 1000);
    const cert = keyPairCertificate(notAfter);
    const validFrom = new Date(cert.validFrom);
    const validTo = new Date(cert.validTo);
    const dn = (nodeDn: string) => nodeDn.split('\n').reverse().join(', ');
    const expired = validTo.getTime() <= Date.now();
    return {
      __metadata: {id: `${apiRoot}/KeystoreEntries('${hexAlias}')`, uri: `${apiRoot}/KeystoreEntries('${hexAlias}')`, type: 'com.sap.hci.api.KeystoreEntry'},
      Hexalias: hexAlias.toLowerCase(),
      Alias: alias,
      KeyType: 'RSA',
      KeySize: 2048,
      ValidNotBefore: odataDate(validFrom),
      ValidNotAfter: odataDate(validTo),
      SerialNumber: cert.serialNumber.toUpperCase(),
      SignatureAlgorithm: 'SHA256withRSA',
      EllipticCurve: null,
      Validity: expired ? 'Expired' : `${Math.ceil((validTo.getTime() - Date.now()) / 86_400_000)} Days`,
      SubjectDN: dn(cert.subject),
      IssuerDN: dn(cert.issuer),
      Version: 3,
      FingerprintSha1: cert.fingerprint.replace(/:/g, '').toLowerCase(),
      FingerprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
      FingerprintSha512: cert.fingerprint512.replace(/:/g, '').toLowerCase(),
      Type: 'KeyPair',
      Owner: 'SAP',
      LastModifiedBy: 'SAP',
      LastModifiedTime: odataDate(validFrom),
      CreatedBy: 'SAP',
      CreatedTime: odataDate(validFrom),
      Status: expired ? 'Expired' : 'OK',
      Certificate: {__deferred: {uri: `${apiRoot}/KeystoreEntries('${hexAlias}')/Certificate`}},
      ChainCertificates: {__deferred: {uri: `${apiRoot}/KeystoreEntries('${hexAlias}')/ChainCertificates`}},
    };
  }

  function serviceEndpoint(iflow: DemoIflow, expand: boolean): Record<string, unknown> {
    const id = `${iflow.id}$endpointAddress=${iflow.path}`;
    const uri = `${apiRoot}/ServiceEndpoints('${encodeURIComponent(id)}')`;
    const url = `${options.runtimeUrl}${iflow.adapter === 'HTTPS' ? '/http' : '/cxf'}${iflow.path}`;
    return {
      __metadata: {id: uri, uri, type: 'com.sap.hci.api.ServiceEndpoint'},
      Name: iflow.id,
      Id: id,
      Title: iflow.name,
      Version: iflow.version ?? '1.0.0',
      Summary: '',
      Description: '',
      LastUpdated: odataDate(deployedOn),
      Protocol: iflow.adapter === 'HTTPS' ? 'REST' : 'SOAP',
      EntryPoints: expand
        ? {results: [{__metadata: {type: 'com.sap.hci.api.EntryPoint'}, Name: iflow.id, Url: url, Type: 'PROD', AdditionalInformation: ''}]}
        : {__deferred: {uri: `${uri}/EntryPoints`}},
      ApiDefinitions: expand ? {results: []} : {__deferred: {uri: `${uri}/ApiDefinitions`}},
    };
  }

  function runtimeArtifact(iflow: DemoIflow): Record<string, unknown> {
    const uri = `${apiRoot}/IntegrationRuntimeArtifacts('${iflow.id}')`;
    return {
      __metadata: {id: uri, uri, type: 'com.sap.hci.api.IntegrationRuntimeArtifact', media_src: `${uri}/$value`},
      Id: iflow.id,
      Version: iflow.version ?? '1.0.0',
      Name: iflow.name,
      Type: 'INTEGRATION_FLOW',
      DeployedBy: 'demo.developer@example.com',
      DeployedOn: odataDate(deployedOn),
      Status: 'STARTED',
      ErrorInformation: {__deferred: {uri: `${uri}/ErrorInformation`}},
    };
  }

  async function handleOData(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const token = bearer ? options.tokens.get(bearer[1]!) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      return odataError(response, 401, 'Unauthorized', bearer ? 'The access token is invalid or expired.' : 'Authentication required: send an OAuth access token (Authorization: Bearer …).');
    }
    const resource = decodeURIComponent(url.pathname.slice('/api/v1/'.length));
    const role = roleForResource(resource);
    if (token.kind !== 'api' || !token.roles.includes(role)) {
      const what = resource.split(/[(/?]/)[0];
      return odataError(response, 403, 'Forbidden', `The client ${token.clientId} lacks the role ${role}, which reading ${what} needs. Use a service key of an it-rt instance with plan api whose roles include "${role}".`);
    }
    if (request.method !== 'GET') return odataError(response, 405, 'Method Not Allowed', 'The demo tenant API is read-only.');
    const wantsJson = (request.headers.accept ?? '').includes('json') || url.searchParams.get('$format') === 'json';
    const isMedia = resource.endsWith('/$value');
    if (!isMedia && !wantsJson) {
      return odataError(response, 406, 'Not Acceptable', 'The demo tenant answers OData requests in JSON only: send Accept: application/json.');
    }

    let match = /^KeystoreEntries\('([^']*)'\)$/.exec(resource);
    if (match) {
      const entry = keystoreEntry(match[1]!);
      if (!entry) return odataError(response, 404, 'Not Found', `Keystore entry with hex alias ${match[1]} not found in keystore system.`);
      return json(response, 200, {d: entry});
    }
    if (resource === 'ServiceEndpoints') {
      const expand = (url.searchParams.get('$expand') ?? '').split(',').map((s) => s.trim()).includes('EntryPoints');
      const results = options.iflows().filter((iflow) => iflow.deployed ?? true).map((iflow) => serviceEndpoint(iflow, expand));
      return json(response, 200, {d: {results}});
    }
    match = /^IntegrationRuntimeArtifacts\('([^']*)'\)$/.exec(resource);
    if (match) {
      const iflow = options.iflows().find((candidate) => candidate.id === match![1] && (candidate.deployed ?? true));
      if (!iflow) return odataError(response, 404, 'Not Found', `Integration flow ${match[1]} is not deployed.`);
      return json(response, 200, {d: runtimeArtifact(iflow)});
    }
    match = /^IntegrationDesigntimeArtifacts\(Id='([^']*)',Version='([^']*)'\)\/\$value$/.exec(resource);
    if (match) {
      const [, id, version] = match;
      const iflow = iflowsWithExport().find((candidate) => candidate.id === id);
      if (!iflow || (version !== 'active' && version !== (iflow.version ?? '1.0.0'))) {
        return odataError(response, 404, 'Not Found', `Integration design time artifact ${id} with version ${version} not found.`);
      }
      const zip = buildIflowArchive(iflow, new Date());
      response.writeHead(200, {'content-type': 'application/zip', 'content-length': zip.length, 'content-disposition': `attachment; filename=${id}.zip`});
      response.end(zip);
      return;
    }
    odataError(response, 404, 'Not Found', `Resource not found for the segment '${resource}'.`);
  }

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'https://api.invalid');
    if (url.pathname === '/oauth/token') return handleToken(request, response, url);
    if (url.pathname.startsWith('/api/v1/')) return handleOData(request, response, url);
    odataError(response, 404, 'Not Found', 'Unknown path; the API root is /api/v1.');
  };
}
