/**
 * Pure judgements over what the tenant API returned: is certificate-based inbound possible at
 * all (the SAP key pair), and does the iFlow's sender channel fit the chosen option and the
 * roles of the service instance.
 */
import type {Verdict} from '../ports.js';
import type {KeystoreEntry} from './api.js';
import type {SenderChannel} from './iflw.js';
import {daysUntil} from '../lifecycle/common.js';
import {instanceParameters} from '../../flows/parameters.js';

/** A check's verdict; 'not-checked' when the data for it could not be read (never a pass). */
export type JudgementVerdict = Verdict | 'not-checked';

export interface Judgement {
  verdict: JudgementVerdict;
  message: string;
  /** What to do; empty when the verdict is pass. */
  fix: string;
}

/** The judgement for a check whose data could not be read: why, and what to do instead. */
export function notChecked(what: string, reason: string, fix: string): Judgement {
  return {verdict: 'not-checked', message: `Not checked: ${what} could not be read (${reason}).`, fix};
}

/** Warn this many days before the SAP key pair expires. */
export const KEY_PAIR_WARN_DAYS = 30;

export function judgeKeystoreEntry(entry: Pick<KeystoreEntry, 'validNotAfter'> | null, now: Date): Judgement {
  if (!entry) {
    return {
      verdict: 'fail',
      message: 'The key pair sap_cloudintegrationcertificate is missing from the tenant keystore, so the tenant cannot authenticate inbound calls with client certificates. Trial tenants never have it.',
      fix: 'On a trial tenant use Basic auth with clientid/clientsecret (or the offline demo). On a productive tenant, check Monitor → Manage Security → Keystore, then open an SAP incident for Cloud Integration to have the SAP key pair provisioned.',
    };
  }
  if (!entry.validNotAfter) {
    // Present but unread: its validity is a check not made, not a pass.
    return {verdict: 'not-checked', message: 'The key pair sap_cloudintegrationcertificate exists, but its expiry date could not be read.', fix: 'Check the entry in Monitor → Manage Security → Keystore.'};
  }
  const days = daysUntil(entry.validNotAfter.toISOString(), now);
  const date = entry.validNotAfter.toISOString().slice(0, 10);
  if (entry.validNotAfter.getTime() <= now.getTime()) {
    return {
      verdict: 'fail',
      message: `The key pair sap_cloudintegrationcertificate expired on ${date}; inbound client-certificate authentication does not work until SAP renews it.`,
      fix: 'Open an SAP incident for Cloud Integration to renew the SAP-owned key pair; tenant admins cannot change sap_* entries.',
    };
  }
  if (days < KEY_PAIR_WARN_DAYS) {
    return {
      verdict: 'warn',
      message: `The key pair sap_cloudintegrationcertificate expires on ${date} (in ${days} day${days === 1 ? '' : 's'}).`,
      fix: 'Check with SAP that the SAP-owned key pair is renewed in time (Monitor → Keystore shows the renewal state).',
    };
  }
  return {verdict: 'pass', message: `The key pair sap_cloudintegrationcertificate is present and valid until ${date}.`, fix: ''};
}

const CERTIFICATE_CAPABLE = new Set(['HTTPS', 'SOAP', 'IDOC', 'AS2', 'AS4', 'XI']);

/**
 * Judges a sender channel for Option 1 (role-based: certificate in a service key, role on the
 * instance) or Option 2 (certificate list in the channel).
 */
