/**
 * Workshop mode (--explain): for every step of the setup flow, why it matters in plain words and
 * which SAP screen, document or manual chore it replaces. Pure data, so the texts can be reviewed
 * and tested without a terminal; the view only lays them out.
 */
import type {StepId} from './types.js';

export interface StepExplanation {
  /** 2-4 short lines, plain words, for a room of people new to the topic. */
  why: string[];
  /** The SAP screen, document or manual step this step does instead. */
  replaces: string[];
}

const CREATE_INSTANCE_SCREEN = 'BTP cockpit → Instances and Subscriptions → Create (Process Integration Runtime)';
const HELP_INSTANCE_AND_KEY = 'SAP Help: Creating Service Instance and Service Key for Inbound Authentication';
const USER_ROLES_SCREEN = 'Integration Suite → Monitor → Manage Security → User Roles';
const LB_ROOTS_HELP = 'SAP Help: Load Balancer Root Certificates Supported by SAP';
const CONNECTIVITY_TEST = 'Connectivity Test (TLS)';
const SYSTEM_LOGS = 'Monitor → Access Logs → System Log Files';

export const EXPLANATIONS: Readonly<Record<StepId, StepExplanation>> = {
  preflight: {
    why: ['Everything is created in one org and space.', 'That subaccount needs the it-rt / integration-flow plan.', 'A wrong login found now costs nothing.'],
    replaces: ['cf version · cf target · cf marketplace -e it-rt', 'BTP cockpit → Entitlements (Process Integration Runtime)'],
  },
  blocked: {
    why: ['Without login, target or entitlement nothing can be created.', 'Fix it now rather than leave a half-built setup.'],
    replaces: ['BTP cockpit → Entitlements → Edit → Add Service Plans', 'cf login · cf target -o <org> -s <space>'],
  },
  'confirm-target': {
    why: ['The instance and its keys live in this space.', 'It must belong to the subaccount of your Cloud Integration tenant.'],
    replaces: ['BTP cockpit → Subaccount → Cloud Foundry → Spaces'],
  },
  'choose-option': {
    why: [
      'Option 1: role on the instance, certificate in a key.',
      'Renewing the certificate then needs no redeploy.',
      'Option 2 compares only subject and issuer names.',
    ],
    replaces: ['Sender channel → Connection → Authorization', 'SAP Help: Setting Up Inbound HTTP Connections'],
  },
  'option2-warning': {
    why: ['Each certificate renewal means redeploying the iflow: a short outage.', 'Only subject and issuer DN are compared, not the certificate.'],
    replaces: ['Sender channel → Authorization: Client Certificate (upload)', 'Integration flow → Deploy'],
  },
  'choose-role': {
    why: [
      "The channel lets a call in only if the caller's instance has its role.",
      "ESBMessaging.send is SAP's default for every flow.",
      'A custom role limits who may call one particular flow.',
    ],
    replaces: [USER_ROLES_SCREEN, 'Sender channel → Connection → Authorization: User Role'],
  },
  'custom-role': {
    why: ['A custom role exists only after it is created in the tenant.', 'Its name must match the sender channel exactly.'],
    replaces: [`${USER_ROLES_SCREEN} → Add`, 'User Roles → Download JSON'],
  },
  'instance-name': {
    why: ['The instance carries the roles and the client_credentials grant.', 'Every certificate key hangs off it.'],
    replaces: [CREATE_INSTANCE_SCREEN, HELP_INSTANCE_AND_KEY],
  },
  'lookup-instance': {
    why: ['A re-run must not create a second instance.', 'An old instance may lack the role or carry client_x509.'],
    replaces: ['BTP cockpit → Instances and Subscriptions (search by name)', 'cf service <name>'],
  },
  'instance-existing': {
    why: ['client_x509 is end of life: such instances get no new keys.', 'An update sends the full parameter set.', 'Role changes take up to an hour to reach the runtime.'],
    replaces: ['BTP cockpit → Instances and Subscriptions → Update', 'cf update-service <name> -c <json>'],
  },
  'create-instance': {
    why: ['Roles plus grant type client_credentials, exactly as SAP documents.', 'The parameters are read back, so a typo cannot hide.'],
    replaces: [CREATE_INSTANCE_SCREEN, HELP_INSTANCE_AND_KEY],
  },
  'update-instance': {
    why: ['The broker gets the whole parameter set, never a partial one.', 'Role changes can take up to an hour to reach the runtime.'],
    replaces: ['BTP cockpit → Instances and Subscriptions → Update', 'cf update-service <name> -c <json>'],
  },
  'certificate-source': {
    why: ["The load balancer accepts only CAs on SAP's list.", 'SAP can also issue one for you (up to 365 days).'],
    replaces: [LB_ROOTS_HELP, 'BTP cockpit → Create Service Key → Key Type'],
  },
  'csr-subject': {
    why: ['The CA signs a request (CSR) that carries this subject name.', 'The private key never leaves this machine.'],
    replaces: ['openssl req -new -newkey rsa:2048 -subj <subject>', 'SAP Help: Manage Certificates Issued by SAP Cloud Root CA'],
  },
  'csr-key-type': {
    why: ['RSA 2048 is accepted everywhere; EC keys are smaller.', 'Check what the sender system can load.'],
    replaces: ['openssl genpkey -algorithm RSA|EC'],
  },
  'generate-csr': {
    why: ['The key is written with owner-only access (0600).', 'The CSR is what goes to the CA, nothing else.'],
    replaces: ['openssl req -new -key <key> -out <csr>'],
  },
  'csr-next': {
    why: ['A CA must sign the CSR; ask for EKU clientAuth explicitly.', 'With the signed chain, run the wizard again.'],
    replaces: ["Your CA's request portal", 'SAP Help: Manage Certificates Issued by SAP Cloud Root CA'],
  },
  'export-pkcs12': {
    why: ['Many senders import key and chain as one PKCS#12 file.', 'Leaf + intermediates go in, so the chain is sent on the wire.'],
    replaces: ['openssl pkcs12 -export -inkey <key> -in <chain>', 'Sender keystore import (e.g. STRUST)'],
  },
  'write-pkcs12': {
    why: ['The file is written with owner-only access (0600).', 'Its password is never printed or stored.'],
    replaces: ['openssl pkcs12 -export -out sender.p12'],
  },
  'certificate-path': {
    why: ['Only the leaf goes into the service key.', 'The sender sends leaf + intermediates on the wire.'],
    replaces: ['openssl x509 -text -in <file>', 'Create Service Key → External Certificate (paste PEM)'],
  },
  'certificate-password': {
    why: ['A PKCS#12 file bundles key and chain behind a password.', 'It is used here only, never stored or printed.'],
    replaces: ['openssl pkcs12 -info -in <file>'],
  },
  'load-certificate': {
    why: ['Checks now what the load balancer would reject later.', 'A rejected handshake tells you almost nothing about why.'],
    replaces: ['openssl x509 -text · openssl verify', 'SAP Note 2801396 (supported root CAs)'],
  },
  'certificate-review': {
    why: [
      'No clientAuth EKU, or a root off the list: the handshake fails.',
      'Missing intermediate: the load balancer cannot build the chain.',
      'Fixed here, before anything is uploaded.',
    ],
    replaces: [LB_ROOTS_HELP, 'openssl verify -untrusted chain.pem leaf.pem'],
  },
  'sap-key-validity': {
    why: ['SAP signs the certificate and returns its private key.', 'It lasts at most 365 days: plan the renewal.'],
    replaces: ['BTP cockpit → Create Service Key → Key Type: Certificate'],
  },
  'sap-key-length': {
    why: ["2048 bits is SAP's documented default.", 'Other sizes are not documented: check the sender accepts them.'],
    replaces: ['Create Service Key → Key Type: Certificate → Key Length'],
  },
  'key-name': {
    why: ['One service key per client certificate.', 'A name with CN and expiry date makes renewals easy to find.'],
    replaces: ['BTP cockpit → Instance → Create Service Key → Name'],
  },
  'scan-duplicates': {
    why: ['The same certificate in two keys: every call fails with 401.', 'Cloud Foundry does not stop you; this scan does.'],
    replaces: ['Opening every service key in the cockpit by hand', 'KBA 3224701 (invalid_client)'],
  },
  'duplicate-found': {
    why: ['The runtime needs the certificate exactly once, in one key.', 'For more roles, add them to the instance holding that key.'],
    replaces: ['BTP cockpit → Instance → Service Keys → Delete', 'KBA 3224701 (invalid_client)'],
  },
  'create-key': {
    why: ['The key ties the certificate to the instance and its roles.', 'It is read back to prove the stored leaf is yours.'],
    replaces: ['BTP cockpit → Create Service Key → External Certificate', HELP_INSTANCE_AND_KEY],
  },
  'live-test': {
    why: ['A setup can look right and still fail: one real call proves it.', "It also fetches the load balancer root for the sender's trust store."],
    replaces: [CONNECTIVITY_TEST, 'Postman or curl with the client certificate'],
  },
  'live-test-path': {
    why: ['The URL is the runtime host, /http and the channel Address.', 'A wrong path gives 404, not an authentication error.'],
    replaces: ['Integration Suite → Monitor → Manage Integration Content → Endpoints'],
  },
  'live-test-key': {
    why: ['mTLS proves the sender holds the private key.', 'It is read here only, never uploaded or printed.'],
    replaces: ['curl --cert <chain> --key <key>'],
  },
  probe: {
    why: ['One call passes the load balancer, the key lookup, the role check and the iflow.', 'Whatever fails is named, with the fix.'],
    replaces: [CONNECTIVITY_TEST, SYSTEM_LOGS],
  },
  'probe-result': {
    why: ['Handshake failure: EKU, chain or root.', '401: key missing or duplicated · 403: role.', '404: wrong path or iflow not deployed.'],
    replaces: [`${CONNECTIVITY_TEST} → Download (certificates.zip)`, SYSTEM_LOGS],
  },
  'basic-compare': {
    why: ['Same endpoint, with clientid/clientsecret of a temporary key on the same instance.', 'Basic works, certificate fails: the certificate path is at fault.', 'Both 403: the role is.'],
    replaces: ['Postman with Basic auth', 'BTP cockpit → Create Service Key (ClientId/Secret) and delete it again'],
  },
  'tenant-checks': {
    why: ["Certificate calls need SAP's key pair sap_cloudintegrationcertificate in the tenant.", 'The iflow must be deployed, its channel asking for the same role.'],
    replaces: ['Integration Suite → Monitor → Manage Security → Keystore', 'Monitor → Manage Integration Content'],
  },
  'tenant-key-path': {
    why: ['A key of plan "api" lets cpi-mtls read the tenant.', 'Its secret is read here only, never printed.'],
    replaces: ['cf service-key <instance> <key> > api-key.json'],
  },
  'check-api-key': {
    why: ['The api key file is read before anything is created.', 'A wrong file would otherwise fail after the instance exists.'],
    replaces: ['Finding out at the end that the key was of the wrong plan'],
  },
  'check-private-key': {
    why: ['The private key must belong to the certificate, or the live test cannot work.', 'Checked here, before anything is created.'],
    replaces: ['openssl x509 -noout -pubkey vs openssl pkey -pubout, compared by hand'],
  },
  'remove-failed-instance': {
    why: ['An instance whose creation failed holds nothing and blocks its name.', 'Removed only on request, then created anew with every input checked.'],
    replaces: ['cf delete-service <instance> -f, by hand'],
  },
  'check-tenant': {
    why: ['Keystore, deployed endpoints and sender channels, read in one go.', 'A trial tenant shows up here: it cannot do certificate calls.'],
    replaces: ['Monitor → Manage Security → Keystore', 'Integration flow → sender channel → Connection'],
  },
  'tenant-results': {
    why: ['An expired SAP key pair or a role mismatch breaks every call.', 'Each finding says where to fix it.'],
    replaces: ['Monitor → Manage Security → Keystore', 'Monitor → Manage Integration Content → Endpoints'],
  },
  'save-plan': {
    why: ['QA and production need the same setup: the answers become a plan file.', 'The next subaccount is then one command, with no questions.'],
    replaces: ['Repeating every cockpit screen per subaccount', 'A hand-written runbook'],
  },
  'offer-cleanup': {
    why: ['A failed run should not leave half a setup behind.', 'Only what this run created is removed.'],
    replaces: ['cf delete-service-key · cf delete-service, by hand'],
  },
  cleanup: {
    why: ['Keys go first: Cloud Foundry keeps an instance that still has keys.', 'The checklist records what was removed.'],
    replaces: ['cf delete-service-key <instance> <key>', 'cf delete-service <instance>'],
  },
  'write-outputs': {
    why: ['The customer gets what exists, what was verified and what is left.', 'Markdown for people, JSON for tools.'],
    replaces: ['Screenshots and a hand-written handover e-mail'],
  },
  done: {
    why: ['Hand the checklist to the customer.', 'The files next to it are what the sender system needs.'],
    replaces: ['A handover document'],
  },
  'step-failed': {
    why: ['Nothing is rolled back silently: retry, or stop cleanly.', 'The checklist then lists exactly what exists.'],
    replaces: ['cf services · cf service-keys <instance> by hand'],
  },
};

/** The teaching text for a step, or undefined for steps of other flows. */
export function explanationFor(stepId: StepId): StepExplanation | undefined {
  return Object.hasOwn(EXPLANATIONS, stepId) ? EXPLANATIONS[stepId] : undefined;
}
