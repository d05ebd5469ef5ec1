/**
 * The service brokers behind the stand-in Cloud Controller. `it-rt` mirrors what SAP documents
 * for Cloud Integration (sap-cloud-integration.md §3-5): parameter checks, the client_x509
 * deprecation, and the three service-key shapes. The other offerings accept anything.
 */
import {X509Certificate, randomBytes} from 'node:crypto';
import {certificatePems, firstX509, normalisePemText} from '../../certs/pem-text.js';
import {formatSapDn} from '../../../flows/dn.js';
import {IT_RT_OFFERING} from '../../../flows/parameters.js';
import {issueCertificate, nextGuid, timestamp, type SeedInstance, type SeedKey, type SimInstance, type SimKey, type SimOffering, type SimPlan, type SimState} from './state.js';

/** A rejection by the broker; CC reports it as `Service broker error: <message>`. */
export class BrokerError extends Error {}

const GRANT_TYPES = [
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
];
const DEPRECATED_GRANT = 'client_x509';
const ROLE_PATTERN = /^[A-Za-z0-9_.]+$/;

const CLIENT_X509_MESSAGE =
  'The grant type client_x509 is deprecated and reached its end of life in January 2026: updates fail and new service keys cannot be created for service instances that contain it. Replace client_x509 with client_credentials in "grant-types" and update the service instance.';

export function offeringOf(state: SimState, plan: SimPlan): SimOffering {
  const offering = state.offerings.find((o) => o.guid === plan.offering_guid);
  if (!offering) throw new Error(`stand-in cf: plan ${plan.guid} has no offering`);
  return offering;
}

/** Every instance is managed, and plans are never removed. */
export function planOf(state: SimState, instance: SimInstance): SimPlan {
  const plan = state.plans.find((p) => p.guid === instance.plan_guid);
  if (!plan) throw new Error(`stand-in cf: instance ${instance.guid} has no plan`);
  return plan;
}

export function brokerName(state: SimState, offering: SimOffering): string {
  return state.brokers.find((b) => b.guid === offering.broker_guid)?.name ?? '';
}

function isItRt(state: SimState, plan: SimPlan): boolean {
  return offeringOf(state, plan).name === IT_RT_OFFERING;
}

function hasDeprecatedGrant(parameters: Record<string, unknown>): boolean {
  const grants = parameters['grant-types'];
  return Array.isArray(grants) && grants.includes(DEPRECATED_GRANT);
}

