/**
 * Maps every outcome of a call to the runtime to a cause, a fix and the SAP documentation to
 * read. The texts follow SAP Help, the KBAs and the troubleshooting table for inbound HTTP.
 */
import type {HttpExchange} from './http-call.js';
import type {ProbeCallResult, ProbeCrossCheck, ProbeDiagnosis, ProbeFailure, ProbeLocalFacts, ProbeMethod, ProbeOutcome} from './types.js';

const HELP = 'https://help.sap.com/docs/cloud-integration/sap-cloud-integration/';
const KBA = 'https://userapps.support.sap.com/sap/support/knowledge/en/';

const DOCS = {
  inboundHttp: `SAP Help "Setting Up Inbound HTTP Connections (Integration Flow Processing)": ${HELP}setting-up-inbound-http-connections-integration-flow-processing`,
  lbRoots: `SAP Help "Load Balancer Root Certificates Supported by SAP": ${HELP}load-balancer-root-certificates-supported-by-sap`,
  rootList: `SAP Note 2801396 (root CAs approved by SAP Global Security): ${KBA}2801396`,
  lbRoots401: `SAP Note 2583567 (load balancer root certificates): ${KBA}2583567`,
  clientCertAuth: `SAP Help "Client Certificate Authentication for Integration Flow Processing": ${HELP}client-certificate-authentication-for-integration-flow-processing`,
  clientCertInbound: `SAP Help "Client Certificate Authentication (Inbound)": ${HELP}client-certificate-authentication-inbound`,
  serviceKey: `SAP Help "Creating Service Instance and Service Key for Inbound Authentication": ${HELP}creating-service-instance-and-service-key-for-inbound-authentication`,
  connectionSetup: `SAP Help "Connection Setup for Inbound Communication (Integration Flow Endpoints)": ${HELP}connection-setup-for-inbound-communication-integration-flow-endpoints`,
  httpsSender: `SAP Help "HTTPS Sender Adapter": ${HELP}https-sender-adapter`,
  troubleshooting: `SAP Help "Troubleshooting for Sender and Receiver Systems": ${HELP}troubleshooting-sender-receiver-systems`,
  basicAuth: `SAP Help "Basic Authentication with clientid and clientsecret for Integration Flow Processing": ${HELP}basic-authentication-with-clientid-and-clientsecret-for-integration-flow-processing`,
  kbaInvalidClient: `SAP KBA 3224701 (401 invalid_client, certificate not configured exactly once): ${KBA}3224701`,
  kbaClones: `SAP KBA 3364579 (401, "Multiple clones found for certificate"): ${KBA}3364579`,
  kbaSubjectAndIssuers: `SAP KBA 3538749 (403, subject and issuer not in the accepted subjectAndIssuers list): ${KBA}3538749`,
  kbaRole: `SAP KBA 3153804 (role missing for the sender channel): ${KBA}3153804`,
} as const;

export type CallKind = 'certificate' | 'basic';

interface DiagnoseInput {
  kind: CallKind;
  method: ProbeMethod;
  host: string;
  path: string;
  exchange?: HttpExchange;
  failure?: ProbeFailure;
  facts?: ProbeLocalFacts;
  /** EKU of the client certificate as found in it (short names); empty = no EKU extension. */
  clientEku?: string[];
  crossCheck?: ProbeCrossCheck;
}

/** A 5xx comes from the iflow: for the connection setup that is a success. */
export function connectionWorks(outcome: ProbeOutcome): boolean {
  return outcome === 'success' || outcome === 'server-error';
}

export function diagnose(input: DiagnoseInput): {outcome: ProbeOutcome; diagnosis: ProbeDiagnosis} {
  if (input.failure) return diagnoseFailure(input, input.failure);
  const exchange = input.exchange!;
  const status = exchange.status;
  if (status >= 200 && status < 300) {
    const summary = `HTTP ${status}: the runtime accepted ${credentialName(input.kind)} and the iflow answered.`;
    return {outcome: 'success', diagnosis: {summary, causes: [], fix: [], docs: []}};
  }
  if (status >= 500) return {outcome: 'server-error', diagnosis: serverError(input, exchange)};
  if (status === 401) return {outcome: 'unauthorized', diagnosis: unauthorized(input, exchange)};
  if (status === 403) return {outcome: 'forbidden', diagnosis: forbidden(input, exchange)};
  if (status === 404) return {outcome: 'not-found', diagnosis: notFound(input)};
  return {outcome: 'unexpected-status', diagnosis: unexpected(input, exchange)};
}

