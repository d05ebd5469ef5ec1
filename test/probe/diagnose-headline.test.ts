import {describe, expect, it} from 'vitest';
import {diagnose} from '../../src/probe/diagnose.js';

// The red headline and the causes below it come from one diagnosis: the headline is the first
// cause, so the panel can never say "key pair missing" under a headline that blames the key.

const invalidClient = {status: 401, statusText: 'Unauthorized', headers: {}, body: '{"error":"invalid_client","error_description":"Either the client certificate is not configured exactly once"}'};
const base = {kind: 'certificate' as const, method: 'POST' as const, host: 'acme.it-cpi018-rt.cfapps.eu10.hana.ondemand.com', path: '/http/orders', exchange: invalidClient};

describe('401 invalid_client: one diagnosis for headline and detail', () => {
  it('names the missing tenant key pair first when the tenant checks found it missing', () => {
    const {diagnosis} = diagnose({...base, crossCheck: {keysWithThisCertificate: 1, tenantKeyPair: 'missing'}});
    expect(diagnosis.summary).toMatch(/key pair sap_cloudintegrationcertificate is missing/);
    expect(diagnosis.summary).not.toMatch(/not configured exactly once/);
    expect(diagnosis.causes[0]).toMatch(/keystore lacks a valid key pair/);
  });

  it('names the incomplete chain first when the leaf was sent alone', () => {
    const {diagnosis} = diagnose({...base, facts: {chainComplete: false}, crossCheck: {keysWithThisCertificate: 1, tenantKeyPair: 'present'}});
    expect(diagnosis.summary).toMatch(/without its complete chain/);
    expect(diagnosis.causes[0]).toMatch(/without every intermediate/);
    expect(diagnosis.summary).not.toMatch(/service key/);
  });

  it('blames the keys only when the cross-check says so', () => {
    expect(diagnose({...base, crossCheck: {keysWithThisCertificate: 2, tenantKeyPair: 'present'}}).diagnosis.summary).toMatch(/2 service keys hold this certificate/);
    expect(diagnose({...base, crossCheck: {keysWithThisCertificate: 0}}).diagnosis.summary).toMatch(/no service key holds this certificate/);
  });

  it('every headline is the first of its causes', () => {
    for (const crossCheck of [{keysWithThisCertificate: 1}, {keysWithThisCertificate: 1, tenantKeyPair: 'present' as const}, {}, {keysWithThisCertificate: 3, tenantKeyPair: 'missing' as const}]) {
      const {diagnosis} = diagnose({...base, crossCheck});
      expect(diagnosis.causes.length).toBeGreaterThan(0);
      expect(diagnosis.fix.length).toBe(diagnosis.causes.length);
    }
  });
});
