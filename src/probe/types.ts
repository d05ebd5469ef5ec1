/**
 * Shapes of the live TLS connectivity test. Everything in ProbeResult is plain data (no Error
 * objects, no Buffers) so `--json`, the checklist and the wizard can show or store it as is.
 */

export type ProbeMethod = 'GET' | 'POST';

/** Facts about the client certificate known before the call; each one narrows a handshake failure. */
export interface ProbeLocalFacts {
  /** The leaf lists EKU clientAuth (1.3.6.1.5.5.7.3.2); no EKU extension or only anyExtendedKeyUsage counts as no. */
  ekuClientAuth?: boolean;
  /** The PEM holds the leaf and every intermediate up to the root. */
  chainComplete?: boolean;
  /** The root is on SAP's list of load-balancer roots (SAP Note 2801396). */
  rootTrustedBySap?: boolean;
}

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
  /** Timeout of the HTTP GET that fetches a missing root from the certificate's issuer URL. Default 5 000 ms. */
  aiaTimeoutMs?: number;
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
  /** Body sent with POST. Default a small JSON document. */
  body?: string;
}

export type ProbeStage = 'dns' | 'connect' | 'proxy' | 'tls' | 'request' | 'response';

/** A connection that did not get as far as an HTTP answer. */
export interface ProbeFailure {
  stage: ProbeStage;
  kind: 'timeout' | 'network' | 'tls-alert' | 'reset' | 'proxy' | 'cancelled';
  /** Node or OpenSSL error code, e.g. ENOTFOUND, ECONNREFUSED, ERR_SSL_TLSV1_ALERT_UNKNOWN_CA. */
  code?: string;
  /** TLS alert name without prefix, e.g. unknown_ca. */
  alert?: string;
  host: string;
  port: number;
  message: string;
}

export type CertificateSource = 'sent-by-server' | 'node-root-store' | 'extra-ca' | 'aia';

export interface ProbeCertificate {
  /** One-line form, e.g. "C=US, O=DigiCert Inc, CN=DigiCert Global Root G2". */
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  selfSigned: boolean;
  isCA: boolean;
  source: CertificateSource;
  pem: string;
}

export interface ProbeRootInfo {
  found: boolean;
  source: CertificateSource | 'not-found';
  subject?: string;
  fingerprint256?: string;
  /** In Node's root store (Mozilla's list of public CAs). */
  publicCa: boolean;
  /** Issuer URL tried when the root came from (or was looked for in) the certificate's AIA. */
  aiaUrl?: string;
  /**
   * Which extra trust anchors hold the root, when they do: 'caller' (--ca, extraCaPems) or
   * 'NODE_EXTRA_CA_CERTS' (the file named by that variable in the probe's env).
   */
  extraCaOrigin?: 'caller' | 'NODE_EXTRA_CA_CERTS';
  /** One sentence on where the root came from, for people. */
  note: string;
}

export interface ProbeServerFiles {
  directory: string;
  certificates: Array<{subject: string; role: 'server' | 'intermediate' | 'root'; cer: string; pem: string}>;
  zip: string;
  /** The file to import into the sender's trust store (the root's .cer), absent when no root was found. */
  trustStoreFile?: string;
}

export interface ProbeServerSide {
  host: string;
  port: number;
  /** SNI sent; absent for IP addresses (RFC 6066 forbids IPs in SNI). */
  servername?: string;
  /** Proxy used, credentials removed, e.g. http://proxy.corp:8080. */
  via?: string;
  tls: {protocol: string | null; cipher: string | null};
  /** The certificates as the server sent them (leaf first), then any completed up to the root. */
  chain: ProbeCertificate[];
  root: ProbeRootInfo;
  /** The sender trusts the server when its trust store is Node's root store (plus the extra CAs). */
  trustedBySystem: boolean;
  /** Why not trusted, in OpenSSL/Node code style (e.g. UNABLE_TO_GET_ISSUER_CERT_LOCALLY). */
  authorizationError?: string;
  hostnameMatches: boolean;
  /** The chain ends at a root that is neither public nor an extra trust anchor (--ca, NODE_EXTRA_CA_CERTS): a TLS-inspecting proxy or a private server. */
  interception: boolean;
  /** The NODE_EXTRA_CA_CERTS file read from the probe's env and how many CA certificates it gave (0 when unusable; see warnings). */
  nodeExtraCaCerts?: {file: string; certificates: number};
  warnings: string[];
  files?: ProbeServerFiles;
  /** Set when the server side could not be captured. */
  error?: ProbeFailure;
}

export type ProbeOutcome =
  | 'success'
  | 'handshake-rejected'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'server-error'
  | 'unexpected-status'
  | 'network-error'
  | 'timeout';

export interface ProbeDiagnosis {
  summary: string;
  causes: string[];
  fix: string[];
  /** SAP documentation topics, KBAs and notes to read (title and address). */
  docs: string[];
}

export interface ProbeCallResult {
  outcome: ProbeOutcome;
  method: ProbeMethod;
  status?: number;
  statusText?: string;
  /** First characters of the response body, whitespace collapsed, secrets removed. */
  bodyExcerpt?: string;
  /** TLS of this connection (with the client certificate, when one was sent). */
  tls?: {protocol: string | null; cipher: string | null};
  /** Subject of the client certificate sent. */
  clientCertificate?: string;
  /**
   * Extended key usages of the client certificate sent, as found in it: short names
   * (clientAuth, serverAuth, anyExtendedKeyUsage, …) or the OID; empty when it has no EKU extension.
   */
  clientCertificateEku?: string[];
  failure?: ProbeFailure;
  /** Facts used for the diagnosis (given by the caller or derived from the certificate). */
  localFacts?: ProbeLocalFacts & {derived: Array<keyof ProbeLocalFacts>};
  diagnosis: ProbeDiagnosis;
  durationMs: number;
}

export interface ProbeResult {
  url: string;
  method: ProbeMethod;
  server: ProbeServerSide;
  client?: ProbeCallResult;
  basic?: ProbeCallResult & {clientId: string};
  comparison?: string;
  durationMs: number;
}