function credentialName(kind: CallKind): string {
  return kind === 'certificate' ? 'the client certificate' : 'Basic auth (clientid/clientsecret)';
}

function serverError(input: DiagnoseInput, exchange: HttpExchange): ProbeDiagnosis {
  const causes = [
    `Authentication with ${credentialName(input.kind)} passed and the message reached the iflow, which then failed. For the connection setup this is a success.`,
  ];
  if (exchange.status === 503) causes.push('A 503 can also mean the iflow is still starting after a deployment; retry in a minute if the iflow was just deployed.');
  return {
    summary: `HTTP ${exchange.status}: the connection works; the iflow itself failed.`,
    causes,
    fix: ['Open Monitor → Message Processing → All Integration Flows in the tenant and look at the failed message to see why the iflow failed.'],
    docs: [DOCS.troubleshooting],
  };
}

function unauthorized(input: DiagnoseInput, exchange: HttpExchange): ProbeDiagnosis {
  const body = exchange.body;
  if (input.kind === 'basic') {
    const badCredentials = /unauthorized_user|Bad credentials/i.test(body);
    return {
      summary: badCredentials ? 'HTTP 401 "Bad credentials": the runtime does not know this clientid/clientsecret pair.' : 'HTTP 401: the runtime did not accept the clientid/clientsecret.',
      causes: ['The clientid or clientsecret is wrong, or comes from a key of another subaccount, or the key was deleted.', 'Only keys of an it-rt instance (plan integration-flow) with grant client_credentials work here.'],
      fix: ['Copy clientid and clientsecret again from the service key (cf service-key <instance> <key>) and retry.'],
      docs: [DOCS.basicAuth, DOCS.troubleshooting],
    };
  }
  if (/invalid_client/i.test(body)) {
    // One diagnosis: the headline is the first cause, so the panel below never contradicts it.
    const findings: Array<{summary: string; cause: string; fix: string}> = [];
    const count = input.crossCheck?.keysWithThisCertificate;
    const keyPair = input.crossCheck?.tenantKeyPair;
    if (/trial/i.test(input.host)) {
      findings.push({
        summary: 'trial tenants do not support inbound client-certificate authentication.',
        cause: 'The host name contains "trial": trial tenants do not support inbound client-certificate authentication.',
        fix: 'On a trial tenant, use Basic auth with clientid/clientsecret from a ClientId/Secret key.',
      });
    }
    if (keyPair === 'missing') {
      findings.push({
        summary: 'the tenant cannot do client-certificate authentication: its key pair sap_cloudintegrationcertificate is missing or expired.',
        cause: 'The tenant keystore lacks a valid key pair sap_cloudintegrationcertificate (always the case on trial tenants); without it the runtime cannot authenticate any client certificate.',
        fix: 'Check Monitor → Manage Security → Keystore in Integration Suite for sap_cloudintegrationcertificate; SAP support renews it. On a trial tenant use Basic auth with clientid/clientsecret.',
      });
    }
    if (input.facts?.chainComplete === false) {
      findings.push({
        summary: 'the certificate was sent without its complete chain.',
        cause: 'The client sent its leaf without every intermediate: the load balancer holds roots only and cannot pass on a certificate it cannot chain to one.',
        fix: 'Send the full chain (leaf + intermediates) from the sender; the PKCS#12 from cpi-mtls carries it.',
      });
    }
    if (count === 0) {
      findings.push({
        summary: 'no service key holds this certificate.',
        cause: 'No service key holds this certificate (cross-check: 0 keys): the runtime cannot map it to a client.',
        fix: 'Create a service key with this leaf certificate on the it-rt instance that has the sender role: cf create-service-key <instance> <key> -c <file with {"key-type":"certificate_external","X.509":"<leaf PEM>"}>.',
      });
    } else if (count !== undefined && count > 1) {
      findings.push({
        summary: `${count} service keys hold this certificate; it must be in exactly one.`,
        cause: `${count} service keys hold this certificate; it must be in exactly one.`,
        fix: "Delete the extra keys (cf delete-service-key <instance> <key>) so that exactly one key holds the certificate; to give it more roles, add the roles to that key's instance instead of creating a second instance.",
      });
    } else if (count === 1 && keyPair === undefined) {
      findings.push({
        summary: 'the certificate is in exactly one service key, so the tenant itself most likely cannot do client-certificate authentication (key pair sap_cloudintegrationcertificate).',
        cause: 'Exactly one service key holds this certificate, so the tenant itself cannot do client-certificate authentication: the key pair sap_cloudintegrationcertificate is missing or expired in the tenant keystore (always the case on trial tenants).',
        fix: 'Check Monitor → Keystore in Integration Suite for sap_cloudintegrationcertificate; on a trial tenant use Basic auth with clientid/clientsecret instead.',
      });
    } else if (count === undefined) {
      findings.push({
        summary: 'the certificate is not configured exactly once in a service key, or the tenant cannot do certificate authentication.',
        cause: 'The certificate is not in any service key, or it is in more than one (in any instance), so it is not "configured exactly once". Or the tenant cannot do client-certificate authentication: the key pair sap_cloudintegrationcertificate is missing (trial tenants).',
        fix: 'Look for the certificate in all service keys of all it-rt instances (compare the SHA-256 fingerprint) and keep it in exactly one; check Monitor → Keystore for sap_cloudintegrationcertificate.',
      });
    }
    if (findings.length === 0) {
      findings.push({
        summary: 'the runtime did not map the certificate to a client although one key holds it and the key pair is present.',
        cause: 'The certificate is in exactly one service key and the tenant key pair is present; a key created in the last minutes may not have reached the runtime yet.',
        fix: 'Run the test again in a few minutes; if it persists, open an SAP incident (component LOD-HCI-PI-OPS) with the key guid and the time of the call.',
      });
    }
    return {
      summary: `HTTP 401 invalid_client: ${findings[0].summary}`,
      causes: findings.map(f => f.cause),
      fix: findings.map(f => f.fix),
      docs: [DOCS.kbaInvalidClient, DOCS.serviceKey, DOCS.clientCertInbound],
    };
  }
  const causes = [
    'No client certificate reached the runtime: the load balancer drops a certificate whose chain does not reach a supported root (send leaf + intermediates; the root must be on SAP\'s list).',
    'Pinning is off and two service keys share the certificate\'s subject and issuer DN (audit log: "Multiple clones found for certificate").',
    'An OAuth token sent along with the call has expired.',
  ];
  if (/Authentication object was not found/i.test(body)) causes.unshift('The runtime says "An Authentication object was not found in the SecurityContext": no certificate was sent, or it is not configured correctly in a service key.');
  const missingEku = input.facts?.ekuClientAuth === false;
  const chainMissing = input.facts?.chainComplete === false;
  if (chainMissing) causes.unshift('The client sent its leaf without every intermediate: the load balancer cannot chain it to a supported root and passes no certificate on.');
  if (missingEku) causes.unshift(ekuCause(input.clientEku));
  return {
    summary: missingEku
      ? 'HTTP 401: the runtime did not accept the client certificate; your local facts point to: missing EKU clientAuth.'
      : chainMissing
        ? 'HTTP 401: no client certificate reached the runtime: the certificate was sent without its complete chain.'
        : 'HTTP 401: the runtime did not accept the client certificate.',
    causes,
    fix: [
      ...(missingEku ? [EKU_FIX] : []),
      'Send the full chain (leaf + intermediates) and check that the root is on SAP\'s load-balancer list.',
      'Look in the subaccount audit log for "Multiple clones found"; if present, delete the duplicate key or switch pinning on.',
      'Remove any Authorization header the sender adds when it uses a client certificate.',
    ],
    docs: [DOCS.lbRoots401, DOCS.lbRoots, DOCS.kbaClones, DOCS.troubleshooting],
  };
}

