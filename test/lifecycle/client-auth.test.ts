import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {requireClientAuth} from '../../src/lifecycle/common.js';
import {validateMappings} from '../../src/lifecycle/neo.js';
import {buildPki, type Pki} from '../certs/fixtures.js';

// renew and migrate-neo never put a leaf without TLS Web Client Authentication into a key, and
// no "accept warnings" answer changes that (renew-safety.test.ts runs it through the CLI).

let pki: Pki;
beforeAll(() => {
  pki = buildPki();
}, 60_000);
afterAll(() => pki?.cleanup());

describe('migrate-neo and renew: a leaf without clientAuth is a failure', () => {
  it('requireClientAuth turns a missing or serverAuth-only EKU into a failed check', () => {
    const warned = {checks: [{id: 'eku' as const, title: 'Extended key usage: clientAuth', verdict: 'warn' as const, message: 'No EKU.'}], verdict: 'warn' as const};
    expect(requireClientAuth([], warned)).toMatchObject({verdict: 'fail', checks: [{id: 'eku', verdict: 'fail'}]});
    expect(requireClientAuth(['1.3.6.1.5.5.7.3.1'], {checks: [], verdict: 'pass' as const})).toMatchObject({verdict: 'fail', checks: [{id: 'eku', verdict: 'fail'}]});
    expect(requireClientAuth(['1.3.6.1.5.5.7.3.2'], warned)).toBe(warned);
  });

  it('a Neo mapping whose leaf has no EKU is not movable', async () => {
    const trusted = {caPems: [pki.read('int.crt')], trustedRootsPem: [pki.read('root.crt')]};
    const [noEku, client] = await validateMappings(
      [
        {id: 'm1', user: 'P0001', certificatePem: pki.read('leaf-no-eku.crt'), validUntil: null},
        {id: 'm2', user: 'P0002', certificatePem: pki.read('leaf-client.crt'), validUntil: null},
      ],
      trusted,
    );
    expect(noEku).toMatchObject({movable: false, verdict: 'fail'});
    expect(noEku!.reasons.join(' ')).toContain('Extended key usage: clientAuth');
    expect(client!.checks.find(c => c.id === 'eku')).toBeUndefined();
  });
});
