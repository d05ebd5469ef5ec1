/**
 * Neo certificate-to-user mappings (sap-cloud-integration.md §10): reading them from the Neo
 * tenant's OData v2 API or from an export file, the users' roles, and the workbench checks that
 * decide which certificate can move to Cloud Foundry.
 */
import {X509Certificate} from 'node:crypto';
import type {CertificateCheck} from '../ports.js';
import {certificatePems, firstX509, normalisePemText} from '../certs/pem-text.js';
import {safeVerify} from '../certs/x509.js';
import {CpiMtlsError} from '../errors.js';
import {HttpsTimeoutError, httpsRequest, type HttpsResponse} from '../probe/https-request.js';
import {certificateKey} from '../../flows/duplicates.js';
import {validateRoleName} from '../../flows/validate.js';
import {leafFromPem, parseValidUntil, readTextFile, requireClientAuth} from './common.js';

export interface NeoMapping {
  id: string;
  user: string;
  /** The certificate as PEM, or null when the field could not be read as a certificate. */
  certificatePem: string | null;
  certificateError?: string;
  /** ISO-8601 from ValidUntil (epoch ms), when present. */
  validUntil: string | null;
}

export const NEO_MAPPINGS_PATH = '/api/v1/CertificateUserMappings';

/**
 * The Certificate field is documented as "base64 PEM/DER string": accept a PEM text (also with
 * literal `\n`), base64 of a PEM text, or base64 of DER.
 */
export function neoCertificateToPem(value: unknown): {pem: string | null; error?: string} {
  if (typeof value !== 'string' || value.trim() === '') return {pem: null, error: 'the mapping has no certificate'};
  let text = normalisePemText(value).trim();
  const compact = text.replace(/\s+/g, '');
  if (!text.includes('-----BEGIN CERTIFICATE-----') && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('latin1');
    // Base64 of DER becomes one PEM block; reading it re-wraps the base64 lines.
    text = decoded.includes('-----BEGIN CERTIFICATE-----') ? decoded : `-----BEGIN CERTIFICATE-----\n${compact}\n-----END CERTIFICATE-----`;
  }
  const leaf = leafFromPem(text);
  return leaf ? {pem: leaf.pem} : {pem: null, error: 'the Certificate field is neither PEM nor base64 of a certificate'};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** OData v2 (`{"d":{"results":[…]}}`, `{"d":[…]}`), v4 (`{"value":[…]}`) or a plain array. */
export function neoResultsOf(json: unknown): {results: unknown[]; next?: string} | null {
  if (Array.isArray(json)) return {results: json};
  if (!json || typeof json !== 'object') return null;
  const object = json as Record<string, unknown>;
  const d = object.d;
  if (Array.isArray(d)) return {results: d};
  if (d && typeof d === 'object') {
    const inner = d as Record<string, unknown>;
    if (Array.isArray(inner.results)) return {results: inner.results, next: typeof inner.__next === 'string' ? inner.__next : undefined};
  }
  if (Array.isArray(object.value)) return {results: object.value, next: typeof object['@odata.nextLink'] === 'string' ? (object['@odata.nextLink'] as string) : undefined};
  return null;
}

export function parseNeoMappings(json: unknown, where: string): NeoMapping[] {
  const page = neoResultsOf(json);
  if (!page) {
    throw new CpiMtlsError('neo-mappings-format', `${where} is not a list of certificate-to-user mappings.`, {
      fix: ['Expected the OData answer of GET /api/v1/CertificateUserMappings: {"d":{"results":[{"Id":…,"User":…,"Certificate":…,"ValidUntil":…}]}}.'],
    });
  }
  return page.results.map((raw, index) => {
    const row = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const id = str(row.Id) ?? str(row.id) ?? `#${index + 1}`;
    const user = (str(row.User) ?? str(row.user) ?? '').trim();
    const {pem, error} = neoCertificateToPem(row.Certificate ?? row.certificate);
    return {
      id,
      user,
      certificatePem: pem,
      ...(error ? {certificateError: error} : {}),
      validUntil: parseValidUntil(row.ValidUntil ?? row.validUntil),
    };
  });
}

/** A JSON input file; a failed read becomes `unreadable`'s error, text that is not JSON a `code` error with `fix`. */
async function readJsonFile(file: string, unreadable: (error: NodeJS.ErrnoException) => Error, code: string, fix: string): Promise<unknown> {
  const text = await readTextFile(file, unreadable);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CpiMtlsError(code, `${file} is not JSON: ${(error as Error).message}.`, {fix: [fix]});
  }
}

export async function readNeoMappingsFile(file: string): Promise<NeoMapping[]> {
  const unreadable = (error: NodeJS.ErrnoException) => new CpiMtlsError('file-not-found', `Cannot read the mappings file ${file}: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}.`, {
    fix: ['Check the path; export the mappings with GET /api/v1/CertificateUserMappings?$format=json.'],
  });
  return parseNeoMappings(await readJsonFile(file, unreadable, 'neo-mappings-format', 'Save the answer of GET /api/v1/CertificateUserMappings?$format=json as it is.'), file);
}

