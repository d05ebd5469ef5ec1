/**
 * One HTTP request over an already-open TLS socket, so the request can reuse the staged
 * connection (direct or through a proxy tunnel) and report exactly where it stopped.
 */
import http from 'node:http';
import type tls from 'node:tls';
import {ProbeConnectionError, cancelledFailure, classifyError, timeoutFailure} from './connect.js';

export interface HttpExchange {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  /** Up to `maxBody` bytes of the body, as text. */
  body: string;
}

export interface HttpCallOptions {
  socket: tls.TLSSocket;
  host: string;
  port: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  responseMs: number;
  signal?: AbortSignal;
  maxBody?: number;
}

export function httpOverTls(options: HttpCallOptions): Promise<HttpExchange> {
  const {socket, host, port, responseMs, signal} = options;
  const maxBody = options.maxBody ?? 4096;
  return new Promise<HttpExchange>((resolve, reject) => {
    let settled = false;
    const hostHeader = port === 443 ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const request = http.request({
      host,
      port,
      method: options.method,
      path: options.path,
      headers: {
        Host: hostHeader,
        'User-Agent': 'cpi-mtls-probe',
        Accept: '*/*',
        Connection: 'close',
        ...(body ? {'Content-Length': String(body.length)} : {}),
        ...options.headers,
      },
      createConnection: () => socket,
    });
    const finish = (error: unknown, value?: HttpExchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      request.destroy();
      socket.destroy();
      if (error) reject(error instanceof ProbeConnectionError ? error : new ProbeConnectionError(classifyError(error, 'response', host, port)));
      else resolve(value!);
    };
    const onAbort = () => finish(new ProbeConnectionError(cancelledFailure('response', host, port)));
    const timer = setTimeout(() => finish(new ProbeConnectionError(timeoutFailure('response', host, port, responseMs))), responseMs);
    signal?.addEventListener('abort', onAbort, {once: true});
    if (signal?.aborted) onAbort();

    request.once('error', (error) => finish(error));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: response.headers,
          body: Buffer.concat(chunks).subarray(0, maxBody).toString('utf8'),
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // The start of the body is enough for the diagnosis; do not wait for a large one.
        if (size >= maxBody) done();
      });
      response.once('end', done);
      // A body cut off after the status line still counts: the status is what matters.
      response.once('error', done);
      response.once('aborted', done);
    });
    request.end(body);
  });
}
