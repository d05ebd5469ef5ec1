/**
 * Client for the parts of the Cloud Integration OData API (`<api url>/api/v1`, domain doc §10)
 * that cpi-mtls reads: the SAP key pair in the keystore, the endpoint URLs of deployed iFlows,
 * their runtime status, and the iFlow export (to read the sender channel). It authenticates with
 * an `api` plan service key (client credentials → bearer token, cached).
 */
import tls from 'node:tls';
import {CpiMtlsError} from '../errors.js';
import {HttpsTimeoutError, ResponseTooLargeError, httpsRequest, type HttpsResponse} from '../probe/https-request.js';
import {instanceParameters} from '../../flows/parameters.js';

export const SAP_KEY_PAIR_ALIAS = 'sap_cloudintegrationcertificate';
/** Bound of one API call (token request included) when the caller sets none. */
export const DEFAULT_TENANT_API_TIMEOUT_MS = 20_000;

/**
 * What cpi-mtls reads through the API, and the role template the `api` instance needs for each.
 * Source: SAP Help, "Tasks and Permissions for Cloud Integration" (556d557): Monitor → "View
 * keystore entries" and "View deployed artifact list" need MonitoringDataRead; Design → "View
 * packages and package artifacts" needs WorkspacePackagesRead (so would `…/Configurations`, the
 * externalized parameters, which cpi-mtls takes from the export instead). The Security Content and
 * Integration Content API pages refer to that table.
 */
export const API_READS = {
  'keystore-entry': {resource: 'KeystoreEntries', what: 'the keystore entry', role: 'MonitoringDataRead'},
  'service-endpoints': {resource: 'ServiceEndpoints', what: 'the endpoints of deployed integration flows', role: 'MonitoringDataRead'},
  'runtime-artifact': {resource: 'IntegrationRuntimeArtifacts', what: 'the runtime status of an integration flow', role: 'MonitoringDataRead'},
  'iflow-download': {resource: 'IntegrationDesigntimeArtifacts(…)/$value', what: 'the design-time integration flow (its sender channel)', role: 'WorkspacePackagesRead'},
} as const satisfies Record<string, {resource: string; what: string; role: string}>;

export type ApiRead = keyof typeof API_READS;

/** Every role the tenant checks need: exactly what the temporary api instance gets. */
export const API_CHECK_ROLES: readonly string[] = Object.freeze([...new Set(Object.values(API_READS).map((read) => read.role))]);

/** The full parameter set of an api instance for the tenant checks (update-service wants all of it). */
export function apiInstanceParameters(): Record<string, unknown> {
  return instanceParameters([...API_CHECK_ROLES]);
}
const MAX_JSON_BYTES = 8 * 1024 * 1024;
const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
const MAX_PAGES = 50;