export interface NeoApiRequest {
  /** Tenant management host, e.g. https://<account>-tmn.hci.eu1.hana.ondemand.com (with or without /api/v1). */
  url: string;
  user: string;
  password: string;
  /** Extra CAs to trust (the demo Neo stand-in). */
  caPems?: string[];
  signal?: AbortSignal;
}

/** Bound of one Neo API call. */
const NEO_TIMEOUT_MS = 30_000;

export function neoMappingsUrl(base: string): URL {
  if (!URL.canParse(base.trim())) {
    throw new CpiMtlsError('neo-url', `"${base}" is not a URL.`, {fix: ['Give the Neo tenant management URL, e.g. https://<account>-tmn.hci.eu1.hana.ondemand.com']});
  }
  const url = new URL(base.trim());
  if (url.protocol !== 'https:') throw new CpiMtlsError('neo-url', `The Neo URL ${url.origin} must use https://.`, {fix: [`Use https://${url.host}`]});
  const prefix = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1(\/CertificateUserMappings)?$/, '');
  return new URL(`${url.origin}${prefix}${NEO_MAPPINGS_PATH}?$format=json`);
}

async function getJson(url: URL, request: NeoApiRequest): Promise<unknown> {
  const auth = Buffer.from(`${request.user}:${request.password}`).toString('base64');
  let response: HttpsResponse;
  try {
    response = await httpsRequest(url, {headers: {Authorization: `Basic ${auth}`, Accept: 'application/json'}, ca: request.caPems?.length ? request.caPems : undefined, timeoutMs: NEO_TIMEOUT_MS, signal: request.signal});
  } catch (error) {
    if (error instanceof CpiMtlsError) throw error;
    if (error instanceof HttpsTimeoutError) throw new CpiMtlsError('timeout', `The Neo API did not answer within ${NEO_TIMEOUT_MS / 1000} s.`, {fix: ['Check the network and proxy, then retry.']});
    const code = (error as NodeJS.ErrnoException).code;
    throw new CpiMtlsError('neo-network', `Cannot reach the Neo API at ${url.origin}: ${code ?? (error as Error).message}.`, {fix: ['Check the URL, the network and the proxy settings (HTTPS_PROXY, NO_PROXY).'], cause: error});
  }
  const body = response.body.toString('utf8');
  const status = response.status;
  if (status === 401 || status === 403) {
    throw new CpiMtlsError('neo-unauthorized', `The Neo API answered ${status} for ${url.origin}${url.pathname} as ${request.user}.`, {
      fix: ['Check user and password (CPI_MTLS_NEO_USER / CPI_MTLS_NEO_PASSWORD).', 'The user needs IntegrationOperationServer.read and NodeManager.read (or CertificateUserMappings.Read) on the Neo tenant.'],
    });
  }
  if (status < 200 || status >= 300) {
    throw new CpiMtlsError('neo-api', `The Neo API answered ${status} for ${url.pathname}: ${body.slice(0, 200).replace(/\s+/g, ' ')}`, {fix: ['Check the URL: the tenant management host (…-tmn…), without the path.']});
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new CpiMtlsError('neo-api', `The Neo API did not return JSON for ${url.pathname}.`, {fix: ['Check that the URL is the tenant management host and that $format=json is accepted.']});
  }
}

/** All mappings, following OData v2 `__next` links (bounded). */
export async function fetchNeoMappings(request: NeoApiRequest): Promise<NeoMapping[]> {
  let url: URL | undefined = neoMappingsUrl(request.url);
  const origin = url.origin;
  const all: NeoMapping[] = [];
  for (let pages = 0; url; pages++) {
    if (pages > 1000) throw new CpiMtlsError('neo-api', 'The Neo API pagination does not end.', {fix: ['Export the mappings to a file and use --mappings.']});
    const json = await getJson(url, request);
    const page = neoResultsOf(json);
    if (!page) throw new CpiMtlsError('neo-mappings-format', `The Neo API answer of ${url.pathname} holds no mappings list.`, {fix: ['Check the URL: the tenant management host (…-tmn…).']});
    all.push(...parseNeoMappings({d: {results: page.results}}, url.href));
    if (!page.next) break;
    const next: URL = new URL(page.next, url);
    if (next.origin !== origin) throw new CpiMtlsError('neo-api', `The Neo API points to another host for the next page (${next.origin}).`, {fix: ['Export the mappings to a file and use --mappings.']});
    if (!next.searchParams.has('$format')) next.searchParams.set('$format', 'json');
    url = next;
  }
  return all;
}