/** Checks instance parameters for create (`existing` undefined) or update. */
export function validateInstanceParameters(state: SimState, plan: SimPlan, parameters: Record<string, unknown>, existing?: SimInstance): void {
  if (!isItRt(state, plan)) return;
  if (existing && hasDeprecatedGrant(existing.parameters) && hasDeprecatedGrant(parameters)) throw new BrokerError(CLIENT_X509_MESSAGE);
  const roles = parameters.roles;
  if (roles !== undefined) {
    if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string' || !ROLE_PATTERN.test(role))) {
      throw new BrokerError(`Invalid parameter "roles": expected an array of role names made of the characters A-Z, a-z, 0-9, '_' and '.', got ${JSON.stringify(roles)}.`);
    }
  }
  const grants = parameters['grant-types'];
  if (grants !== undefined) {
    if (!Array.isArray(grants) || grants.some((grant) => typeof grant !== 'string')) {
      throw new BrokerError(`Invalid parameter "grant-types": expected an array of grant type names, got ${JSON.stringify(grants)}.`);
    }
    for (const grant of grants as string[]) {
      if (grant === DEPRECATED_GRANT) throw new BrokerError(CLIENT_X509_MESSAGE);
      if (!GRANT_TYPES.includes(grant)) throw new BrokerError(`Invalid grant type "${grant}". Allowed grant types: ${GRANT_TYPES.join(', ')}.`);
    }
  }
  const redirects = parameters['redirect-uris'];
  if (redirects !== undefined && (!Array.isArray(redirects) || redirects.some((uri) => typeof uri !== 'string'))) {
    throw new BrokerError(`Invalid parameter "redirect-uris": expected an array of URIs, got ${JSON.stringify(redirects)}.`);
  }
  const validity = parameters['token-validity'];
  if (validity !== undefined && (typeof validity !== 'number' || !Number.isInteger(validity) || validity < 3600 || validity > 86400)) {
    throw new BrokerError(`Invalid parameter "token-validity": expected whole seconds between 3600 and 86400, got ${JSON.stringify(validity)}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Service keys

function parseExternalCertificate(value: unknown): X509Certificate {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BrokerError('Invalid parameter "X.509": a PEM-encoded client certificate is required for key-type certificate_external.');
  }
  const blocks = certificatePems(value);
  if (blocks.length > 1) {
    throw new BrokerError(`Invalid parameter "X.509": found ${blocks.length} certificates. Provide only the client certificate, not the whole certificate chain.`);
  }
  if (blocks.length === 0) throw new BrokerError('Invalid parameter "X.509": the value is not a PEM-encoded X.509 certificate.');
  try {
    return new X509Certificate(blocks[0]!);
  } catch {
    throw new BrokerError('Invalid parameter "X.509": the certificate could not be parsed.');
  }
}

function certificateDetails(cert: X509Certificate): Record<string, unknown> {
  return {
    issuerdn: formatSapDn(cert.issuer),
    subjectdn: formatSapDn(cert.subject),
    validuntil: timestamp(new Date(cert.validTo)),
    serialnumber: cert.serialNumber.toUpperCase(),
  };
}

function otherCertificateKeys(state: SimState, fingerprint: string): SimKey | undefined {
  return state.keys.find((key) => {
    const oauth = key.credentials.oauth as Record<string, unknown> | undefined;
    return firstX509(oauth?.certificate)?.fingerprint256 === fingerprint;
  });
}

/** Checks key parameters; throws BrokerError with the broker's text. */
export function validateKeyParameters(state: SimState, instance: SimInstance, parameters: Record<string, unknown>): void {
  const plan = planOf(state, instance);
  if (!isItRt(state, plan)) return;
  if (hasDeprecatedGrant(instance.parameters)) throw new BrokerError(CLIENT_X509_MESSAGE);
  const keyType = parameters['key-type'];
  if (keyType === undefined) return;
  if (keyType === 'certificate') {
    const validity = parameters.validity ?? 365;
    if (typeof validity !== 'number' || !Number.isInteger(validity) || validity < 1 || validity > 365) {
      throw new BrokerError(`Invalid parameter "validity": expected whole days between 1 and 365, got ${JSON.stringify(validity)}.`);
    }
    const length = parameters['key-length'] ?? 2048;
    if (length !== 2048 && length !== 4096) throw new BrokerError(`Invalid parameter "key-length": expected 2048 or 4096, got ${JSON.stringify(length)}.`);
    return;
  }
  if (keyType === 'certificate_external') {
    const cert = parseExternalCertificate(parameters['X.509']);
    if (state.settings.duplicateCertificate === 'reject' && otherCertificateKeys(state, cert.fingerprint256)) {
      throw new BrokerError('The certificate is already used in another service key. A certificate may be used only once across all service instances.');
    }
    return;
  }
  throw new BrokerError(`Invalid parameter "key-type": ${JSON.stringify(keyType)} is not supported. Use "certificate" or "certificate_external".`);
}

function randomDigits(count: number): string {
  return Array.from(randomBytes(count), (byte) => String(byte % 10)).join('');
}

function sapGeneratedCertificate(state: SimState, key: {guid: string}, instance: SimInstance, validityDays: number, keyLength: number): {certificate: string; key: string; details: Record<string, unknown>} {
  const ca = state.settings.sapClientCa;
  const notBefore = new Date(Date.now() - 60_000);
  const leaf = issueCertificate({
    bits: keyLength,
    serialNumber: '7' + randomBytes(15).toString('hex').slice(1),
    notBefore,
    notAfter: new Date(notBefore.getTime() + validityDays * 24 * 3600 * 1000),
    subject: [
      {name: 'countryName', value: 'DE'},
      {name: 'organizationName', value: 'SAP SE'},
      {shortName: 'OU', value: 'SAP BTP Clients'},
      {shortName: 'OU', value: instance.guid},
      {name: 'localityName', value: 'cf-eu10'},
      {name: 'commonName', value: key.guid},
    ],
    extensions: [
      {name: 'basicConstraints', cA: false},
      {name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true},
      {name: 'extKeyUsage', clientAuth: true},
      {name: 'subjectKeyIdentifier'},
    ],
    issuer: ca,
  });
  return {
    certificate: leaf.certPem.trim() + '\n' + normalisePemText(ca.certPem).trim() + '\n',
    key: leaf.keyPem,
    details: certificateDetails(new X509Certificate(leaf.certPem)),
  };
}

/** Credentials as the broker returns them for a new key (parameters already validated). */
export function buildCredentials(state: SimState, instance: SimInstance, key: {guid: string}, parameters: Record<string, unknown>): Record<string, unknown> {
  const plan = planOf(state, instance);
  if (!isItRt(state, plan)) {
    return {
      hostname: 'db.demo.internal',
      port: 5432,
      username: `u_${key.guid.slice(0, 8)}`,
      password: randomBytes(12).toString('base64url'),
      uri: `postgres://u_${key.guid.slice(0, 8)}@db.demo.internal:5432/demo`,
    };
  }
  const api = plan.name === 'api';
  const oauth: Record<string, unknown> = {
    clientid: api ? `sb-${instance.guid}!b${randomDigits(4)}|it!b${randomDigits(3)}` : `sb-${instance.guid}!b${randomDigits(4)}|it-rt-demo!b${randomDigits(3)}`,
    url: api ? state.settings.apiUrl : state.settings.runtimeUrl,
    tokenurl: state.settings.tokenUrl,
    createdate: timestamp(),
    // A number among the strings, so callers prove they keep JSON types (stand-in field).
    tokenvalidity: typeof instance.parameters['token-validity'] === 'number' ? instance.parameters['token-validity'] : api ? 43200 : 3600,
  };
  const keyType = parameters['key-type'];
  if (keyType === 'certificate') {
    const issued = sapGeneratedCertificate(state, key, instance, Number(parameters.validity ?? 365), Number(parameters['key-length'] ?? 2048));
    oauth.certificate = issued.certificate;
    oauth.key = issued.key;
    oauth.certificatedetails = issued.details;
  } else if (keyType === 'certificate_external') {
    const cert = parseExternalCertificate(parameters['X.509']);
    oauth.certificate = cert.toString();
    oauth.certificatedetails = certificateDetails(cert);
  } else {
    oauth.clientsecret = randomBytes(24).toString('base64');
  }
  return {oauth};
}