function forbidden(input: DiagnoseInput, exchange: HttpExchange): ProbeDiagnosis {
  if (/subjectAndIssuers/i.test(exchange.body)) {
    return {
      summary: 'HTTP 403: the sender channel uses "Client Certificate" authorization and this certificate\'s subject and issuer are not in its list.',
      causes: ['The iflow checks the subject and issuer DN of the certificate against the certificates uploaded to the sender channel (Option 2), and this pair is not there.'],
      fix: [
        'Recommended: switch the sender channel to Authorization "User Role" and put the certificate in a service key (Option 1).',
        'Or upload this certificate to the sender channel and redeploy the iflow (a short downtime each time).',
      ],
      docs: [DOCS.kbaSubjectAndIssuers, DOCS.clientCertAuth, DOCS.httpsSender],
    };
  }
  const csrf = 'The sender channel has "CSRF Protected" ticked and the call sent no valid X-CSRF-Token.';
  const role = 'The role of the sender channel (User Role, e.g. ESBMessaging.send) is not among the roles of the service instance that holds the key. Role changes can take up to an hour to apply.';
  const dn = 'The channel uses "Client Certificate" authorization (Option 2) and this certificate is not in its list.';
  const causes = input.method === 'POST' ? [csrf, role, dn] : [role, dn];
  const fix = [
    'Compare the sender channel\'s User Role with the instance roles (cf curl /v3/service_instances/<guid>/parameters); add the role with cf update-service <instance> -c <parameters>.',
    'If the roles were changed in the last hour, retest later: the runtime caches roles for up to an hour.',
  ];
  if (input.method === 'POST') fix.unshift('Retry with GET, or untick "CSRF Protected" in the sender channel, or fetch a token first (GET with header X-CSRF-Token: Fetch) and send it with the POST.');
  return {
    summary: `HTTP 403: ${credentialName(input.kind)} was authenticated but is not authorized for this iflow.`,
    causes,
    fix,
    docs: [DOCS.kbaRole, DOCS.serviceKey, DOCS.httpsSender, DOCS.troubleshooting],
  };
}

