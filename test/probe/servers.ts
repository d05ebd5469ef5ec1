/**
 * Real local servers for the probe tests: an HTTPS stand-in for the SAP runtime (answers like
 * SAP does per path), a CONNECT proxy, and servers that never finish TLS or never answer HTTP.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type {AddressInfo} from 'node:net';

export const INVALID_CLIENT_BODY =
  '<InvalidClientException><error>invalid_client</error><error_description>Either the client certificate is not configured exactly once in a service key of a Process Integration Runtime service instance or client-certificate authentication was not enabled for your tenant.</error_description></InvalidClientException>';
export const SUBJECT_AND_ISSUERS_BODY =
  'Unauthorized. Subject and issuer (subject: cn=sender-ok; issuer: cn=probe test intermediate ca) of the provided certificate is not contained in the accepted subjectAndIssuers list of the integration flow.';
export const BAD_CREDENTIALS_BODY = '<UnauthorizedUserException><error>unauthorized_user</error><error_description>Bad credentials</error_description></UnauthorizedUserException>';

export interface Running {
  port: number;
  close(): Promise<void>;
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  const add = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', add);
  server.on('secureConnection', add);
  return sockets;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export interface RuntimeOptions {
  key: string;
  /** Leaf followed by the intermediates the server sends. */
  cert: string;
  /** CAs the server trusts for client certificates. */
  ca?: string[];
  requireClientCert?: boolean;
  maxVersion?: tls.SecureVersion;
  basic?: {clientId: string; clientSecret: string};
}

export interface RuntimeServer extends Running {
  requests: Array<{method: string; path: string; clientCert?: string; authorization?: string}>;
}

/** The SAP runtime as far as the probe can tell: one path per answer. */
export async function startRuntime(options: RuntimeOptions): Promise<RuntimeServer> {
  const requests: RuntimeServer['requests'] = [];
  const server = https.createServer(
    {key: options.key, cert: options.cert, ca: options.ca, requestCert: true, rejectUnauthorized: Boolean(options.requireClientCert), maxVersion: options.maxVersion},
    (req, res) => {
      const socket = req.socket as tls.TLSSocket;
      const peer = socket.getPeerCertificate();
      const clientCert = peer && peer.subject ? peer.subject.CN : undefined;
      const authorization = req.headers.authorization;
      const path = (req.url ?? '/').toLowerCase();
      requests.push({method: req.method ?? '', path, clientCert: typeof clientCert === 'string' ? clientCert : undefined, authorization});
      const send = (status: number, body: string) => {
        res.writeHead(status, {'Content-Type': 'text/plain'});
        res.end(body);
      };
      req.resume();
      const basicOk = options.basic && authorization === `Basic ${Buffer.from(`${options.basic.clientId}:${options.basic.clientSecret}`).toString('base64')}`;
      if (path === '/http/ok') return send(200, 'OK from the iflow');
      if (path === '/http/fail') return send(500, 'Internal Server Error: the iflow threw an exception');
      if (path === '/http/forbidden') return send(403, '<html><body><h1>HTTP Status 403 – Forbidden</h1></body></html>');
      if (path === '/http/option2') return send(403, SUBJECT_AND_ISSUERS_BODY);
      if (path === '/http/invalid-client') return send(401, INVALID_CLIENT_BODY);
      if (path === '/http/hang') return; // never answers
      if (path === '/http/basic-only') {
        if (authorization) return basicOk ? send(200, 'OK via Basic auth') : send(401, BAD_CREDENTIALS_BODY);
        return send(401, INVALID_CLIENT_BODY);
      }
      if (path === '/http/echo-secret') return send(401, `Bad credentials for ${authorization ?? 'nobody'} ${options.basic?.clientSecret ?? ''}`);
      return send(404, '');
    },
  );
  const sockets = track(server);
  const port = await listen(server);
  return {port, requests, close: () => closeServer(server, sockets)};
}

/** Accepts TCP connections and never speaks: a TLS handshake against it cannot finish. */
export async function startSilentTcp(): Promise<Running> {
  const server = net.createServer(() => {});
  const sockets = track(server);
  const port = await listen(server);
  return {port, close: () => closeServer(server, sockets)};
}

/** Completes TLS and then never sends a byte of HTTP. */
export async function startSilentTls(key: string, cert: string): Promise<Running> {
  const server = tls.createServer({key, cert}, (socket) => socket.resume());
  const sockets = track(server);
  const port = await listen(server);
  return {port, close: () => closeServer(server, sockets)};
}

export interface ProxyServer extends Running {
  tunnels: string[];
  forwarded: string[];
}

/** A minimal HTTP CONNECT proxy, optionally refusing tunnels with a status. */
export async function startConnectProxy(options: {refuseWith?: number} = {}): Promise<ProxyServer> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  // Plain-HTTP requests in absolute form (issuer certificate downloads) are forwarded.
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith('http://')) {
      res.writeHead(405);
      res.end();
      return;
    }
    forwarded.push(req.url);
    const upstream = http.get(req.url, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
  });
  server.on('connect', (req: http.IncomingMessage, clientSocket: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    if (options.refuseWith) {
      clientSocket.end(`HTTP/1.1 ${options.refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  const sockets = track(server);
  const port = await listen(server);
  return {port, tunnels, forwarded, close: () => closeServer(server, sockets)};
}

/** Serves fixed bodies over plain HTTP (issuer certificates for AIA). */
export async function startFileServer(files: Record<string, Buffer | string>): Promise<Running & {hits: string[]}> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, {'Content-Type': 'application/pkix-cert'});
    res.end(body);
  });
  const sockets = track(server);
  const port = await listen(server);
  return {port, hits, close: () => closeServer(server, sockets)};
}
