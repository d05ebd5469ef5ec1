/**
 * The live TLS connectivity test, run from where the sender sits: what the load balancer
 * presents (and what the sender must trust), and whether it accepts the client certificate.
 */
import {performance} from 'node:perf_hooks';
import {CancelledError, CpiMtlsError} from '../errors.js';
import {classifyError, openTls, type StageTimeouts} from './connect.js';
import {oneLineDn} from '../../flows/dn.js';
import {clientEku, deriveLocalFacts, loadPemClient, type ClientMaterial} from './credentials.js';
import {compareWithBasic, diagnose, type CallKind} from './diagnose.js';
import {httpOverTls, type HttpExchange} from './http-call.js';
import {analyseServerChain, captureFromSocket, captureServerSide, type CaptureOptions, type CapturedHandshake} from './server.js';
import type {DerivedLocalFacts, ProbeCallResult, ProbeCrossCheck, ProbeFailure, ProbeLocalFacts, ProbeMethod, ProbeRequest, ProbeResult} from './types.js';
import {extraCaPool, readNodeExtraCaCerts, type CertificatePool} from './trust-anchors.js';

export {connectionWorks} from './diagnose.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POST_BODY = '{"message":"cpi-mtls connectivity test"}';
const BODY_EXCERPT_CHARS = 600;

interface Target {
  url: URL;
  host: string;
  port: number;
  path: string;
}

function parseProbeUrl(text: string): Target {
  if (!URL.canParse(text.trim())) {
    throw new CpiMtlsError('probe-url', `"${text}" is not a URL.`, {fix: ['Pass the iflow endpoint, e.g. https://<tenant>.it-cpi018-rt.cfapps.eu10.hana.ondemand.com/http/<address>.']});
  }
  const url = new URL(text.trim());
  if (url.protocol !== 'https:') {
    throw new CpiMtlsError('probe-url', `The URL ${url.origin} uses ${url.protocol.replace(':', '')}; the connectivity test needs https://.`, {fix: [`Use https://${url.host}${url.pathname}.`]});
  }
  if (url.username || url.password) {
    throw new CpiMtlsError('probe-url', 'The URL contains a user name or password; credentials do not belong in the URL.', {fix: ['Remove user:password@ from the URL and pass Basic-auth credentials with --basic and CPI_MTLS_CLIENT_SECRET.']});
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {url, host, port: url.port ? Number(url.port) : 443, path: (url.pathname || '/') + url.search};
}

function resolveTimeouts(request: ProbeRequest): StageTimeouts {
  const base = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const check = (name: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0) throw new CpiMtlsError('probe-timeout', `The ${name} timeout must be a positive number of milliseconds, not ${value}.`, {fix: ['Pass a value such as 10000.']});
    return value;
  };
  return {
    connectMs: check('connect', request.timeouts?.connectMs ?? base),
    tlsMs: check('TLS', request.timeouts?.tlsMs ?? base),
    responseMs: check('response', request.timeouts?.responseMs ?? base),
  };
}

function loadExtraCas(pems: string[] | undefined): CertificatePool {
  try {
    return extraCaPool(pems);
  } catch (error) {
    throw new CpiMtlsError('probe-extra-ca', `Cannot read the extra CA certificates: ${(error as Error).message}.`, {fix: ['Pass PEM files that contain -----BEGIN CERTIFICATE----- blocks.'], cause: error});
  }
}

function excerpt(body: string): string | undefined {
  const text = body.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}

interface CallParams {
  kind: CallKind;
  target: Target;
  method: ProbeMethod;
  timeouts: StageTimeouts;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  client?: ClientMaterial;
  headers?: Record<string, string>;
  facts?: DerivedLocalFacts;
  crossCheck?: ProbeCrossCheck;
  onStage?: (stage: string) => void;
}

