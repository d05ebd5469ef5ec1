/**
 * Opens a TLS connection in explicit stages (DNS, TCP or proxy CONNECT, TLS) so that every
 * failure names the host, the port and the stage, and no stage can hang past its timeout.
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import {proxyAuthorization, proxyFor, proxyPort, redactProxy} from './proxy.js';
import type {ProbeFailure, ProbeStage} from './types.js';

export interface StageTimeouts {
  connectMs: number;
  tlsMs: number;
  responseMs: number;
}

export class ProbeConnectionError extends Error {
  constructor(readonly failure: ProbeFailure) {
    super(failure.message);
    this.name = 'ProbeConnectionError';
  }
}

export interface OpenTlsOptions {
  host: string;
  port: number;
  timeouts: StageTimeouts;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Extra options for tls.connect: cert, key, ca. */
  tlsOptions?: tls.ConnectionOptions;
  onStage?: (stage: string) => void;
}

const STAGE_NAMES: Record<ProbeStage, string> = {
  dns: 'DNS lookup',
  connect: 'TCP connect',
  proxy: 'proxy CONNECT',
  tls: 'TLS handshake',
  request: 'request',
  response: 'wait for the HTTP response',
};

const ALERT_CODE = /^ERR_SSL_(?:TLSV1|TLSV13|SSLV3)_ALERT_(.+)$/;