function notFound(input: DiagnoseInput): ProbeDiagnosis {
  const causes = ['The iflow is not deployed (or not started), or the path does not match the sender channel\'s Address.'];
  const lower = input.path.toLowerCase();
  if (!lower.startsWith('/http/') && !lower.startsWith('/cxf/') && lower !== '/http' && lower !== '/cxf') {
    causes.unshift(`The path ${input.path} starts with neither /http/ (HTTPS adapter) nor /cxf/ (SOAP adapter): the runtime serves iflows only under these.`);
  } else {
    causes.push(lower.startsWith('/http') ? 'A SOAP sender channel listens under /cxf/, not /http/.' : 'An HTTPS sender channel listens under /http/, not /cxf/.');
  }
  return {
    summary: `HTTP 404: no deployed iflow listens on ${input.path}.`,
    causes,
    fix: [
      'Copy the exact endpoint from Monitor → Manage Integration Content (or the ServiceEndpoints API) and retry with it.',
      'Check that the iflow is deployed and in status Started.',
      'Paths are matched case-insensitively, but SAP still advises to copy the address exactly.',
    ],
    docs: [DOCS.httpsSender, DOCS.troubleshooting],
  };
}

function unexpected(input: DiagnoseInput, exchange: HttpExchange): ProbeDiagnosis {
  const location = typeof exchange.headers.location === 'string' ? exchange.headers.location : undefined;
  if (exchange.status >= 300 && exchange.status < 400) {
    return {
      summary: `HTTP ${exchange.status}: the server redirects${location ? ` to ${location}` : ''} instead of running an iflow.`,
      causes: ['The URL is not a runtime iflow endpoint (for example the design-time host without "-rt", or a login page).'],
      fix: ['Use the runtime URL from the service key (url) plus /http/<address>.'],
      docs: [DOCS.httpsSender],
    };
  }
  return {
    summary: `HTTP ${exchange.status} ${exchange.statusText}: an answer this test does not classify.`,
    causes: ['See the body excerpt for details.'],
    fix: ['Check the HTTP access log in Monitor → Access Logs → System Log Files.'],
    docs: [DOCS.troubleshooting],
  };
}

const EKU_FIX = 'Get a certificate with EKU clientAuth, for example one issued by SAP Cloud Root CA through the BTP Destination service from your own CSR.';