/** `{"USER": ["Role.a", …]}`, or `{"users": {"USER": [...]}}`; role names checked. */
export function parseRoles(json: unknown, where: string): Record<string, string[]> {
  const object = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  const map = object && object.users && typeof object.users === 'object' && !Array.isArray(object.users) ? (object.users as Record<string, unknown>) : object;
  if (!map) throw new CpiMtlsError('roles-format', `${where} must map each user to a list of roles, e.g. {"P0001": ["ESBMessaging.send"]}.`, {fix: ['Write the file as JSON: {"<user>": ["<role>", …]}.']});
  const roles: Record<string, string[]> = {};
  for (const [user, value] of Object.entries(map)) {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
    if (!list || list.some(role => typeof role !== 'string')) throw new CpiMtlsError('roles-format', `${where}: the roles of ${user} must be a list of role names.`, {fix: [`For example "${user}": ["ESBMessaging.send"]`]});
    const cleaned = [...new Set((list as string[]).map(role => role.trim()).filter(Boolean))];
    for (const role of cleaned) {
      const problem = validateRoleName(role);
      if (problem) throw new CpiMtlsError('roles-format', `${where}: role "${role}" of ${user}: ${problem}`, {fix: ['Use the role names as in Monitor → Manage Security → User Roles.']});
    }
    roles[user] = cleaned;
  }
  return roles;
}

export async function readRolesFile(file: string): Promise<Record<string, string[]>> {
  const fix = 'Give a JSON file {"<user>": ["<role>", …]}.';
  const unreadable = (error: Error) => new CpiMtlsError('file-not-found', `Cannot read the roles file ${file}: ${error.message}.`, {fix: [fix]});
  return parseRoles(await readJsonFile(file, unreadable, 'roles-format', fix), file);
}

// ---------------------------------------------------------------------------------------------
// Certificate checks per mapping

export interface MappingValidation {
  mappingId: string;
  user: string;
  fingerprint256?: string;
  subject?: string;
  issuer?: string;
  notAfter?: string;
  verdict: 'pass' | 'warn' | 'fail';
  /** Checks that did not pass (the chain check is a warning here: the key takes the leaf only). */
  checks: CertificateCheck[];
  movable: boolean;
  reasons: string[];
  /** Another mapping of the export holds the same certificate. */
  duplicateOf?: string;
}

/** The issuing CAs of `leafPem` found in `pool` (by issuer name and signature), leaf side first. */
export function chainFromPool(leafPem: string, pool: string[]): string[] {
  const certs = pool.flatMap(text => certificatePems(text).map(firstX509)).filter((c): c is X509Certificate => c !== null);
  const chain: string[] = [];
  let current = new X509Certificate(leafPem);
  for (let depth = 0; depth < 8; depth++) {
    if (current.issuer === current.subject) break;
    const issuer = certs.find(c => current.checkIssued(c) && safeVerify(current, c));
    if (!issuer) break;
    chain.push(issuer.toString());
    current = issuer;
  }
  return chain;
}

export interface ValidateOptions {
  /** Intermediate and root certificates to complete each leaf's chain (PEM texts). */
  caPems?: string[];
  /** Roots to treat as trusted by the load balancer besides SAP's list (test landscapes). */
  trustedRootsPem?: string[];
}

/** Runs the workbench checks on every mapping and marks duplicates within the export. */
export async function validateMappings(mappings: NeoMapping[], options: ValidateOptions = {}): Promise<MappingValidation[]> {
  const {parseCertificatesFromText} = await import('../certs/load.js');
  const {inspectClientCertificate} = await import('../certs/inspect.js');
  const firstByFingerprint = new Map<string, NeoMapping>();
  return mappings.map(mapping => {
    if (!mapping.certificatePem) {
      return {mappingId: mapping.id, user: mapping.user, verdict: 'fail', checks: [], movable: false, reasons: [`Certificate not readable: ${mapping.certificateError ?? 'unknown format'}.`]};
    }
    const chain = chainFromPool(mapping.certificatePem, options.caPems ?? []);
    const inspected = inspectClientCertificate({certificates: parseCertificatesFromText([mapping.certificatePem, ...chain].join('\n'))}, {extraTrustedRootsPem: options.trustedRootsPem});
    const report = requireClientAuth(inspected.leaf?.extendedKeyUsage, inspected);
    const leaf = report.leaf!;
    const checks = report.checks
      .filter(check => check.verdict !== 'pass')
      .map(check => (check.id === 'chain' && check.verdict === 'fail' ? {...check, verdict: 'warn' as const, message: `${check.message} The service key takes the leaf only; the sender must present the chain.`} : check));
    const failing = checks.filter(check => check.verdict === 'fail');
    const reasons = failing.map(check => `${check.title}: ${check.message}`);
    if (!mapping.user) reasons.push('The mapping names no user.');
    const first = firstByFingerprint.get(certificateKey(leaf));
    if (first) {
      reasons.push(`Same certificate as mapping ${first.id} (user ${first.user}): Cloud Foundry allows each certificate in one service key only; give that instance the roles of ${mapping.user || 'this user'} instead.`);
    } else firstByFingerprint.set(certificateKey(leaf), mapping);
    const verdict = failing.length ? 'fail' : checks.some(c => c.verdict === 'warn') ? 'warn' : 'pass';
    return {
      mappingId: mapping.id,
      user: mapping.user,
      fingerprint256: leaf.fingerprint256,
      subject: leaf.subject,
      issuer: leaf.issuer,
      notAfter: leaf.notAfter,
      verdict,
      checks,
      movable: reasons.length === 0,
      reasons,
      ...(first ? {duplicateOf: first.id} : {}),
    };
  });
}