// ---------------------------------------------------------------------------------------------
// Planting landscapes for tests and workshops

function findPlan(state: SimState, offeringName: string, planName: string): SimPlan | undefined {
  return state.plans.find((plan) => plan.name === planName && offeringOf(state, plan).name.toLowerCase() === offeringName.toLowerCase());
}

export function plantInstance(state: SimState, seedInstance: SeedInstance, seed?: string): SimInstance {
  const offeringName = seedInstance.offering ?? IT_RT_OFFERING;
  const planName = seedInstance.plan ?? 'integration-flow';
  const plan = findPlan(state, offeringName, planName);
  if (!plan) throw new Error(`seed: no plan ${planName} of offering ${offeringName}`);
  const space = seedInstance.space
    ? state.orgs.flatMap((org) => org.spaces).find((s) => s.name === seedInstance.space)
    : (state.target.space ?? state.orgs[0]!.spaces[0]!);
  if (!space) throw new Error(`seed: no space ${seedInstance.space}`);
  const now = timestamp();
  const instance: SimInstance = {
    guid: seedInstance.guid ?? nextGuid(state, seed),
    name: seedInstance.name,
    space_guid: space.guid,
    plan_guid: plan.guid,
    tags: [],
    parameters: seedInstance.parameters ?? {},
    last_operation: {type: 'create', state: 'succeeded', description: '', created_at: now, updated_at: now},
    created_at: now,
    updated_at: now,
  };
  state.instances.push(instance);
  return instance;
}

export function plantKey(state: SimState, seedKey: SeedKey, seed?: string): SimKey {
  const instance = state.instances.find((i) => i.name === seedKey.instance);
  if (!instance) throw new Error(`seed: no instance ${seedKey.instance} for key ${seedKey.name}`);
  const now = timestamp();
  const guid = nextGuid(state, seed);
  const parameters = seedKey.parameters ?? {};
  const key: SimKey = {
    guid,
    name: seedKey.name,
    instance_guid: instance.guid,
    parameters,
    credentials: seedKey.credentials ?? buildCredentials(state, instance, {guid}, parameters),
    last_operation: {type: 'create', state: 'succeeded', description: '', created_at: now, updated_at: now},
    created_at: now,
    updated_at: now,
  };
  state.keys.push(key);
  return key;
}
