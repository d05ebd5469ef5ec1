import https from 'node:https';
import type {DemoLeaf} from '../../src/demo/pki.js';

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface CallOptions {
  ca: string;
  /** Client certificate; `chain: false` sends the leaf without its intermediate. */
  client?: DemoLeaf;
  chain?: boolean;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A real HTTPS call with node:https (fresh connection each time, so each call gets its own handshake). */
export function call(url: string, options: CallOptions): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        cert: options.client ? (options.chain === false ? options.client.certPem : options.client.chainPem) : undefined,
        key: options.client?.keyPem,
        headers: options.headers,
        agent: false,
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({status: response.statusCode ?? 0, headers: response.headers, body, text: body.toString('utf8')});
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end(options.body);
  });
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