export interface TenantApiOptions {
  /** `url` of the api-plan service key (the tenant host, without /api/v1). */
  apiUrl: string;
  /** `tokenurl` of the same key. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Extra trusted CAs in PEM, added to Node's bundled roots. */
  extraCaPems?: string[];
  /** Per request; default 20 s. */
  timeoutMs?: number;
  /** Cancels every call of this client. */
  signal?: AbortSignal;
  /** HTTPS_PROXY, ALL_PROXY and NO_PROXY are read from here; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The fields of the API's entities that cpi-mtls reads. */
export interface KeystoreEntry {
  alias: string;
  hexAlias: string;
  validNotAfter: Date | null;
}

export interface ServiceEndpoint {
  /** The iFlow ID. */
  name: string;
  /** REST (HTTPS sender), SOAP, AS2, AS4, ODATAV2. */
  protocol?: string;
  entryPoints: Array<{url: string; type?: string}>;
}

export interface RuntimeArtifact {
  id: string;
  /** STARTED, STARTING, ERROR, STOPPING. */
  status: string;
  deployedOn: Date | null;
}

export interface TenantApi {
  /** The SAP key pair, or null when the tenant has none (HTTP 404). */
  getKeystoreEntry(): Promise<KeystoreEntry | null>;
  listServiceEndpoints(): Promise<ServiceEndpoint[]>;
  /** Runtime status of a deployed iFlow, or null when it is not deployed (HTTP 404). */
  getRuntimeArtifact(id: string): Promise<RuntimeArtifact | null>;
  /** The design-time export (zip) of the active version of an iFlow. */
  downloadIflow(id: string): Promise<Buffer>;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** Hex form of a keystore alias, as the KeystoreEntries key expects it. */
export function hexAlias(alias: string): string {
  return Buffer.from(alias, 'utf8').toString('hex');
}

/** Parses OData v2 dates (`/Date(1700000000000)/`, with optional offset), ISO strings and epoch numbers. */
export function parseODataDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return new Date(value);
  if (typeof value !== 'string') return null;
  const odata = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (odata) return new Date(Number(odata[1]));
  if (/^\d{10,}$/.test(value)) return new Date(Number(value));
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

const odataKey = (value: string) => encodeURIComponent(value.replace(/'/g, "''"));
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url;
}

export function createTenantApi(options: TenantApiOptions): TenantApi {
  for (const [field, value] of [['apiUrl', options.apiUrl], ['tokenUrl', options.tokenUrl]] as const) {
    if (!URL.canParse(value)) {
      throw new CpiMtlsError('tenant-api-config', `${field} "${value}" is not a URL.`, {fix: [`Take ${field === 'apiUrl' ? 'url' : 'tokenurl'} from a service key of an it-rt instance with plan api.`]});
    }
    const parsed = new URL(value);
    if (parsed.protocol !== 'https:') {
      throw new CpiMtlsError('tenant-api-config', `${field} must use https, got ${parsed.protocol}//${parsed.host}.`, {fix: [`Use the ${field === 'apiUrl' ? 'url' : 'tokenurl'} from the api service key as it is.`]});
    }
  }
  if (!options.clientId || !options.clientSecret) {
    throw new CpiMtlsError('tenant-api-config', 'The API client id or secret is empty.', {fix: ['Create a service key for an it-rt instance with plan api and pass its clientid and clientsecret.']});
  }
  const apiRoot = options.apiUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '') + '/api/v1';
  // Built once: parsing Node's ~140 bundled roots for every request would cost ~100 ms each.
  const secureContext = options.extraCaPems?.length ? tls.createSecureContext({ca: [...tls.rootCertificates, ...options.extraCaPems]}) : undefined;
  let token: {value: string; expiresAt: number} | undefined;
  let tokenInFlight: Promise<string> | undefined;

  async function send(url: string, request: {method: string; headers: Record<string, string>; body?: string; maxBytes: number}): Promise<HttpsResponse> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TENANT_API_TIMEOUT_MS;
    try {
      return await httpsRequest(url, {...request, timeoutMs, signal: options.signal, secureContext, env: options.env});
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        throw new CpiMtlsError('tenant-api-response', `The answer from ${hostOf(url)} is larger than ${request.maxBytes} bytes.`, {fix: ['Check that the API URL points at the Cloud Integration tenant.']});
      }
      if (error instanceof HttpsTimeoutError) {
        throw new CpiMtlsError('tenant-api-timeout', `${hostOf(url)} did not answer within ${Math.round(timeoutMs / 1000)} s.`, {
          fix: ['Check the network path to the tenant (proxy, VPN, firewall) and try again.', 'Raise the timeout if the tenant is known to be slow.'],
          details: {url: url.split('?')[0], timeoutMs},
        });
      }
      throw classifyNetworkError(error as NodeJS.ErrnoException, url);
    }
  }

