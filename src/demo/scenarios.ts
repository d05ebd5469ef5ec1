/**
 * Workshop scenarios of the demo landscape (`cpi-mtls --demo <scenario>`). Trainers first show
 * the setup succeed (`happy`), then each classic mistake fail and be explained by the tool's own
 * checks or live test. A scenario is data: how a fresh landscape is seeded (stand-in cf state),
 * how the local tenant behaves, which customer file the wizard offers first, and what the
 * trainer should see. Seeding happens once, on the first start of a fresh landscape folder
 * (and after `cpi-mtls --demo reset <scenario>`).
 *
 * This module is loaded for `--demo --list` too, so it imports node built-ins and types only.
 */
import {X509Certificate} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {SeedOptions} from './fakecf/state.js';
import type {DemoFixturePaths, DemoPki} from './pki.js';
import type {DemoIflow} from './tenant.js';
import {formatSapDn} from '../../flows/dn.js';
import {firstX509} from '../certs/pem-text.js';
import {DEFAULT_ROLE, externalCertificateKeyParameters, instanceParameters} from '../../flows/parameters.js';

/** What a scenario's functions may use: the landscape's PKI, its customer files and its folder. */
export interface ScenarioContext {
  pki: DemoPki;
  fixtures: DemoFixturePaths;
  /** The landscape's folder (persistent). */
  home: string;
}

/** Defaults the wizard offers (the first answer to each question). */
export interface DemoDefaults {
  /** The option the wizard preselects. */
  option?: 'role-based' | 'certificate-in-iflow';
  certificatePath: string;
  privateKeyPath: string;
  endpointPath: string;
  endpointPathOption2: string;
  instanceName?: string;
}

export interface DemoScenario {
  name: string;
  /** One line for `cpi-mtls --demo --list`. */
  summary: string;
  /** What the room learns, in 2-3 lines. */
  lesson: string[];
  /** What the trainer does and what the room sees. */
  trainer: string[];
  /** The command the scenario is made for; default `cpi-mtls --demo <name>`. */
  command?: string;
  /** The stand-in cf's starting state (instances, keys, faults, org names), merged over the base seed. */
  seed?(context: ScenarioContext): SeedOptions;
  /** Which customer files and names the wizard offers first. */
  defaults?(context: ScenarioContext): Partial<DemoDefaults>;
  tenant?: {
    /** false: the tenant keystore lacks sap_cloudintegrationcertificate (trial tenants). */
    sapKeyPairPresent?: boolean;
    /** The deployed integration flows; called on every request, so it may read files. */
    iflows?(base: DemoIflow[], context: ScenarioContext): DemoIflow[];
  };
}

export const DEFAULT_DEMO_SCENARIO = 'happy';

/** The folder where the option-2 scenario's "redeploy" picks up the channel certificate. */
export const CHANNEL_UPLOAD_FOLDER = 'sender-channel-upload';

export function dnsOf(certPem: string): {subjectDN: string; issuerDN: string} {
  const x509 = new X509Certificate(certPem);
  return {subjectDN: formatSapDn(x509.subject), issuerDN: formatSapDn(x509.issuer)};
}

/** Certificates "uploaded to the sender channel and redeployed": PEM files dropped in the folder. */
function uploadedChannelCertificates(home: string): Array<{subjectDN: string; issuerDN: string}> {
  const folder = path.join(home, CHANNEL_UPLOAD_FOLDER);
  let names: string[];
  try {
    names = readdirSync(folder).filter(name => /\.(crt|pem|cer)$/i.test(name));
  } catch {
    return [];
  }
  return names.flatMap(name => {
    try {
      const first = firstX509(readFileSync(path.join(folder, name), 'utf8'));
      return first ? [dnsOf(first.toString())] : [];
    } catch {
      return []; // A file being copied: the channel simply does not list it.
    }
  });
}

