import {describe, expect, it} from 'vitest';
import {isTrialHost, judgeKeystoreEntry, judgeSenderChannel} from '../../src/tenant/checks.js';
import type {SenderChannel} from '../../src/tenant/iflw.js';

const now = new Date('2026-03-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

function channel(overrides: Partial<SenderChannel>): SenderChannel {
  return {name: 'HTTPS', id: 'MessageFlow_1', componentType: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'ESBMessaging.send', urlPath: '/orders', xsrfProtection: false, unresolvedParameters: [], unknownFormat: [], properties: {}, ...overrides};
}

describe('judgeKeystoreEntry', () => {
  it('fails when the SAP key pair is missing (trial)', () => {
    const result = judgeKeystoreEntry(null, now);
    expect(result.verdict).toBe('fail');
    expect(result.message).toContain('sap_cloudintegrationcertificate');
    expect(result.fix).toMatch(/trial/i);
  });
  it('fails when expired, warns when expiring within 30 days, passes otherwise', () => {
    expect(judgeKeystoreEntry({validNotAfter: days(-1)}, now).verdict).toBe('fail');
    const soon = judgeKeystoreEntry({validNotAfter: days(12)}, now);
    expect(soon.verdict).toBe('warn');
    expect(soon.message).toContain('in 12 days');
    expect(judgeKeystoreEntry({validNotAfter: days(200)}, now)).toMatchObject({verdict: 'pass', fix: ''});
    // A present entry whose expiry was not read is a check not made, never a pass or a ✔.
    expect(judgeKeystoreEntry({validNotAfter: null}, now)).toMatchObject({verdict: 'not-checked', fix: expect.stringContaining('Keystore')});
  });
});

describe('judgeSenderChannel', () => {
  it('Option 1 passes when the instance grants the channel role', () => {
    expect(judgeSenderChannel(channel({}), 1, ['ESBMessaging.send']).verdict).toBe('pass');
  });
  it('Option 1 fails when the role is missing and names the role; notes a case-only difference', () => {
    const result = judgeSenderChannel(channel({userRole: 'Orders.Send'}), 1, ['orders.send']);
    expect(result.verdict).toBe('fail');
    expect(result.message).toContain('Orders.Send');
    expect(result.message).toContain('differs only in case');
    expect(result.fix).toContain('"Orders.Send"');
  });
  it('Option 1 fails on a Client Certificate channel, Option 2 fails on a User Role channel', () => {
    expect(judgeSenderChannel(channel({senderAuthType: 'ClientCertificate', userRole: undefined, clientCertificatesRaw: 'x'}), 1, ['ESBMessaging.send']).verdict).toBe('fail');
    expect(judgeSenderChannel(channel({}), 2, []).verdict).toBe('fail');
  });
  it('Option 2 cannot confirm the certificate list (unknown format) and warns', () => {
    const result = judgeSenderChannel(channel({senderAuthType: 'ClientCertificate', userRole: undefined, clientCertificatesRaw: 'opaque'}), 2, []);
    expect(result.verdict).toBe('warn');
    expect(result.message).toContain('unknown format');
    expect(judgeSenderChannel(channel({senderAuthType: 'ClientCertificate', userRole: undefined}), 2, []).verdict).toBe('fail');
  });
  it('warns about CSRF protection, unresolved parameters and unknown formats', () => {
    expect(judgeSenderChannel(channel({xsrfProtection: true}), 1, ['ESBMessaging.send'])).toMatchObject({verdict: 'warn'});
    expect(judgeSenderChannel(channel({unresolvedParameters: ['SenderRole'], userRole: '{{SenderRole}}'}), 1, ['ESBMessaging.send']).message).toContain('{{SenderRole}}');
    expect(judgeSenderChannel(channel({senderAuthType: undefined, unknownFormat: ['authenticationMethod "RoleBased" instead of senderAuthType']}), 1, []).verdict).toBe('warn');
    expect(judgeSenderChannel(channel({componentType: 'ODataSender', senderAuthType: undefined, odataAuthentication: 'basic'}), 1, []).verdict).toBe('warn');
    expect(judgeSenderChannel(channel({componentType: 'ProcessDirect'}), 1, []).verdict).toBe('fail');
  });
});

describe('isTrialHost', () => {
  it('recognises trial hosts', () => {
    expect(isTrialHost('https://1a2b3c4dtrial.it-cpitrial02-rt.cfapps.eu10-001.hana.ondemand.com/http/x')).toBe(true);
    expect(isTrialHost('https://abcd.it-cpitrial05.cfapps.us10-001.hana.ondemand.com')).toBe(true);
    expect(isTrialHost('9f8e7d6ctrial.authentication.eu10.hana.ondemand.com')).toBe(true);
  });
  it('does not flag productive hosts, including names that merely contain "trial"', () => {
    expect(isTrialHost('https://acme-prod.it-cpi024-rt.cfapps.eu10-002.hana.ondemand.com')).toBe(false);
    expect(isTrialHost('https://industrial.it-cpi008-rt.cfapps.br10.hana.ondemand.com')).toBe(false);
    expect(isTrialHost('not a url at all')).toBe(false);
  });
});