/** The cause text, with what the certificate carries instead of clientAuth when that is known. */
function ekuCause(clientEku: string[] | undefined): string {
  const seen = clientEku === undefined ? '' : clientEku.length === 0 ? ' (it has no EKU extension at all)' : ` (it lists only ${clientEku.join(', ')})`;
  return `Your certificate has no Extended Key Usage "TLS Web Client Authentication" (clientAuth, 1.3.6.1.5.5.7.3.2)${seen}; SAP requires it, and the load balancer rejects such certificates in the handshake. Public CAs stopped adding clientAuth in 2025.`;
}

function factPointers(facts: ProbeLocalFacts | undefined, clientEku?: string[]): {causes: string[]; fix: string[]; pointsTo: string[]} {
  const causes: string[] = [];
  const fix: string[] = [];
  const pointsTo: string[] = [];
  if (facts?.ekuClientAuth === false) {
    pointsTo.push('missing EKU clientAuth');
    causes.push(ekuCause(clientEku));
    fix.push(EKU_FIX);
  }
  if (facts?.chainComplete === false) {
    pointsTo.push('incomplete chain');
    causes.push('Your certificate file holds the leaf without all intermediates; the load balancer knows only roots, so it cannot build the chain.');
    fix.push('Send leaf + intermediates: append the intermediate certificates (PEM) after the leaf in the file or keystore the sender uses.');
  }
  if (facts?.rootTrustedBySap === false) {
    pointsTo.push('root not trusted by SAP');
    causes.push('Your certificate chains to a root that is not on SAP\'s list of load-balancer roots (self-signed and internal CAs never work).');
    fix.push('Use a certificate from a CA on SAP Note 2801396, or SAP Cloud Root CA.');
  }
  return {causes, fix, pointsTo};
}

function diagnoseFailure(input: DiagnoseInput, failure: ProbeFailure): {outcome: ProbeOutcome; diagnosis: ProbeDiagnosis} {
  const where = `${failure.host}:${failure.port}`;
  if (failure.kind === 'timeout') {
    return {
      outcome: 'timeout',
      diagnosis: {
        summary: failure.message,
        causes: failure.stage === 'response'
          ? ['The server accepted the connection and the TLS handshake but sent no HTTP answer in time: an overloaded or hanging endpoint, or a proxy that swallows the request.']
          : failure.stage === 'tls'
            ? ['TCP works but the TLS handshake never completes: the port does not speak TLS, or a firewall or proxy holds the connection.']
            : ['Nothing answered: a firewall drops the packets, the host is wrong, or a proxy is needed (set HTTPS_PROXY).'],
        fix: ['Check host, port and the network path (VPN, proxy, firewall); raise the timeout with --timeout if the link is slow.'],
        docs: [DOCS.troubleshooting],
      },
    };
  }
  const rejected = failure.kind === 'tls-alert' || (failure.kind === 'reset' && (failure.stage === 'tls' || failure.stage === 'response'));
  if (rejected && input.kind === 'certificate') {
    const pointers = factPointers(input.facts, input.clientEku);
    const alert = failure.alert;
    const causes: string[] = [];
    if (alert === 'unknown_ca') causes.push('Alert unknown_ca: the load balancer cannot trace your certificate to a root it trusts: the intermediates were not sent, or the root is not on SAP\'s list.');
    else if (alert === 'bad_certificate' || alert === 'unsupported_certificate') causes.push(`Alert ${alert}: the load balancer refused the certificate itself, typically because the EKU clientAuth is missing (or the chain is malformed).`);
    else if (alert === 'certificate_required') causes.push('Alert certificate_required: the server got no client certificate. The sender did not send it (wrong key, or the certificate is not offered for this host).');
    else if (alert === 'certificate_expired') causes.push('Alert certificate_expired: the client certificate or one of its intermediates has expired.');
    else if (alert) causes.push(`Alert ${alert}: the server refused the handshake.`);
    else causes.push(`${where} closed the connection ${failure.stage === 'tls' ? 'during' : 'right after'} the TLS handshake without an HTTP answer: the load balancer rejected the client certificate.`);
    const generic = [
      'The chain was not sent: the sender must present leaf + intermediates.',
      'The root of your certificate is not trusted by the load balancer (not on SAP\'s list; self-signed or internal CAs never work).',
      'The certificate lacks EKU clientAuth.',
    ];
    const summary = pointers.pointsTo.length
      ? `The TLS handshake was rejected${alert ? ` (alert ${alert})` : ''}; your local facts point to: ${pointers.pointsTo.join(', ')}.`
      : `The TLS handshake was rejected${alert ? ` (alert ${alert})` : ''}: the load balancer did not accept the client certificate.`;
    const known = input.facts && input.facts.ekuClientAuth === true && input.facts.chainComplete === true && input.facts.rootTrustedBySap === true;
    return {
      outcome: 'handshake-rejected',
      diagnosis: {
        summary,
        causes: pointers.causes.length ? [...causes, ...pointers.causes] : [...causes, ...generic],
        fix: pointers.fix.length
          ? pointers.fix
          : known
            ? ['EKU, chain and root look right locally: check that the root is still on SAP Note 2801396, and whether a custom domain with its own trust list sits in front of the runtime.']
            : ['Check the certificate with `openssl x509 -noout -text`: EKU must include "TLS Web Client Authentication"; the file the sender uses must hold leaf + intermediates; the root must be on SAP\'s list.'],
        docs: [DOCS.inboundHttp, DOCS.lbRoots, DOCS.rootList, DOCS.connectionSetup],
      },
    };
  }
  if (rejected) {
    return {
      outcome: 'handshake-rejected',
      diagnosis: {
        summary: failure.message,
        causes: failure.alert === 'certificate_required'
          ? ['The endpoint requires a client certificate for every call, so Basic auth alone cannot pass (a custom domain with client-certificate enforcement, or not a Cloud Integration runtime).']
          : ['The server or a device on the way ended the TLS connection: TLS version or cipher mismatch (TLS 1.2 or later is required), or a proxy that blocks the host.'],
        fix: ['Compare with `openssl s_client -connect ' + where + '` from the same machine.'],
        docs: [DOCS.inboundHttp, DOCS.troubleshooting],
      },
    };
  }
  const causes: string[] = [];
  if (failure.stage === 'dns') causes.push('The host name cannot be resolved: a typo, a host that no longer exists, or a DNS that needs VPN.');
  else if (failure.stage === 'proxy') causes.push('The proxy could not be reached or refused the tunnel.');
  else if (failure.code === 'ECONNREFUSED') causes.push('Nothing listens on that port, or a firewall actively rejects the connection.');
  else causes.push('The network path to the host is broken or blocked.');
  return {
    outcome: 'network-error',
    diagnosis: {
      summary: failure.message,
      causes,
      fix: ['Check the URL (the runtime host contains "-rt"), the network, VPN and proxy settings (HTTPS_PROXY, NO_PROXY).'],
      docs: [DOCS.troubleshooting],
    },
  };
}