export function judgeSenderChannel(channel: SenderChannel, option: 1 | 2, instanceRoles: string[]): Judgement {
  const label = `Sender channel "${channel.name}" (${channel.componentType})`;
  if (channel.unresolvedParameters.length) {
    return {
      verdict: 'warn',
      message: `${label} uses externalized parameters without a value: ${channel.unresolvedParameters.map((name) => `{{${name}}}`).join(', ')}.`,
      fix: 'Set the parameters in the iFlow\'s Configure dialog (or check them there) and judge the channel again.',
    };
  }
  if (channel.componentType === 'ODataSender' || channel.componentType === 'OData') {
    return {
      verdict: 'warn',
      message: `${label}: OData sender authentication is "${channel.odataAuthentication ?? 'not set'}"; which property holds its role is not documented, so it cannot be checked here.`,
      fix: 'Check the channel\'s Authorization setting and role in the web UI.',
    };
  }
  if (!CERTIFICATE_CAPABLE.has(channel.componentType)) {
    return {verdict: 'fail', message: `${label} does not support client-certificate authorization.`, fix: 'Use an HTTPS, SOAP, IDoc, AS2, AS4 or XI sender channel.'};
  }
  if (channel.senderAuthType !== 'RoleBased' && channel.senderAuthType !== 'ClientCertificate') {
    return {
      verdict: 'warn',
      message: `${label}: the authorization setting has an unknown format${channel.unknownFormat.length ? ` (${channel.unknownFormat.join('; ')})` : channel.senderAuthType ? ` ("${channel.senderAuthType}")` : ' (no senderAuthType)'}.`,
      fix: 'Open the channel\'s Connection tab in the web UI and check Authorization (User Role or Client Certificate).',
    };
  }
  const csrfNote = channel.xsrfProtection ? ' CSRF protection is on: POST calls without a valid X-CSRF-Token get HTTP 403.' : '';

  if (option === 1) {
    if (channel.senderAuthType === 'ClientCertificate') {
      return {
        verdict: 'fail',
        message: `${label} is set to Authorization "Client Certificate" (Option 2), but the role-based setup (Option 1) was chosen.`,
        fix: 'Set Authorization to "User Role" in the channel\'s Connection tab, enter the role, and redeploy the iFlow.',
      };
    }
    const role = channel.userRole;
    if (!role) {
      return {verdict: 'fail', message: `${label} uses User Role authorization but has no role set.`, fix: 'Enter a role (e.g. ESBMessaging.send) in the channel\'s Connection tab and redeploy.'};
    }
    if (!instanceRoles.includes(role)) {
      const near = instanceRoles.find((candidate) => candidate.toLowerCase() === role.toLowerCase());
      return {
        verdict: 'fail',
        message: `${label} requires the role ${role}, but the service instance grants ${instanceRoles.length ? instanceRoles.join(', ') : 'no roles'}${near ? ` (${near} differs only in case; roles must match exactly)` : ''}.`,
        fix: `Add ${role} to the instance roles (cf update-service <instance> -c <file> with the full parameter set, e.g. ${JSON.stringify(instanceParameters([...instanceRoles, role]))}), or change the channel's role. Custom roles must first exist under Monitor → Manage Security → User Roles. Role changes can take up to an hour.`,
      };
    }
    return {
      verdict: channel.xsrfProtection ? 'warn' : 'pass',
      message: `${label} checks the role ${role}, which the service instance grants.${csrfNote}`,
      fix: channel.xsrfProtection ? 'Let the sender fetch a CSRF token first, or switch CSRF protection off for certificate-based senders.' : '',
    };
  }

  // Option 2.
  if (channel.senderAuthType === 'RoleBased') {
    return {
      verdict: 'fail',
      message: `${label} is set to Authorization "User Role" (Option 1), but the certificate-in-channel setup (Option 2) was chosen.`,
      fix: 'Either continue with Option 1 (recommended), or set Authorization to "Client Certificate", upload the certificate in the channel and redeploy.',
    };
  }
  if (!channel.clientCertificatesRaw) {
    return {
      verdict: 'fail',
      message: `${label} uses Client Certificate authorization but lists no certificates.`,
      fix: 'Upload the sender\'s certificate in the channel\'s Connection tab and redeploy the iFlow (this causes a short downtime).',
    };
  }
  return {
    verdict: 'warn',
    message: `${label} uses Client Certificate authorization (Option 2, not recommended by SAP: only subject and issuer DN are checked, and each renewal needs a redeploy). Its certificate list is stored in an unknown format, so cpi-mtls cannot confirm that your certificate is on it.${csrfNote}`,
    fix: 'Check in the channel\'s Connection tab that the sender\'s certificate is listed. The certificate must also be in a service key of an it-rt instance with grant type client_credentials.',
  };
}

/** Whether a tenant or runtime URL belongs to a trial account (no inbound client-certificate auth). */
export function isTrialHost(url: string): boolean {
  const href = url.includes('://') ? url : `https://${url}`;
  if (!URL.canParse(href)) return false;
  const labels = new URL(href).hostname.toLowerCase().split('.');
  if (labels.some((label) => /^it-cpitrial\d*(-rt)?$/.test(label) || label === 'hanatrial')) return true;
  // Trial subaccount subdomains are a short random id followed by "trial" (e.g. 1a2b3c4dtrial);
  // require a digit in the id so names like "industrial" do not count.
  const first = labels[0] ?? '';
  return /^(?=[a-z]*\d)[a-z0-9]{4,16}trial(-ga)?$/.test(first);
}
