/**
 * The demo tenant: a local stand-in for a Cloud Integration tenant on Cloud Foundry, used by the
 * offline demo landscape (`cpi-mtls --demo`) and by tests. It runs two HTTPS listeners on
 * 127.0.0.1:
 * - the runtime host behind the "load balancer" (`/http/...`, `/cxf/...`), which requests a
 *   client certificate and treats it as SAP's load balancer does (domain doc §8, §9);
 * - the API host with the OData API (`/api/v1/...`) and the OAuth token endpoint.
 *
 * Which service keys hold a certificate is not known here: the landscape glue answers that
 * through `resolveCertificate` / `resolveBasic`, reading the stand-in cf's state.
 */
import type {ExportedIflow} from './tenant/iflow-export.js';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import {X509Certificate, randomBytes} from 'node:crypto';
import type {AddressInfo} from 'node:net';
import type {DemoPki} from './pki.js';
import {basicCredentials, createApiHandler, type TokenStore} from './tenant/api.js';
import {dnEquals, formatSapDn} from '../../flows/dn.js';
import {OID} from '../certs/x509.js';

/** A deployed (or only designed) integration flow of the demo tenant. */
export interface DemoIflow extends ExportedIflow {
  /** Default true. Undeployed iFlows exist only at design time. */
  deployed?: boolean;
}

export interface ServiceKeyMatch {
  instanceName: string;
  keyName: string;
  /** Roles of the instance that holds the key. */
  roles: string[];
}

export interface CertificateResolution {
  /** Keys holding exactly this certificate. */
  keys: ServiceKeyMatch[];
  /**
   * Other keys with pinning off whose certificate has the same subject and issuer DN. They count
   * as clones: a call succeeds only when keys + dnMatches name exactly one key (KBA 3364579).
   */
  dnMatches?: ServiceKeyMatch[];
}

type MaybePromise<T> = T | Promise<T>;

/** false = trial tenant (no sap_cloudintegrationcertificate). */
export interface DemoKeystore {
  sapKeyPairPresent: boolean;
  notAfter?: Date;
}

/** A client of an `api` plan key; roles default to ["MonitoringDataRead", "WorkspacePackagesRead"]. */
interface ApiClient {
  clientId: string;
  clientSecret: string;
  roles?: string[];
}

export interface DemoTenantEvent {
  at: Date;
  kind: 'handshake-rejected' | 'certificate-not-passed-on' | 'request';
  message: string;
  status?: number;
  path?: string;
}

export interface DemoTenantOptions {
  pki: DemoPki;
  resolveCertificate(leafPem: string, fingerprint256: string): MaybePromise<CertificateResolution>;
  resolveBasic?(clientId: string, clientSecret: string): MaybePromise<{instanceName: string; roles: string[]} | null>;
  /** An array (read on every request, so the caller may change it) or a function returning one. */
  iflows: DemoIflow[] | (() => DemoIflow[]);
  /** Read on every request. */
  keystore: DemoKeystore | (() => DemoKeystore);
  /**
   * Clients of `api` plan keys accepted at the token endpoint, with the roles of their instance.
   * Each resource checks the role SAP lists for it (keystore, endpoints, runtime status:
   * MonitoringDataRead; the iFlow export: WorkspacePackagesRead). An array, or a function read on
   * every token request (the landscape's api keys change).
   */
  apiClients: ApiClient[] | (() => ApiClient[]);
  onEvent?(event: DemoTenantEvent): void;
}

export interface DemoTenant {
  /** `https://127.0.0.1:<port>`: the runtime host (`url` of an integration-flow key). */
  runtimeUrl: string;
  /** `https://127.0.0.1:<port>`: the API host (`url` of an api key); API root is apiUrl + /api/v1. */
  apiUrl: string;
  tokenUrl: string;
  /** The load balancer's root CA: what the sender must trust. */
  serverCaPem: string;
  close(): Promise<void>;
}

export const INVALID_CLIENT_BODY =
  '<InvalidClientException><error>invalid_client</error><error_description>Either the client certificate is not configured exactly once in a service key of a Process Integration Runtime service instance or client-certificate authentication was not enabled for your tenant.</error_description></InvalidClientException>';

export const BAD_CREDENTIALS_BODY =
  '<UnauthorizedUserException><error>unauthorized_user</error><error_description>Bad credentials</error_description></UnauthorizedUserException>';

