/**
 * live-test.json: the live test's full result, written by the setup and the renewal. The probe's
 * types (src/probe/types.ts) are inferred from it, and a demo run's file is parsed with it.
 */
import {z} from 'zod';

const method = z.enum(['GET', 'POST']);
const tls = z.strictObject({protocol: z.string().nullable(), cipher: z.string().nullable()});
const certificateSource = z.enum(['sent-by-server', 'node-root-store', 'extra-ca', 'aia']);

const localFacts = {ekuClientAuth: z.boolean().optional(), chainComplete: z.boolean().optional(), rootTrustedBySap: z.boolean().optional()};

export const probeFailureSchema = z.strictObject({
  stage: z.enum(['dns', 'connect', 'proxy', 'tls', 'request', 'response']),
  kind: z.enum(['timeout', 'network', 'tls-alert', 'reset', 'proxy', 'cancelled']),
  code: z.string().optional(),
  alert: z.string().optional(),
  host: z.string(),
  port: z.number(),
  message: z.string(),
});

export const probeCertificateSchema = z.strictObject({
  subject: z.string().describe('One-line form, e.g. "C=US, O=DigiCert Inc, CN=DigiCert Global Root G2".'),
  issuer: z.string(),
  serialNumber: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint256: z.string(),
  selfSigned: z.boolean(),
  isCA: z.boolean(),
  source: certificateSource,
  pem: z.string(),
});

export const probeServerSideSchema = z.strictObject({
  host: z.string(),
  port: z.number(),
  servername: z.string().optional().describe('SNI sent; absent for IP addresses (RFC 6066 forbids IPs in SNI).'),
  via: z.string().optional().describe('The proxy used, credentials removed.'),
  tls,
  chain: z.array(probeCertificateSchema).describe('As the server sent them (leaf first), then any completed up to the root.'),
  root: z.strictObject({
    found: z.boolean(),
    source: z.union([certificateSource, z.literal('not-found')]),
    subject: z.string().optional(),
    fingerprint256: z.string().optional(),
    publicCa: z.boolean().describe("In Node's root store (Mozilla's list of public CAs)."),
    aiaUrl: z.string().optional(),
    extraCaOrigin: z.enum(['caller', 'NODE_EXTRA_CA_CERTS']).optional(),
    note: z.string(),
  }),
  trustedBySystem: z.boolean(),
  authorizationError: z.string().optional(),
  hostnameMatches: z.boolean(),
  interception: z.boolean().describe('The chain ends at a root that is neither public nor an extra trust anchor: a TLS-inspecting proxy or a private server.'),
  nodeExtraCaCerts: z.strictObject({file: z.string(), certificates: z.number()}).optional(),
  warnings: z.array(z.string()),
  files: z
    .strictObject({
      directory: z.string(),
      certificates: z.array(z.strictObject({subject: z.string(), role: z.enum(['server', 'intermediate', 'root']), cer: z.string(), pem: z.string()})),
      zip: z.string(),
      trustStoreFile: z.string().optional().describe("The file to import into the sender's trust store (the root's .cer)."),
    })
    .optional(),
  error: probeFailureSchema.optional(),
});

const callFields = {
  outcome: z.enum(['success', 'handshake-rejected', 'unauthorized', 'forbidden', 'not-found', 'server-error', 'unexpected-status', 'network-error', 'timeout']),
  method,
  status: z.number().optional(),
  statusText: z.string().optional(),
  bodyExcerpt: z.string().optional().describe('First characters of the response body, whitespace collapsed, secrets removed.'),
  tls: tls.optional(),
  clientCertificate: z.string().optional(),
  clientCertificateEku: z.array(z.string()).optional().describe('EKUs of the client certificate sent (short names or OIDs); empty when it has no EKU extension.'),
  failure: probeFailureSchema.optional(),
  localFacts: z.strictObject({...localFacts, derived: z.array(z.enum(['ekuClientAuth', 'chainComplete', 'rootTrustedBySap']))}).optional(),
  diagnosis: z.strictObject({summary: z.string(), causes: z.array(z.string()), fix: z.array(z.string()), docs: z.array(z.string())}),
  durationMs: z.number(),
};

export const probeCallResultSchema = z.strictObject(callFields);

export const liveTestSchema = z
  .strictObject({
    url: z.string(),
    method,
    server: probeServerSideSchema,
    client: probeCallResultSchema.optional(),
    basic: z.strictObject({...callFields, clientId: z.string()}).optional().describe('The comparison call with a temporary ClientId/Secret key; the secret is never written.'),
    comparison: z.string().optional(),
    durationMs: z.number(),
  })
  .meta({title: 'cpi-mtls live-test.json', description: 'The live TLS test: the server side, the call with the client certificate, the diagnosis; no private keys or secrets.'});