/** Turns a Node/OpenSSL error into a failure that says what happened where. */
export function classifyError(error: unknown, stage: ProbeStage, host: string, port: number): ProbeFailure {
  const err = error as NodeJS.ErrnoException & {reason?: string};
  if (error instanceof ProbeConnectionError) return error.failure;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const detail = err?.message ?? String(error);
  const where = `${host}:${port}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return {stage: 'dns', kind: 'network', code, host, port, message: `DNS lookup of ${host} failed (${code}): the host name does not exist, or no DNS server answered. Check the URL and your network or VPN.`};
  }
  if (code === 'ECONNREFUSED') {
    return {stage, kind: 'network', code, host, port, message: `Connection to ${where} was refused (${stage}): nothing listens on that port, or a firewall rejects the connection.`};
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'EADDRNOTAVAIL') {
    return {stage, kind: 'network', code, host, port, message: `Cannot reach ${where} (${code}, ${stage}): no route to the host. Check the network, VPN and proxy settings (HTTPS_PROXY).`};
  }
  const alert = code ? ALERT_CODE.exec(code)?.[1]?.toLowerCase() : undefined;
  if (alert) {
    return {stage, kind: 'tls-alert', code, alert, host, port, message: `${where} ended the TLS connection with the alert "${alert}" (${stage}).`};
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|Client network socket disconnected/i.test(detail)) {
    return {stage, kind: 'reset', code: code ?? 'ECONNRESET', host, port, message: `${where} closed the connection during the ${STAGE_NAMES[stage]} without an answer.`};
  }
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    return {stage, kind: 'network', code, host, port, message: `TLS with ${where} failed (${code}): ${err.reason ?? detail}.`};
  }
  return {stage, kind: 'network', code, host, port, message: `${STAGE_NAMES[stage]} with ${where} failed: ${detail}`};
}

function timeoutFailure(stage: ProbeStage, host: string, port: number, ms: number): ProbeFailure {
  return {stage, kind: 'timeout', code: 'ETIMEDOUT', host, port, message: `${host}:${port} did not complete the ${STAGE_NAMES[stage]} within ${ms} ms.`};
}

function cancelledFailure(stage: ProbeStage, host: string, port: number): ProbeFailure {
  return {stage, kind: 'cancelled', code: 'ABORT_ERR', host, port, message: `Cancelled during the ${STAGE_NAMES[stage]} with ${host}:${port}.`};
}

/**
 * Runs one stage: `start` begins the work and returns a cleanup that destroys whatever it
 * opened. The stage ends with the first of: success, failure, timeout, abort.
 */
export function runStage<T>(
  stage: ProbeStage,
  target: {host: string; port: number},
  ms: number,
  signal: AbortSignal | undefined,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ProbeConnectionError(cancelledFailure(stage, target.host, target.port)));
      return;
    }
    let settled = false;
    let destroy: () => void = () => {};
    const finish = (ok: boolean, value: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (ok) resolve(value as T);
      else {
        destroy();
        reject(value instanceof ProbeConnectionError ? value : new ProbeConnectionError(classifyError(value, stage, target.host, target.port)));
      }
    };
    const onAbort = () => finish(false, new ProbeConnectionError(cancelledFailure(stage, target.host, target.port)));
    const timer = setTimeout(() => finish(false, new ProbeConnectionError(timeoutFailure(stage, target.host, target.port, ms))), ms);
    signal?.addEventListener('abort', onAbort, {once: true});
    try {
      destroy = start((value) => finish(true, value), (error) => finish(false, error));
    } catch (error) {
      finish(false, error);
    }
  });
}

async function lookup(host: string, port: number, ms: number, signal?: AbortSignal): Promise<string> {
  if (net.isIP(host)) return host;
  return runStage<string>('dns', {host, port}, ms, signal, (resolve, reject) => {
    dns.lookup(host, (error, address) => (error ? reject(error) : resolve(address)));
    return () => {};
  });
}

function tcpConnect(host: string, address: string, port: number, ms: number, signal?: AbortSignal): Promise<net.Socket> {
  return runStage<net.Socket>('connect', {host, port}, ms, signal, (resolve, reject) => {
    const socket = net.connect({host: address, port});
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    return () => socket.destroy();
  });
}

export function proxyConnect(proxy: URL, host: string, port: number, ms: number, signal?: AbortSignal): Promise<net.Socket> {
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '');
  const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const via = redactProxy(proxy);
  return runStage<net.Socket>('proxy', {host: proxyHost, port: proxyPort(proxy)}, ms, signal, (resolve, reject) => {
    const authorization = proxyAuthorization(proxy);
    const request = http.request({
      host: proxyHost,
      port: proxyPort(proxy),
      method: 'CONNECT',
      path: authority,
      headers: {Host: authority, ...(authorization ? {'Proxy-Authorization': authorization} : {})},
      agent: false,
    });
    let tunnel: net.Socket | undefined;
    request.once('connect', (response, socket, head) => {
      tunnel = socket;
      if (response.statusCode !== 200) {
        socket.destroy();
        const status = `${response.statusCode} ${response.statusMessage ?? ''}`.trim();
        const hint = response.statusCode === 407 ? ' The proxy wants credentials: put them in the proxy URL (http://user:password@proxy:port).' : response.statusCode === 403 ? ' The proxy does not allow this host or port.' : '';
        reject(new ProbeConnectionError({stage: 'proxy', kind: 'proxy', code: `HTTP_${response.statusCode}`, host, port, message: `Proxy ${via} refused the tunnel to ${authority}: ${status}.${hint}`}));
        return;
      }
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    request.once('error', (error) => {
      const failure = classifyError(error, 'proxy', proxyHost, proxyPort(proxy));
      reject(new ProbeConnectionError({...failure, stage: 'proxy', message: `Proxy ${via}: ${failure.message}`}));
    });
    request.end();
    return () => {
      request.destroy();
      tunnel?.destroy();
    };
  });
}

function tlsHandshake(raw: net.Socket, host: string, port: number, ms: number, options: tls.ConnectionOptions, signal?: AbortSignal): Promise<tls.TLSSocket> {
  const servername = net.isIP(host) ? undefined : host;
  return runStage<tls.TLSSocket>('tls', {host, port}, ms, signal, (resolve, reject) => {
    const socket = tls.connect({...options, socket: raw, servername, rejectUnauthorized: false});
    const onClose = () => reject(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}));
    socket.once('error', reject);
    socket.once('close', onClose);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      socket.off('close', onClose);
      resolve(socket);
    });
    return () => {
      socket.destroy();
      raw.destroy();
    };
  });
}

/** DNS, TCP (or proxy CONNECT), TLS; the server certificate is never rejected here, it is reported. */
export async function openTls(options: OpenTlsOptions) {
  const {host, port, timeouts, signal} = options;
  const proxy = proxyFor('https', host, port, options.env);
  let raw: net.Socket;
  if (proxy) {
    options.onStage?.(`connecting to ${host}:${port} through proxy ${redactProxy(proxy)}`);
    raw = await proxyConnect(proxy, host, port, timeouts.connectMs, signal);
  } else {
    options.onStage?.(`connecting to ${host}:${port}`);
    const address = await lookup(host, port, timeouts.connectMs, signal);
    raw = await tcpConnect(host, address, port, timeouts.connectMs, signal);
  }
  options.onStage?.(`TLS handshake with ${host}:${port}`);
  const socket = await tlsHandshake(raw, host, port, timeouts.tlsMs, options.tlsOptions ?? {}, signal);
  return {socket, servername: net.isIP(host) ? undefined : host, via: proxy ? redactProxy(proxy) : undefined};
}
