/**
 * One HTTPS request that goes through HTTPS_PROXY (HTTP CONNECT, NO_PROXY honoured) as the probe
 * does, with a bound, cancellation, extra CAs and a size limit. The tenant API and the Neo API
 * use it, so the tenant checks work behind a corporate proxy.
 */
import type {ClientRequest, IncomingHttpHeaders} from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import {CancelledError} from '../errors.js';
import {proxyConnect} from './connect.js';
import {proxyFor} from './proxy.js';

export interface HttpsRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bound of the whole exchange: tunnel, TLS, request and the full answer. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Trusted CAs (replaces Node's bundle unless a secureContext carries both). */
  secureContext?: tls.SecureContext;
  ca?: string[];
  /** HTTPS_PROXY, ALL_PROXY and NO_PROXY are read from here; default process.env. */
  env?: NodeJS.ProcessEnv;
  maxBytes?: number;
}

export interface HttpsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class HttpsTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'HttpsTimeoutError';
  }
}

export class ResponseTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Rejects with CancelledError, HttpsTimeoutError, ResponseTooLargeError, or the network error. */
export function httpsRequest(url: string | URL, request: HttpsRequest): Promise<HttpsResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  return new Promise<HttpsResponse>((resolve, reject) => {
    if (request.signal?.aborted) return reject(new CancelledError());
    let settled = false;
    let req: ClientRequest | undefined;
    let tunnel: net.Socket | undefined;
    const tunnelAbort = new AbortController();
    const finish = (error: unknown, result?: HttpsResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (result) return resolve(result);
      tunnelAbort.abort();
      req?.destroy();
      tunnel?.destroy();
      reject(error);
    };
    const onAbort = () => finish(new CancelledError());
    const timer = setTimeout(() => finish(new HttpsTimeoutError(request.timeoutMs)), request.timeoutMs);
    request.signal?.addEventListener('abort', onAbort, {once: true});
    let proxy: URL | undefined;
    try {
      proxy = proxyFor('https', host, port, request.env ?? process.env);
    } catch (error) {
      return finish(error);
    }
    const trust = {secureContext: request.secureContext, ca: request.ca};
    const send = (socket?: net.Socket) => {
      if (settled) return void socket?.destroy();
      const options: https.RequestOptions = {method: request.method ?? 'GET', headers: request.headers, agent: false, ...trust};
      if (socket) options.createConnection = () => tls.connect({socket, host, servername: net.isIP(host) ? undefined : host, ...trust});
      req = https.request(target, options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (request.maxBytes !== undefined && size > request.maxBytes) return finish(new ResponseTooLargeError(request.maxBytes));
          chunks.push(chunk);
        });
        response.on('end', () => finish(null, {status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks)}));
        response.on('error', finish);
      });
      req.on('error', finish);
      req.end(request.body);
    };
    if (!proxy) send();
    else
      proxyConnect(proxy, host, port, request.timeoutMs, tunnelAbort.signal).then((socket) => {
        tunnel = socket;
        send(socket);
      }, finish);
  });
}