export const DEMO_SCENARIOS: DemoScenario[] = [
  {
    name: 'happy',
    summary: 'Option 1 from scratch; everything works (default)',
    lesson: [
      'The whole procedure: role on the instance, leaf in the service key, chain on the wire, load balancer root in the sender trust store.',
      'The live test proves it end to end (HTTP 200) before the customer touches the sender.',
    ],
    trainer: ['Press Enter at every question: the defaults are the customer\'s correct files.', 'The live test answers HTTP 200 and the checklist ends "Setup complete".'],
  },
  {
    name: 'root-instead-of-leaf',
    summary: 'The offered file is the root CA, not the client certificate: check fails',
    lesson: [
      'Customers often send the CA certificate they find first. The service key needs the certificate issued to the sender (CA:FALSE).',
      'The workbench catches it before anything is uploaded; nothing is created with a wrong certificate.',
    ],
    trainer: [
      'Enter through the questions; the certificate file offered is demo-customer-root-ca.pem.',
      'The review shows "This certificate will not work": the file holds a self-signed CA certificate, not a client certificate.',
      'Choose "Use another certificate file", give customer-files/s4hana-sender.chain.pem: all checks pass and the run ends with HTTP 200.',
    ],
    defaults: ({fixtures}) => ({certificatePath: fixtures.caOnly}),
  },
  {
    name: 'no-client-auth',
    summary: 'The certificate lacks EKU clientAuth: the EKU check stops the setup',
    lesson: [
      'SAP\'s load balancer rejects certificates without EKU clientAuth in the TLS handshake, before any HTTP status.',
      'Public CAs have been leaving clientAuth out since September 2025: check the EKU before uploading anything.',
    ],
    trainer: [
      'Enter through the questions; the certificate offered is s4hana-sender-no-clientauth.chain.pem.',
      'The review fails "Extended key usage: clientAuth" and explains the handshake rejection and the alternatives (SAP-generated key, SAP Cloud Root CA).',
      'A failed check blocks the setup (also from a plan file): the lesson is the check itself.',
    ],
    defaults: ({fixtures}) => ({certificatePath: fixtures.variants.noClientAuth.chain, privateKeyPath: fixtures.variants.noClientAuth.key}),
  },
  {
    name: 'missing-chain',
    summary: 'Leaf without its intermediate: the chain check fails (the LB would give 401)',
    lesson: [
      'The service key takes the leaf alone, but the sender must present leaf + intermediates: SAP\'s load balancer holds roots only.',
      'Without the intermediate the load balancer does not pass the certificate on, and the call fails with HTTP 401 as if none was sent.',
    ],
    trainer: [
      'Enter through the questions; the certificate offered is s4hana-sender.crt.pem (the leaf alone).',
      'The review fails "Chain complete and in order": the issuer "cpi-mtls Demo Client Issuing CA" is missing. Choose "Use another certificate file" and give s4hana-sender.chain.pem.',
      'To show the 401 itself: while the wizard waits on the live test result, run in a second terminal `cpi-mtls probe <the URL shown> --cert <home>/customer-files/s4hana-sender.crt.pem --key <home>/customer-files/s4hana-sender.key.pem --ca <output>/load-balancer-chain/root_cpi-mtls_Demo_Load_Balancer_Root_CA.pem`.',
    ],
    defaults: ({fixtures}) => ({certificatePath: fixtures.clientLeaf, privateKeyPath: fixtures.clientKey}),
  },
  {
    name: 'duplicate-certificate',
    summary: 'The certificate is already in a key of legacy-orders-inbound: the scan stops',
    lesson: [
      'A certificate may be in exactly one service key across all it-rt instances; a second key makes every call fail with 401 invalid_client.',
      'Cloud Foundry accepts the second key without complaint: only a scan before creating it catches the mistake.',
      'To give one certificate more roles, add the roles to the instance that already holds it.',
    ],
    trainer: [
      'Enter through the questions: the wizard creates cpi-inbound-mtls, then scans every integration-flow key in the space.',
      'It stops with "This certificate is already in another service key: instance legacy-orders-inbound, key s4hana-sender-2025" and creates no key.',
      'It then offers to remove the instance this run created.',
    ],
    seed: ({pki}) => ({
      instances: [{name: 'legacy-orders-inbound', parameters: instanceParameters([DEFAULT_ROLE])}],
      keys: [{instance: 'legacy-orders-inbound', name: 's4hana-sender-2025', parameters: externalCertificateKeyParameters(pki.clientLeaf.certPem)}],
    }),
  },
  {
    name: 'role-mismatch',
    summary: 'The channel checks Orders.send, the instance has ESBMessaging.send: HTTP 403',
    lesson: [
      'The sender channel\'s User Role must be one of the instance\'s roles; roles live on the instance, never in the key.',
      'A 403 after the certificate was accepted means authorization, not authentication. Role changes can take up to an hour on a real tenant.',
    ],
    trainer: [
      'Enter through the questions (role ESBMessaging.send): the key is created and the live test answers HTTP 403 with the role diagnosis.',
      'Run again with "A custom role" → Orders.send: the wizard finds cpi-inbound-mtls lacking the role and offers "Update the instance".',
      'After the update the key is reused and the live test answers HTTP 200 (the demo tenant has no role cache).',
    ],
    tenant: {
      iflows: base => base.map(iflow => (iflow.senderAuthType === 'RoleBased' ? {...iflow, userRole: 'Orders.send'} : iflow)),
    },
  },
  {
    name: 'client-x509',
    summary: 'An existing instance with the dead grant client_x509: explained and updated',
    lesson: [
      'The grant type client_x509 reached its end of life in January 2026: such instances get no new keys and their updates fail.',
      'The fix is an update with the full parameter set and client_credentials; existing roles are kept.',
    ],
    trainer: [
      'Enter through the questions: the existing instance is shown with the deprecated grant and the parameters the update would send.',
      'Choose "Update the instance": it is updated, the key is created and the live test answers HTTP 200.',
    ],
    seed: () => ({
      instances: [{name: 'cpi-inbound-mtls', parameters: {roles: [DEFAULT_ROLE], 'grant-types': ['client_x509'], 'redirect-uris': []}}],
    }),
  },
  {
    name: 'trial',
    summary: 'Trial tenant (no sap_cloudintegrationcertificate): HTTP 401 invalid_client',
    lesson: [
      'Trial tenants cannot do inbound client-certificate authentication: the key pair sap_cloudintegrationcertificate is missing.',
      'The setup itself succeeds; only the live test reveals it. On trial, use Basic auth with clientid/clientsecret.',
    ],
    trainer: [
      'The target shows a trial org on the us10-001 trial region. Enter through the questions.',
      'The live test answers HTTP 401 invalid_client although exactly one key holds the certificate; the diagnosis points to the missing key pair (trial tenant).',
    ],
    seed: () => ({org: 'p2001351149trial', space: 'dev', apiEndpoint: 'https://api.cf.us10-001.hana.ondemand.com'}),
    tenant: {sapKeyPairPresent: false},
  },
  {
    name: 'option-2',
    summary: 'Option 2: the channel still lists the old certificate: 403 until redeployed',
    lesson: [
      'With Option 2 the sender channel compares subject and issuer DN; every certificate change needs an upload and a redeploy (downtime).',
      'The deployed channel still lists the partner\'s previous certificate, so the new one gets HTTP 403 until the flow is redeployed.',
    ],
    trainer: [
      'Choose "Option 2" and confirm the warning; Enter through the rest (endpoint /http/demo/orders-cert).',
      'The live test answers HTTP 403: subject and issuer are not in the channel\'s accepted list.',
      `"Redeploy": copy <output>/sender-channel-certificate.crt into <home>/${CHANNEL_UPLOAD_FOLDER}/, then "Run the test again": HTTP 200.`,
    ],
    defaults: () => ({option: 'certificate-in-iflow'}),
    tenant: {
      iflows(base, {pki, home}) {
        // The partner's previous certificate, issued by the customer's former internal CA.
        const previous = dnsOf(pki.clientLeafUntrusted.certPem);
        return base.map(iflow =>
          iflow.senderAuthType === 'ClientCertificate' ? {...iflow, allowedCertificates: [previous, ...uploadedChannelCertificates(home)]} : iflow,
        );
      },
    },
  },
  {
    name: 'expiring',
    summary: 'Keys that expire in 10 days, for cpi-mtls audit / renew --demo expiring',
    lesson: [
      'Certificates in service keys expire silently; SAP-generated ones last at most 365 days.',
      'With pinning on, a renewed certificate needs a new key: create it, test it, then delete the old one (no downtime).',
    ],
    trainer: [
      'Run cpi-mtls audit --demo expiring: it lists cpi-inbound-mtls/s4hana-sender-expiring and cpi-inbound-invoices/sap-generated-invoices as expiring in 10 days.',
      'Run cpi-mtls renew --demo expiring --instance cpi-inbound-mtls --key s4hana-sender-expiring for the zero-downtime renewal.',
    ],
    command: 'cpi-mtls audit --demo expiring',
    seed: ({pki}) => ({
      instances: [
        // The names renew's own demo uses, so it finds its key here as well.
        {name: 'cpi-inbound-mtls', parameters: instanceParameters([DEFAULT_ROLE])},
        {name: 'cpi-inbound-invoices', parameters: instanceParameters([DEFAULT_ROLE])},
      ],
      keys: [
        {instance: 'cpi-inbound-mtls', name: 's4hana-sender-expiring', parameters: externalCertificateKeyParameters(pki.clientLeafExpiring.certPem)},
        {instance: 'cpi-inbound-invoices', name: 'sap-generated-invoices', parameters: {'key-type': 'certificate', validity: 10, 'key-length': 2048}},
      ],
    }),
  },
];

export function findDemoScenario(name: string): DemoScenario | undefined {
  return DEMO_SCENARIOS.find(scenario => scenario.name === name);
}
