import {initialState} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {CertificateFact, FlowState, ProbeFact} from '../../flows/types.js';
import type {CertificateCheck, CertificateSummary} from '../../src/ports.js';

// Flow states at the points where the landscape is drawn, built as plain data.

const context = {outputDir: '/tmp/out', startedAt: '2026-11-26T10:00:00.000Z'};

function summary(subject: string, issuer: string, extra: Partial<CertificateSummary> = {}): CertificateSummary {
  return {
    subject,
    issuer,
    serialNumber: '01',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-11-30T00:00:00.000Z',
    fingerprint256: 'AA:BB',
    isCA: false,
    selfSigned: false,
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
    subjectAltNames: [],
    publicKey: {type: 'rsa', bits: 2048},
    pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    ...extra,
  };
}

export const leaf = summary('C=DE, O=Acme, CN=s4hana-sender', 'C=DE, O=Acme, CN=Acme Issuing CA');
const intermediate = summary('C=DE, O=Acme, CN=Acme Issuing CA', 'C=US, O=DigiCert Inc, CN=DigiCert Global Root G2', {isCA: true});

export function checks(overrides: Record<string, CertificateCheck['verdict']> = {}): CertificateCheck[] {
  return (['leaf', 'chain', 'root', 'eku', 'validity', 'key-strength'] as const).map(id => ({id, title: id, verdict: overrides[id] ?? 'pass', message: `${id} ${overrides[id] ?? 'pass'}`}));
}

export function certificate(overrides: Record<string, CertificateCheck['verdict']> = {}): CertificateFact {
  const list = checks(overrides);
  const verdict = list.some(c => c.verdict === 'fail') ? 'fail' : list.some(c => c.verdict === 'warn') ? 'warn' : 'pass';
  return {kind: 'pem', path: '/c.pem', leaf, chain: [intermediate], checks: list, verdict, hasPrivateKey: false};
}

/** At the certificate review: instance created, certificate loaded. */
export function atCertificateReview(cert: CertificateFact = certificate()): FlowState {
  const s = initialState(setupFlow, context);
  return {
    ...s,
    step: 'certificate-review',
    answers: {targetConfirmed: true, option: 'role-based', roleChoice: 'ESBMessaging.send', instanceName: 'cpi-inbound-mtls', certificateSource: 'external', certificatePath: '/c.pem'},
    facts: {
      ...s.facts,
      instance: {guid: 'i1', name: 'cpi-inbound-mtls', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}},
      certificate: cert,
    },
  };
}

export function probeFact(outcome: string, status?: number): ProbeFact {
  const success = outcome === 'success' || outcome === 'server-error';
  const reached = status !== undefined;
  return {
    url: 'https://tenant.it-cpi018-rt.cfapps.eu10-002.hana.ondemand.com/http/orders',
    outcome,
    status,
    success,
    summary: `${outcome} summary`,
    causes: [],
    fix: [],
    docs: [],
    ...(reached || outcome === 'handshake-rejected' ? {serverRootSubject: 'C=US, O=DigiCert Inc, CN=DigiCert Global Root G2', trustStoreFile: '/tmp/out/lb-root.cer'} : {}),
    raw: {},
  };
}

/** At the live test result, with the given outcome. */
export function atProbeResult(outcome: string, status?: number, option: 'role-based' | 'certificate-in-iflow' = 'role-based'): FlowState {
  const s = atCertificateReview();
  return {
    ...s,
    step: 'probe-result',
    answers: {...s.answers, option, roleChoice: option === 'role-based' ? 'ESBMessaging.send' : undefined, keyName: 's4hana-sender-2027-11', liveTest: {run: true, path: '/http/orders', privateKeyPath: '/k.pem'}},
    facts: {
      ...s.facts,
      duplicates: [],
      key: {guid: 'k1', name: 's4hana-sender-2027-11', instanceName: 'cpi-inbound-mtls', alreadyExisted: false, certificateVerified: true},
      probe: probeFact(outcome, status),
    },
  };
}
