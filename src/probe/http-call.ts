/**
 * One HTTP request over an already-open TLS socket, so the request can reuse the staged
 * connection (direct or through a proxy tunnel) and report exactly where it stopped.
 */
import http from 'node:http';
import type tls from 'node:tls';
import {runStage} from './connect.js';

/** The start of the body is enough for the diagnosis; a large one is not waited for. */
const MAX_BODY = 4096;

export interface HttpExchange {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  /** Up to MAX_BODY bytes of the body, as text. */
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
}

/** Stage 'response': fails like the connection stages, and always closes the socket. */
export function httpOverTls(options: HttpCallOptions): Promise<HttpExchange> {
  const {socket, host, port} = options;
  const hostHeader = port === 443 ? host : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  let request: http.ClientRequest | undefined;
  const close = () => {
    request?.destroy();
    socket.destroy();
  };
  return runStage<HttpExchange>('response', {host, port}, options.responseMs, options.signal, (resolve, reject) => {
    request = http.request({
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
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: response.headers,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'),
        });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY) done();
      });
      response.once('end', done);
      // A body cut off after the status line still counts: the status is what matters.
      response.once('error', done);
      response.once('aborted', done);
    });
    request.end(body);
    return close;
  }).finally(close);
}