async function callEndpoint(params: CallParams): Promise<{call: ProbeCallResult; handshake?: CapturedHandshake}> {
  const started = performance.now();
  const {target} = params;
  let handshake: CapturedHandshake | undefined;
  let failure: ProbeFailure | undefined;
  let exchange: HttpExchange | undefined;
  try {
    const opened = await openTls({
      ...params,
      host: target.host,
      port: target.port,
      tlsOptions: {ca: [], ...(params.client ? {cert: params.client.certPem, key: params.client.keyPem} : {})},
    });
    handshake = captureFromSocket(opened.socket, opened.servername, opened.via);
    params.onStage?.(`${params.method} ${target.path}${params.kind === 'basic' ? ' with Basic auth' : params.client ? ' with the client certificate' : ''}`);
    exchange = await httpOverTls({
      socket: opened.socket,
      host: target.host,
      port: target.port,
      method: params.method,
      path: target.path,
      headers: {...params.headers, ...(params.method === 'POST' ? {'Content-Type': 'application/json'} : {})},
      body: params.method === 'POST' ? DEFAULT_POST_BODY : undefined,
      responseMs: params.timeouts.responseMs,
      signal: params.signal,
    });
  } catch (error) {
    failure = classifyError(error, 'response', target.host, target.port);
    if (failure.kind === 'cancelled') throw new CancelledError(failure.message);
  }
  const {outcome, diagnosis} = diagnose({
    kind: params.kind,
    method: params.method,
    host: target.host,
    path: target.url.pathname,
    exchange,
    failure,
    facts: params.facts,
    ...(params.client ? {clientEku: clientEku(params.client)} : {}),
    crossCheck: params.crossCheck,
  });
  const call: ProbeCallResult = {
    outcome,
    method: params.method,
    ...(exchange ? {status: exchange.status, statusText: exchange.statusText} : {}),
    ...(exchange && excerpt(exchange.body) ? {bodyExcerpt: excerpt(exchange.body)} : {}),
    ...(handshake ? {tls: {protocol: handshake.protocol, cipher: handshake.cipher}} : {}),
    ...(params.client ? {clientCertificate: oneLineDn(params.client.leaf.subject), clientCertificateEku: clientEku(params.client)} : {}),
    ...(failure ? {failure} : {}),
    ...(params.facts ? {localFacts: params.facts} : {}),
    diagnosis,
    durationMs: Math.round(performance.now() - started),
  };
  return {call, handshake};
}

function mergeFacts(given: ProbeLocalFacts | undefined, derived: ProbeLocalFacts): DerivedLocalFacts {
  const merged: DerivedLocalFacts = {derived: []};
  for (const name of ['ekuClientAuth', 'chainComplete', 'rootTrustedBySap'] as const) {
    if (given?.[name] !== undefined) merged[name] = given[name];
    else if (derived[name] !== undefined) {
      merged[name] = derived[name];
      merged.derived.push(name);
    }
  }
  return merged;
}

/** Replaces every occurrence of the secrets in every string of a JSON-like value. */
function redactSecrets<T>(value: T, secrets: string[]): T {
  const active = secrets.filter((secret) => secret.length > 0);
  if (active.length === 0) return value;
  const scrub = (item: unknown): unknown => {
    if (typeof item === 'string') return active.reduce((text, secret) => text.split(secret).join('***'), item);
    if (Array.isArray(item)) return item.map(scrub);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, scrub(inner)]));
    return item;
  };
  return scrub(value) as T;
}

