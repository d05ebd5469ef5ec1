/**
 * Fetches an issuer certificate from the URL in a certificate's Authority Information Access
 * extension (caIssuers): a short HTTP GET returning DER or PEM.
 */
import {X509Certificate} from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {proxyAuthorization, proxyFor, proxyPort} from './proxy.js';
import {certificatePems} from '../certs/pem-text.js';

const MAX_BYTES = 64 * 1024;

export async function fetchIssuerCertificate(url: string, options: {timeoutMs: number; signal?: AbortSignal; env: NodeJS.ProcessEnv}): Promise<X509Certificate> {
  options.signal?.throwIfAborted();
  const target = new URL(url);
  const body = await get(target, options);
  const text = body.toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const [first] = certificatePems(text);
    return new X509Certificate(first);
  }
  try {
    return new X509Certificate(body);
  } catch {
    throw new Error(`${url} returned no single DER or PEM certificate (PKCS#7 bundles are not read)`);
  }
}

function get(target: URL, options: {timeoutMs: number; signal?: AbortSignal; env: NodeJS.ProcessEnv}): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Buffer>((resolve, reject) => {
    const isHttps = target.protocol === 'https:';
    const port = target.port ? Number(target.port) : isHttps ? 443 : 80;
    // Plain HTTP through a proxy uses the absolute URL as request target; HTTPS issuer URLs are rare and go direct.
    const proxy = isHttps ? undefined : proxyFor('http', target.hostname, port, options.env);
    const authorization = proxy ? proxyAuthorization(proxy) : undefined;
    const request = (isHttps ? https : http).request({
      host: proxy ? proxy.hostname.replace(/^\[|\]$/g, '') : target.hostname.replace(/^\[|\]$/g, ''),
      port: proxy ? proxyPort(proxy) : port,
      path: proxy ? target.href : target.pathname + target.search,
      method: 'GET',
      headers: {Accept: 'application/pkix-cert, application/x-x509-ca-cert, */*', ...(authorization ? {'Proxy-Authorization': authorization} : {}), ...(proxy ? {Host: target.host} : {})},
      signal: options.signal,
      agent: false,
    });
    // One bound for the whole exchange, from connecting to the last byte.
    timer = setTimeout(() => request.destroy(new Error(`no answer from ${target.href} within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.once('error', reject);
    request.once('response', (response) => {
      if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) >= 300) {
        response.resume();
        reject(new Error(`${target.href} answered HTTP ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) request.destroy(new Error(`${target.href} sent more than ${MAX_BYTES} bytes; not a certificate`));
        else chunks.push(chunk);
      });
      response.once('end', () => resolve(Buffer.concat(chunks)));
      response.once('error', reject);
    });
    request.end();
  }).finally(() => clearTimeout(timer));
}