  function classifyNetworkError(error: NodeJS.ErrnoException, url: string): Error {
    if (error instanceof CpiMtlsError) return error;
    const code = error.code ?? '';
    const host = hostOf(url);
    if (UNREACHABLE_CODES.has(code)) {
      return new CpiMtlsError('tenant-api-unreachable', `Cannot reach ${host} (${code}).`, {
        cause: error,
        fix: [`Check the URL in the api service key (${code === 'ENOTFOUND' ? 'the host name does not resolve' : 'nothing answers on that host and port'}).`, 'Check proxy, VPN and firewall settings.'],
        details: {host, code},
      });
    }
    if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
      return new CpiMtlsError('tenant-api-tls', `The TLS certificate of ${host} is not trusted (${code}).`, {
        cause: error,
        fix: ['If a corporate proxy inspects TLS, add its root CA (NODE_EXTRA_CA_CERTS=<file.pem>).', 'Check that the URL is the tenant from the api service key.'],
        details: {host, code},
      });
    }
    return new CpiMtlsError('tenant-api-unreachable', `The connection to ${host} failed: ${error.message}`, {cause: error, fix: ['Check the URL and the network path to the tenant, then try again.'], details: {host, code}});
  }

  async function fetchToken(): Promise<string> {
    const url = new URL(options.tokenUrl);
    url.searchParams.set('grant_type', 'client_credentials');
    const result = await send(url.toString(), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      maxBytes: MAX_JSON_BYTES,
    });
    if (result.status === 401 || result.status === 400) {
      throw new CpiMtlsError('tenant-api-credentials', `The token endpoint ${hostOf(options.tokenUrl)} rejected the API client credentials (HTTP ${result.status}).`, {
        fix: [
          'Copy clientid and clientsecret again from the service key of the it-rt instance with plan api (cf service-key <instance> <key>).',
          'Use the tokenurl from the same service key; keys of another subaccount do not work.',
        ],
        details: {status: result.status, clientId: options.clientId},
      });
    }
    if (result.status !== 200) throw httpError(result, options.tokenUrl, 'token request');
    const body = parseJson(result, options.tokenUrl) as {access_token?: unknown; expires_in?: unknown};
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new CpiMtlsError('tenant-api-response', `The token endpoint ${hostOf(options.tokenUrl)} answered without an access_token.`, {fix: ['Check that tokenurl is the one from the api service key (it ends in /oauth/token).']});
    }
    const lifetimeSeconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    token = {value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeSeconds - 60) * 1000};
    return token.value;
  }

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > Date.now()) return token.value;
    // Concurrent calls share one token request.
    tokenInFlight ??= fetchToken().finally(() => {
      tokenInFlight = undefined;
    });
    return tokenInFlight;
  }

  function parseJson(result: HttpsResponse, url: string): unknown {
    try {
      return JSON.parse(result.body.toString('utf8'));
    } catch (error) {
      throw new CpiMtlsError('tenant-api-response', `${hostOf(url)} did not answer with JSON (HTTP ${result.status}, content-type ${String(result.headers['content-type'] ?? 'none')}).`, {
        cause: error,
        fix: ['Check that the API URL is the `url` of an api-plan service key (the tenant host without -rt).'],
      });
    }
  }

  function httpError(result: HttpsResponse, url: string, what: string): CpiMtlsError {
    const excerpt = result.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 300);
    return new CpiMtlsError('tenant-api-http', `The ${what} at ${hostOf(url)} failed with HTTP ${result.status}${excerpt ? `: ${excerpt}` : ''}.`, {
      fix: ['Try again later; if it persists, check the tenant in the Integration Suite web UI.'],
      details: {status: result.status, path: new URL(url).pathname},
    });
  }

  function forbidden(read: ApiRead, url: string): CpiMtlsError {
    const {what, resource, role} = API_READS[read];
    const parameters = JSON.stringify(apiInstanceParameters());
    return new CpiMtlsError('tenant-api-forbidden', `The API client may not read ${what} (HTTP 403 on ${resource}): its api instance lacks the role ${role}.`, {
      fix: [
        `Give the api instance the roles the tenant checks need, with the full parameter set: cf update-service <api-instance> -c '${parameters}' (keep any other roles the instance already has in the list).`,
        'On Windows, save the JSON in a file and pass the file: cf update-service <api-instance> -c api-parameters.json',
        'Role changes can take up to an hour to take effect.',
      ],
      details: {status: 403, host: hostOf(url), resource, role},
    });
  }

  /** GET with the bearer token; one retry with a new token after a 401 (token revoked or expired early). */
  async function get(read: ApiRead, resource: string, accept: string, maxBytes: number, absoluteUrl?: string): Promise<HttpsResponse> {
    const url = absoluteUrl ?? `${apiRoot}/${resource}`;
    for (let attempt = 0; ; attempt++) {
      const bearer = await accessToken();
      const result = await send(url, {method: 'GET', headers: {authorization: `Bearer ${bearer}`, accept}, maxBytes});
      if (result.status === 401 && attempt === 0) {
        token = undefined;
        continue;
      }
      if (result.status === 401) {
        throw new CpiMtlsError('tenant-api-unauthorized', `The Cloud Integration API at ${hostOf(url)} rejected the access token (HTTP 401).`, {
          fix: ['Check that url and tokenurl come from the same api service key.', 'Create a new service key for the api instance and try again.'],
          details: {status: 401},
        });
      }
      if (result.status === 403) throw forbidden(read, url);
      return result;
    }
  }

  /** The OData `d` object, or null on HTTP 404. */
  async function getJson(read: ApiRead, resource: string, absoluteUrl?: string): Promise<Record<string, unknown> | null> {
    const result = await get(read, resource, 'application/json', MAX_JSON_BYTES, absoluteUrl);
    if (result.status === 404) return null;
    if (result.status !== 200) throw httpError(result, absoluteUrl ?? `${apiRoot}/${resource}`, 'API call');
    const body = parseJson(result, apiRoot) as {d?: unknown};
    if (!body || typeof body !== 'object' || !body.d || typeof body.d !== 'object') {
      throw new CpiMtlsError('tenant-api-response', `The answer to ${resource.split('?')[0]} is not OData JSON (no "d" object).`, {fix: ['Check that the API URL is the tenant from the api service key.']});
    }
    return body.d as Record<string, unknown>;
  }

  return {
    async getKeystoreEntry() {
      const hex = hexAlias(SAP_KEY_PAIR_ALIAS);
      const data = await getJson('keystore-entry', `KeystoreEntries('${hex}')`);
      if (!data) return null;
      return {alias: str(data.Alias) ?? SAP_KEY_PAIR_ALIAS, hexAlias: str(data.Hexalias) ?? hex, validNotAfter: parseODataDate(data.ValidNotAfter)};
    },

    async listServiceEndpoints() {
      const endpoints: ServiceEndpoint[] = [];
      let next: string | undefined = `${apiRoot}/ServiceEndpoints?$expand=EntryPoints&$format=json`;
      for (let page = 0; next && page < MAX_PAGES; page++) {
        const data = await getJson('service-endpoints', 'ServiceEndpoints', next);
        if (!data) break;
        const results = Array.isArray(data) ? data : Array.isArray(data.results) ? (data.results as unknown[]) : [];
        for (const item of results as Array<Record<string, unknown>>) {
          const entryPointsField = item.EntryPoints as {results?: unknown} | unknown[] | undefined;
          const entryPoints = (Array.isArray(entryPointsField) ? entryPointsField : Array.isArray(entryPointsField?.results) ? (entryPointsField.results as unknown[]) : []) as Array<Record<string, unknown>>;
          endpoints.push({
            name: str(item.Name) ?? '',
            protocol: str(item.Protocol),
            entryPoints: entryPoints.filter((entry) => typeof entry.Url === 'string').map((entry) => ({url: entry.Url as string, type: str(entry.Type)})),
          });
        }
        const nextLink = str((data as Record<string, unknown>).__next);
        next = nextLink ? new URL(nextLink, `${apiRoot}/`).toString() : undefined;
      }
      return endpoints;
    },

    async getRuntimeArtifact(id) {
      const data = await getJson('runtime-artifact', `IntegrationRuntimeArtifacts('${odataKey(id)}')`);
      if (!data) return null;
      return {id: str(data.Id) ?? id, status: str(data.Status) ?? 'UNKNOWN', deployedOn: parseODataDate(data.DeployedOn)};
    },

    async downloadIflow(id) {
      const version = 'active';
      const resource = `IntegrationDesigntimeArtifacts(Id='${odataKey(id)}',Version='${version}')/$value`;
      const result = await get('iflow-download', resource, 'application/zip, application/octet-stream', MAX_ARCHIVE_BYTES);
      if (result.status === 404) {
        throw new CpiMtlsError('iflow-not-found', `The tenant has no integration flow with ID "${id}" in version "${version}".`, {
          fix: [
            'The flow is deployed but has no design-time artifact under this ID (deleted from its package, or deployed from another tenant): open Design in the web UI and check that the package still holds it.',
            'Until it does, check the sender channel\'s certificate by hand in the deployed flow (Monitor → Manage Integration Content).',
          ],
          details: {id, version},
        });
      }
      if (result.status !== 200) throw httpError(result, `${apiRoot}/${resource}`, 'iFlow download');
      return result.body;
    },
  };
}