/** What the Basic-auth call says about the certificate call. */
export function compareWithBasic(certificate: ProbeCallResult, basic: ProbeCallResult): string {
  const certOk = connectionWorks(certificate.outcome);
  const basicOk = connectionWorks(basic.outcome);
  if (certOk && basicOk) return 'Both the certificate and Basic auth reach the iflow: the setup works either way.';
  if (basicOk) {
    if (certificate.outcome === 'forbidden') return 'Basic auth works and the certificate is forbidden: the Basic-auth key\'s instance has the role; the instance that holds the certificate\'s key does not (or the channel checks certificate DNs).';
    return `Basic auth works and the certificate does not (${certificate.outcome}): path, deployment and role are fine; the fault is in the certificate path (chain, EKU clientAuth, root, or the service key).`;
  }
  if (basic.outcome === 'forbidden' && certificate.outcome === 'forbidden') return 'Both are forbidden (403): the credentials are accepted but the sender channel\'s role is not among the instance roles (or a role change is less than an hour old).';
  if (basic.outcome === 'not-found' && certificate.outcome === 'not-found') return 'Both get 404: the path is wrong or the iflow is not deployed; credentials are not the problem.';
  if (basic.outcome === 'unauthorized') return 'Basic auth was rejected too (401): check clientid/clientsecret before drawing conclusions about the certificate.';
  if (certOk) return `The certificate works; Basic auth does not (${basic.outcome}): the Basic-auth key belongs to another instance or its credentials are wrong.`;
  return `Certificate: ${certificate.outcome}; Basic auth: ${basic.outcome}. Neither reaches the iflow; fix the certificate first using its diagnosis.`;
}
