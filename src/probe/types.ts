/**
 * Shapes of the live TLS connectivity test. Everything in ProbeResult is plain data (no Error
 * objects, no Buffers) so `--json`, the checklist and the wizard can show or store it as is.
 */

import type {z} from 'zod';
import type {liveTestSchema, probeCallResultSchema, probeCertificateSchema, probeFailureSchema, probeServerSideSchema} from '../schema/live-test.js';

export type ProbeMethod = 'GET' | 'POST';

/** Facts from the Cloud Foundry side that explain a 401. */
export interface ProbeCrossCheck {
  /** How many service keys (in all it-rt instances) hold this leaf certificate. */
  keysWithThisCertificate?: number;
  /** The tenant keystore's key pair sap_cloudintegrationcertificate, when the tenant was read. */
  tenantKeyPair?: 'present' | 'missing';
}

export interface ProbeTimeouts {
  /** DNS lookup plus TCP connect (or the proxy's CONNECT answer). */
  connectMs?: number;
  /** The TLS handshake. */
  tlsMs?: number;
  /** From sending the request to the status line and the start of the body. */
  responseMs?: number;
}

export interface ProbeRequest {
  /** Runtime URL, e.g. https://<tenant>.it-cpi018-rt.cfapps.eu10.hana.ondemand.com/http/orders */
  url: string;
  method?: ProbeMethod;
  /** certPem holds the leaf followed by its intermediates. */
  client?: {certPem: string; keyPem: string};
  /** ClientId/Secret of a service key; the secret never appears in any output. */
  basic?: {clientId: string; clientSecret: string};
  /** CAs to trust in addition to Node's root store (private landscapes, the demo CA). */
  extraCaPems?: string[];
  localFacts?: ProbeLocalFacts;
  crossCheck?: ProbeCrossCheck;
  /** Applies to every stage unless `timeouts` overrides one. Default 10 000 ms. */
  timeoutMs?: number;
  timeouts?: ProbeTimeouts;
  /** Set to false to never fetch issuer certificates over the network. Default true. */
  fetchIssuers?: boolean;
  signal?: AbortSignal;
  /** Where to save the server chain (.cer, .pem, certificates.zip); omit to write nothing. */
  outputDir?: string;
  /**
   * Proxy variables (HTTPS_PROXY, NO_PROXY, HTTP_PROXY) and NODE_EXTRA_CA_CERTS (a PEM file of
   * CAs trusted like extraCaPems for the server side); default process.env.
   */
  env?: NodeJS.ProcessEnv;
}

// The documents the probe returns are defined once, by the live-test.json schema (src/schema/live-test.ts).
export type ProbeFailure = z.infer<typeof probeFailureSchema>;
export type ProbeStage = ProbeFailure['stage'];
export type ProbeCertificate = z.infer<typeof probeCertificateSchema>;
export type CertificateSource = ProbeCertificate['source'];
export type ProbeServerSide = z.infer<typeof probeServerSideSchema>;
export type ProbeRootInfo = ProbeServerSide['root'];
export type ProbeServerFiles = NonNullable<ProbeServerSide['files']>;
export type ProbeCallResult = z.infer<typeof probeCallResultSchema>;
/** The local facts with the names of those derived from the certificate file (not given by the caller). */
export type DerivedLocalFacts = NonNullable<ProbeCallResult['localFacts']>;
/**
 * Facts about the client certificate known before the call; each one narrows a handshake failure.
 * ekuClientAuth: the leaf lists EKU clientAuth (no EKU extension or only anyExtendedKeyUsage counts
 * as no); chainComplete: the PEM holds the leaf and every intermediate up to the root;
 * rootTrustedBySap: the root is on SAP's list of load-balancer roots (SAP Note 2801396).
 */
export type ProbeLocalFacts = Omit<DerivedLocalFacts, 'derived'>;
export type ProbeOutcome = ProbeCallResult['outcome'];
export type ProbeDiagnosis = ProbeCallResult['diagnosis'];
export type ProbeResult = z.infer<typeof liveTestSchema>;