function subjectAndIssuerNotAcceptedMessage(subjectDN: string, issuerDN: string): string {
  return `Unauthorized. Subject and issuer (subject: ${subjectDN.toLowerCase()}; issuer: ${issuerDN.toLowerCase()}) of the provided certificate is not contained in the accepted subjectAndIssuers list of the integration flow.`;
}

function tomcatPage(status: number, title: string, description: string): string {
  return `<!doctype html><html lang="en"><head><title>HTTP Status ${status} – ${title}</title></head><body><h1>HTTP Status ${status} – ${title}</h1><hr class="line" /><p><b>Type</b> Status Report</p><p><b>Description</b> ${description}</p><hr class="line" /></body></html>`;
}

/** What the load balancer concluded about the client certificate of one TLS connection. */
type PeerCertificateState =
  | {kind: 'none'}
  | {kind: 'not-passed-on'; reason: string}
  | {kind: 'passed'; leafPem: string; fingerprint256: string; subjectDN: string; issuerDN: string};

interface Principal {
  via: 'certificate' | 'basic' | 'token';
  instanceName: string;
  keyName?: string;
  roles: string[];
  certificate?: {subjectDN: string; issuerDN: string};
}

export function listen(server: tls.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Matches a request path against a sender Address, case-insensitively; `/x/*` matches below /x. */
function addressMatches(address: string, requestPath: string): boolean {
  const a = address.toLowerCase().replace(/\/+$/, '');
  const p = requestPath.toLowerCase().replace(/\/+$/, '');
  if (a.endsWith('/*')) {
    const base = a.slice(0, -2);
    return p === base || p.startsWith(base + '/');
  }
  return a === p;
}

export async function startDemoTenant(options: DemoTenantOptions): Promise<DemoTenant> {
  const iflows = () => (typeof options.iflows === 'function' ? options.iflows() : options.iflows);
  const keystore = () => (typeof options.keystore === 'function' ? options.keystore() : options.keystore);
  const emit = (event: Omit<DemoTenantEvent, 'at'>) => options.onEvent?.({at: new Date(), ...event});
  const tokens: TokenStore = new Map();
  const csrfToken = randomBytes(16).toString('hex');
  const peerStates = new WeakMap<object, PeerCertificateState>();
  const openSockets = new Set<import('node:net').Socket>();

  // ---------------------------------------------------------------------------------------
  // Load balancer: TLS termination and client-certificate handling.

  const runtimeHttp = http.createServer((request, response) => {
    handleRuntime(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, {'content-type': 'text/plain'});
      response.end(`Internal error in the demo tenant: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  const runtimeTls = tls.createServer({
    cert: options.pki.serverLeaf.chainPem, // leaf + intermediate; the root is not sent
    key: options.pki.serverLeaf.keyPem,
    // The client roots the load balancer trusts: the demo client root and the SAP root stand-in.
    ca: [options.pki.clientRoot.certPem, options.pki.sapCloudRoot.certPem],
    requestCert: true,
    // Calls without a certificate (Basic auth) are served too, so verification is judged below.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  runtimeTls.on('secureConnection', (socket: tls.TLSSocket) => {
    const state = judgePeerCertificate(socket);
    if (state === 'reject') {
      // The real load balancer aborts the handshake with a TLS alert. Node's OpenSSL binding
      // accepts every client certificate inside the handshake and only reports verification
      // results afterwards (VerifyCallback always returns 1), so no alert can be sent from
      // here. The closest behaviour is what Node itself does with rejectUnauthorized: destroy
      // the connection right after the handshake, before any HTTP byte is read or written.
      // With TLS 1.3 the client has already sent its Finished, so it sees the connection
      // reset on its first read, just as it would see the late alert from an OpenSSL server.
      socket.destroy();
      return;
    }
    peerStates.set(socket, state);
    runtimeHttp.emit('connection', socket);
  });

  function judgePeerCertificate(socket: tls.TLSSocket): PeerCertificateState | 'reject' {
    const peer = socket.getPeerCertificate(false);
    if (!peer || !peer.raw) return {kind: 'none'};
    const eku = peer.ext_key_usage ?? [];
    if (!eku.includes(OID.clientAuth)) {
      emit({kind: 'handshake-rejected', message: `Client certificate ${peer.subject?.CN ?? ''} has no extended key usage clientAuth (${OID.clientAuth}); the load balancer rejects it in the TLS handshake.`});
      return 'reject';
    }
    if (!socket.authorized) {
      const code = String(socket.authorizationError ?? 'UNKNOWN');
      // What SAP's load balancer does with an expired chaining certificate is not documented; the demo rejects it.
      if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
        emit({kind: 'handshake-rejected', message: `Client certificate is outside its validity period (${code}); the load balancer rejects it in the TLS handshake.`});
        return 'reject';
      }
      const reason = `Client certificate not passed on by the load balancer (${code}): it does not chain to a trusted root, or the client did not send its intermediate certificates.`;
      emit({kind: 'certificate-not-passed-on', message: reason});
      return {kind: 'not-passed-on', reason};
    }
    const x509 = new X509Certificate(peer.raw);
    return {
      kind: 'passed',
      leafPem: x509.toString(),
      fingerprint256: peer.fingerprint256.toUpperCase(),
      subjectDN: formatSapDn(x509.subject),
      issuerDN: formatSapDn(x509.issuer),
    };
  }

  // ---------------------------------------------------------------------------------------
  // Runtime: authentication, routing, authorization, CSRF.

  function send(response: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}, path?: string): void {
    emit({kind: 'request', status, path, message: body.length > 300 ? body.slice(0, 300) + '…' : body});
    response.writeHead(status, {'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers});
    response.end(body);
  }

  /** Every authentication failure is an HTTP 401; most bodies are XML. */
  const unauthorized = (body: string, contentType = 'application/xml') => ({body, contentType});

  async function authenticate(request: http.IncomingMessage, state: PeerCertificateState): Promise<Principal | ReturnType<typeof unauthorized>> {
    if (state.kind === 'passed') {
      if (!keystore().sapKeyPairPresent) return unauthorized(INVALID_CLIENT_BODY);
      const resolution = await options.resolveCertificate(state.leafPem, state.fingerprint256);
      const candidates = new Map<string, ServiceKeyMatch>();
      for (const match of [...resolution.keys, ...(resolution.dnMatches ?? [])]) candidates.set(`${match.instanceName}\u0000${match.keyName}`, match);
      if (candidates.size !== 1) return unauthorized(INVALID_CLIENT_BODY);
      const match = [...candidates.values()][0]!;
      return {via: 'certificate', instanceName: match.instanceName, keyName: match.keyName, roles: match.roles, certificate: {subjectDN: state.subjectDN, issuerDN: state.issuerDN}};
    }
    const authorization = request.headers.authorization ?? '';
    if (/^Basic\s+\S+$/i.test(authorization)) {
      const credentials = basicCredentials(authorization);
      const principal = credentials && options.resolveBasic ? await options.resolveBasic(...credentials) : null;
      if (!principal) return unauthorized(BAD_CREDENTIALS_BODY);
      return {via: 'basic', instanceName: principal.instanceName, roles: principal.roles};
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) {
      const token = tokens.get(bearer[1]!);
      if (!token || token.kind !== 'runtime' || token.expiresAt <= Date.now()) {
        return unauthorized('<InvalidTokenException><error>invalid_token</error><error_description>The token is invalid or expired.</error_description></InvalidTokenException>');
      }
      return {via: 'token', instanceName: token.instanceName ?? token.clientId, roles: token.roles};
    }
    return unauthorized(
      tomcatPage(401, 'Unauthorized', 'An Authentication object was not found in the SecurityContext (no client certificate was passed on and no credentials were sent).'),
      'text/html;charset=utf-8',
    );
  }

  async function handleRuntime(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://runtime.invalid');
    const path = url.pathname;
    const sendPage = (status: number, title: string, description: string) => send(response, status, tomcatPage(status, title, description), 'text/html;charset=utf-8', {}, path);
    const prefix = /^\/(http|cxf)(\/.*)$/i.exec(path);
    if (!prefix) return sendPage(404, 'Not Found', 'The requested resource is not available.');
    const state = peerStates.get(request.socket) ?? {kind: 'none'};
    const principal = await authenticate(request, state);
    if ('body' in principal) {
      const challenge: Record<string, string> = state.kind !== 'passed' ? {'www-authenticate': 'Basic realm="Cloud Integration"'} : {};
      return send(response, 401, principal.body, principal.contentType, challenge, path);
    }
    const adapter = prefix[1]!.toLowerCase() === 'http' ? 'HTTPS' : 'SOAP';
    const iflow = iflows().find((candidate) => (candidate.deployed ?? true) && candidate.adapter === adapter && addressMatches(candidate.path, prefix[2]!));
    if (!iflow) {
      return sendPage(404, 'Not Found', 'No deployed integration flow has this address. Check the path (use the URL from the endpoint list) and the deployment status.');
    }
    if (iflow.senderAuthType === 'RoleBased') {
      const role = iflow.userRole ?? 'ESBMessaging.send';
      if (!principal.roles.includes(role)) {
        return sendPage(403, 'Forbidden', `The service instance ${principal.instanceName} does not grant the role ${role} required by the sender channel.`);
      }
    } else {
      if (!principal.certificate) return sendPage(403, 'Forbidden', 'The sender channel accepts client certificates only.');
      const {subjectDN, issuerDN} = principal.certificate;
      const accepted = (iflow.allowedCertificates ?? []).some((entry) => dnEquals(entry.subjectDN, subjectDN) && dnEquals(entry.issuerDN, issuerDN));
      if (!accepted) return send(response, 403, subjectAndIssuerNotAcceptedMessage(subjectDN, issuerDN), 'text/plain; charset=utf-8', {}, path);
    }
    if (iflow.xsrfProtection) {
      const method = (request.method ?? 'GET').toUpperCase();
      const sent = request.headers['x-csrf-token'];
      if ((method === 'GET' || method === 'HEAD') && typeof sent === 'string' && sent.toLowerCase() === 'fetch') {
        return send(response, 200, '', 'text/plain; charset=utf-8', {'x-csrf-token': csrfToken}, path);
      }
      if (!['GET', 'HEAD', 'OPTIONS'].includes(method) && sent !== csrfToken) {
        return send(response, 403, 'CSRF token validation failed', 'text/plain; charset=utf-8', {'x-csrf-token': 'Required'}, path);
      }
    }
    // Drain the request body before answering, as the integration flow would consume it.
    for await (const _chunk of request) void _chunk;
    const who = principal.via === 'certificate' ? `client certificate (service key ${principal.instanceName}/${principal.keyName})` : principal.via === 'basic' ? `Basic auth (instance ${principal.instanceName})` : `OAuth token (instance ${principal.instanceName})`;
    send(response, 200, `Message processed by integration flow ${iflow.id}; caller authenticated with ${who}.\n`, 'text/plain; charset=utf-8', {sap_messageprocessinglogid: `AG${randomBytes(12).toString('hex')}`}, path);
  }

  // ---------------------------------------------------------------------------------------
  // API host: OAuth token endpoint and OData API.

  const apiServer = https.createServer({cert: options.pki.serverLeaf.chainPem, key: options.pki.serverLeaf.keyPem, minVersion: 'TLSv1.2'});

  for (const server of [runtimeTls, apiServer]) {
    // Failed handshakes (e.g. the client does not trust the demo root) need no handling here.
    server.on('tlsClientError', () => {});
    server.on('connection', (socket: import('node:net').Socket) => {
      openSockets.add(socket);
      socket.once('close', () => openSockets.delete(socket));
    });
  }

  const runtimePort = await listen(runtimeTls);
  let apiPort: number;
  try {
    apiPort = await listen(apiServer);
  } catch (error) {
    runtimeTls.close();
    throw error;
  }
  const runtimeUrl = `https://127.0.0.1:${runtimePort}`;
  const apiUrl = `https://127.0.0.1:${apiPort}`;
  const apiHandler = createApiHandler({...options, runtimeUrl, apiUrl, iflows, keystore, tokens});
  apiServer.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    apiHandler(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, {'content-type': 'application/json'});
      response.end(JSON.stringify({error: {code: 'Internal Server Error', message: {lang: 'en', value: error instanceof Error ? error.message : String(error)}}}));
    });
  });

  let closed: Promise<void> | undefined;
  return {
    runtimeUrl,
    apiUrl,
    tokenUrl: `${apiUrl}/oauth/token`,
    serverCaPem: options.pki.serverRoot.certPem,
    close() {
      closed ??= (async () => {
        const closing = [runtimeTls, apiServer].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
        for (const socket of openSockets) socket.destroy();
        runtimeHttp.closeAllConnections();
        apiServer.closeAllConnections();
        await Promise.all(closing);
      })();
      return closed;
    },
  };
}