export async function runProbe(request: ProbeRequest, hooks: {onStage?: (stage: string) => void} = {}): Promise<ProbeResult> {
  const started = performance.now();
  if (request.signal?.aborted) throw new CancelledError();
  const target = parseProbeUrl(request.url);
  const method: ProbeMethod = request.method ?? 'GET';
  const timeouts = resolveTimeouts(request);
  const env = request.env ?? process.env;
  const extraCas = loadExtraCas(request.extraCaPems);
  // Node reads NODE_EXTRA_CA_CERTS for its own TLS; the probe judges the server chain itself, so
  // it adds those CAs here, for every caller (command, wizard, plan runs).
  const envAnchors = await readNodeExtraCaCerts(env);
  for (const cert of envAnchors.certificates) extraCas.add(cert, 'NODE_EXTRA_CA_CERTS');
  const client = request.client ? loadPemClient(request.client.certPem, request.client.keyPem) : undefined;
  const secrets = request.basic ? [request.basic.clientSecret, Buffer.from(`${request.basic.clientId}:${request.basic.clientSecret}`).toString('base64')] : [];
  const onStage = hooks.onStage;

  onStage?.('server side: reading the certificate chain');
  const captureOptions: CaptureOptions = {
    host: target.host,
    port: target.port,
    timeouts,
    env,
    signal: request.signal,
    extraCas,
    fetchIssuers: request.fetchIssuers ?? true,
    outputDir: request.outputDir,
    onStage,
    ...(envAnchors.file ? {nodeExtraCaFile: envAnchors.file} : {}),
  };
  let server = await captureServerSide(captureOptions);
  // A host that cannot be reached (or never finishes a handshake) would only fail the same way
  // again after another timeout. A reset or alert may be the server demanding a certificate, so
  // the certificate call still runs then.
  const unreachable = Boolean(server.error && server.error.kind !== 'reset' && server.error.kind !== 'tls-alert');

  const result: ProbeResult = {url: target.url.href, method, server, durationMs: 0};
  // Some servers (TLS 1.2 with a mandatory client certificate) finish no handshake without a
  // certificate; the certificate call then shows the chain instead.
  const adoptHandshake = async (handshake: CapturedHandshake | undefined) => {
    if (!server.error || !handshake || handshake.sent.length === 0) return;
    const earlier = server.error;
    server = await analyseServerChain(handshake, captureOptions);
    server.warnings.unshift(`Without a client certificate the server ended the handshake (${earlier.message}); the chain shown is from the connection with the client certificate.`);
    result.server = server;
  };
  const facts = client ? mergeFacts(request.localFacts, deriveLocalFacts(client, extraCas)) : undefined;
  const skipped = (kind: CallKind): ProbeCallResult => {
    const failure = server.error!;
    const {outcome, diagnosis} = diagnose({kind, method, host: target.host, path: target.url.pathname, failure});
    return {outcome, method, failure, diagnosis, durationMs: 0, ...(kind === 'certificate' && client ? {clientCertificate: oneLineDn(client.leaf.subject), clientCertificateEku: clientEku(client), localFacts: facts} : {})};
  };

  if (client) {
    onStage?.('client side: calling the endpoint with the client certificate');
    if (unreachable) result.client = skipped('certificate');
    else {
      const {call, handshake} = await callEndpoint({kind: 'certificate', target, method, timeouts, env, signal: request.signal, client, facts, crossCheck: request.crossCheck, onStage});
      result.client = call;
      await adoptHandshake(handshake);
    }
  }
  if (request.basic) {
    onStage?.('Basic auth: calling the endpoint with clientid/clientsecret');
    const authorization = `Basic ${Buffer.from(`${request.basic.clientId}:${request.basic.clientSecret}`).toString('base64')}`;
    const basic = unreachable
      ? skipped('basic')
      : (await callEndpoint({kind: 'basic', target, method, timeouts, env, signal: request.signal, headers: {Authorization: authorization}, onStage})).call;
    result.basic = {...basic, clientId: request.basic.clientId};
    if (result.client) result.comparison = compareWithBasic(result.client, result.basic);
  }
  if (envAnchors.file) {
    result.server.nodeExtraCaCerts = {file: envAnchors.file, certificates: envAnchors.certificates.length};
    result.server.warnings.unshift(...envAnchors.warnings);
  }
  result.durationMs = Math.round(performance.now() - started);
  return redactSecrets(result, secrets);
}
