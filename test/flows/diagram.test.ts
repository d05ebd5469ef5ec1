import {describe, expect, it} from 'vitest';
import {landscapeModel, showsLandscape, type LandscapeModel, type PartId} from '../../flows/diagram.js';
import type {FlowState} from '../../flows/types.js';
import {atCertificateReview, atProbeResult, certificate} from './diagram-fixtures.js';

// Pure tests of the landscape model: which part is marked failed, for every live test outcome
// and for certificate checks, duplicates and the service key before the live test.

function item(model: LandscapeModel, part: PartId, id: string) {
  const found = model.parts[part].items.find(i => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${part}`);
  return found;
}

function failedParts(model: LandscapeModel): PartId[] {
  return (Object.keys(model.parts) as PartId[]).filter(id => model.parts[id].status === 'failed');
}

describe('landscape model: live test outcomes', () => {
  it('success: every part and hop ok, nothing failed', () => {
    const model = landscapeModel(atProbeResult('success', 200));
    expect(model.failed).toBeNull();
    expect(failedParts(model)).toEqual([]);
    for (const part of Object.values(model.parts)) expect(part.status).toBe('ok');
    for (const hop of Object.values(model.hops)) expect(hop.status).toBe('ok');
    expect(model.caption).toEqual({status: 'ok', text: expect.stringContaining('HTTP 200')});
    expect(item(model, 'sender', 'trust-store').text).toBe('trusts DigiCert Global Root G2');
  });

  it('handshake-rejected: the load balancer fails, the certificate never reaches the runtime', () => {
    const model = landscapeModel(atProbeResult('handshake-rejected'));
    expect(model.failed).toBe('load-balancer');
    expect(failedParts(model)).toEqual(['load-balancer']);
    expect(item(model, 'load-balancer', 'handshake').status).toBe('failed');
    expect(model.hops.toLoadBalancer.status).toBe('failed');
    expect(model.hops.toRuntime.status).toBe('unknown');
    expect(model.parts.runtime.status).toBe('unknown');
    expect(model.caption.status).toBe('failed');
    expect(model.caption.text).toMatch(/handshake/);
  });

  it('unauthorized: the service key (certificate not in exactly one key) fails', () => {
    const model = landscapeModel(atProbeResult('unauthorized', 401));
    expect(model.failed).toBe('instance');
    expect(failedParts(model)).toEqual(['instance']);
    expect(item(model, 'instance', 'key').status).toBe('failed');
    expect(item(model, 'instance', 'roles').status).not.toBe('failed');
    expect(model.parts['load-balancer'].status).toBe('ok');
    expect(model.hops.toInstance.status).toBe('failed');
    expect(model.caption.text).toMatch(/^HTTP 401: .*exactly one service key/);
  });

  it('forbidden with Option 1: the role on the instance fails, the key is fine', () => {
    const model = landscapeModel(atProbeResult('forbidden', 403));
    expect(model.failed).toBe('instance');
    expect(failedParts(model)).toEqual(['instance']);
    expect(item(model, 'instance', 'roles').status).toBe('failed');
    expect(item(model, 'instance', 'key').status).toBe('ok');
    expect(model.parts.runtime.status).not.toBe('failed');
    expect(model.caption.text).toMatch(/role/);
  });

  it("forbidden with Option 2: the sender channel's certificate list in the iflow fails", () => {
    const model = landscapeModel(atProbeResult('forbidden', 403, 'certificate-in-iflow'));
    expect(model.failed).toBe('runtime');
    expect(failedParts(model)).toEqual(['runtime']);
    expect(item(model, 'runtime', 'channel-certificates').status).toBe('failed');
    expect(item(model, 'instance', 'roles').text).toBe('no role (Option 2)');
    expect(model.caption.text).toMatch(/subject and issuer/);
  });

  it('not-found: the iflow fails; the certificate and role got through', () => {
    const model = landscapeModel(atProbeResult('not-found', 404));
    expect(model.failed).toBe('runtime');
    expect(failedParts(model)).toEqual(['runtime']);
    expect(item(model, 'runtime', 'iflow')).toEqual({id: 'iflow', text: 'iflow /http/orders', status: 'failed'});
    expect(model.parts.instance.status).toBe('ok');
    expect(model.caption.text).toMatch(/^HTTP 404/);
  });

  it('names the iflow by its path when the live test was given a full URL', () => {
    const s = atProbeResult('not-found', 404);
    const model = landscapeModel({...s, answers: {...s.answers, liveTest: {run: true, path: 'https://tenant.example.com/http/demo/orders'}}});
    expect(item(model, 'runtime', 'iflow').text).toBe('iflow /http/demo/orders');
  });

  it('server-error: the certificate got through, so nothing of the setup is marked failed', () => {
    const model = landscapeModel(atProbeResult('server-error', 500));
    expect(model.failed).toBeNull();
    expect(model.caption.status).toBe('ok');
  });

  it.each(['network-error', 'timeout'])('%s: the way to the load balancer fails, no station is judged', outcome => {
    const model = landscapeModel(atProbeResult(outcome));
    expect(model.hops.toLoadBalancer.status).toBe('failed');
    expect(item(model, 'load-balancer', 'handshake').status).toBe('unknown');
    expect(failedParts(model)).toEqual([]);
    expect(model.caption.status).toBe('failed');
  });
});

describe('landscape model: before the live test', () => {
  it('at the certificate review the certificate is checked and the rest is still ahead', () => {
    const model = landscapeModel(atCertificateReview());
    expect(model.failed).toBeNull();
    expect(item(model, 'sender', 'leaf')).toEqual({id: 'leaf', text: 'leaf s4hana-sender', status: 'ok'});
    expect(item(model, 'sender', 'intermediates')).toEqual({id: 'intermediates', text: '1 intermediate', status: 'ok'});
    expect(item(model, 'load-balancer', 'root').status).toBe('ok');
    expect(item(model, 'load-balancer', 'handshake').status).toBe('pending');
    expect(item(model, 'instance', 'key').status).toBe('pending');
    expect(model.hops.toLoadBalancer.status).toBe('pending');
    expect(model.caption.status).toBe('pending');
  });

  it('a missing clientAuth EKU marks the load balancer, which would reject the handshake', () => {
    const model = landscapeModel(atCertificateReview(certificate({eku: 'fail'})));
    expect(model.failed).toBe('load-balancer');
    expect(item(model, 'load-balancer', 'eku').status).toBe('failed');
    expect(item(model, 'sender', 'leaf').status).toBe('ok');
    expect(model.caption.status).toBe('failed');
  });

  it('an incomplete chain marks the sender keystore; a root that cannot be judged yet is unknown', () => {
    const model = landscapeModel(atCertificateReview(certificate({chain: 'fail', root: 'warn'})));
    expect(model.failed).toBe('sender');
    expect(item(model, 'sender', 'intermediates').status).toBe('failed');
    expect(item(model, 'load-balancer', 'root').status).toBe('unknown');
  });

  it('an expired leaf fails the sender; a validity warning does not', () => {
    expect(landscapeModel(atCertificateReview(certificate({validity: 'fail'}))).failed).toBe('sender');
    expect(landscapeModel(atCertificateReview(certificate({validity: 'warn'}))).failed).toBeNull();
  });

  it('the same certificate in another key marks the key, naming where it already is', () => {
    const s = atCertificateReview();
    const state: FlowState = {
      ...s,
      step: 'duplicate-found',
      answers: {...s.answers, keyName: 'new-key'},
      facts: {...s.facts, duplicates: [{instanceName: 'old-instance', instanceGuid: 'g', keyName: 'old-key', match: 'certificate'}]},
    };
    const model = landscapeModel(state);
    expect(model.failed).toBe('instance');
    expect(item(model, 'instance', 'key')).toEqual({id: 'key', text: 'also in old-instance/old-key', status: 'failed'});
  });

  it('an instance without the chosen role is marked before any call', () => {
    const s = atCertificateReview();
    const state: FlowState = {...s, facts: {...s.facts, instance: {guid: 'i', name: 'cpi-inbound-mtls', parameters: {roles: ['Other.role']}}}};
    expect(landscapeModel(state).failed).toBe('instance');
  });

  it('an SAP-generated certificate counts as checked once its key exists', () => {
    const s = atCertificateReview();
    const state: FlowState = {
      ...s,
      step: 'live-test',
      answers: {...s.answers, certificateSource: 'sap-generated', certificatePath: undefined},
      facts: {...s.facts, certificate: undefined, key: {guid: 'k', name: 'sap-generated-2026-11-26', instanceName: 'cpi-inbound-mtls', alreadyExisted: false, files: {certificate: '/o/c.pem', privateKey: '/o/k.pem'}}},
    };
    const model = landscapeModel(state);
    expect(model.parts.sender.items.filter(i => i.id !== 'trust-store').map(i => i.status)).toEqual(['ok', 'ok', 'ok']);
    expect(item(model, 'sender', 'leaf').text).toBe('leaf SAP-generated');
    expect(item(model, 'load-balancer', 'root').status).toBe('ok');
  });

  it('a finished run without a live test says so: unknown, not pending', () => {
    const s = atCertificateReview();
    const state: FlowState = {...s, step: 'done', status: 'done', answers: {...s.answers, keyName: 'k', liveTest: {run: false}}, facts: {...s.facts, key: {guid: 'k', name: 'k', instanceName: 'cpi-inbound-mtls', alreadyExisted: false}}};
    const model = landscapeModel(state);
    expect(item(model, 'load-balancer', 'handshake').status).toBe('unknown');
    expect(model.caption).toEqual({status: 'unknown', text: expect.stringContaining('Not tested live')});
  });
});

describe('where the landscape is shown', () => {
  it('in workshop mode at the certificate review and the live test result only', () => {
    expect(showsLandscape(atCertificateReview(), true)).toBe(true);
    expect(showsLandscape(atProbeResult('success', 200), true)).toBe(true);
    expect(showsLandscape({...atCertificateReview(), step: 'key-name'}, true)).toBe(false);
    expect(showsLandscape(atCertificateReview(), false)).toBe(false);
    expect(showsLandscape(atProbeResult('forbidden', 403), false)).toBe(false);
  });

  it('at the end in workshop mode, and always when the live test failed', () => {
    const done = (s: FlowState, status: FlowState['status']): FlowState => ({...s, step: 'done', status});
    expect(showsLandscape(done(atProbeResult('success', 200), 'done'), true)).toBe(true);
    expect(showsLandscape(done(atProbeResult('success', 200), 'done'), false)).toBe(false);
    expect(showsLandscape(done(atProbeResult('forbidden', 403), 'failed'), false)).toBe(true);
    expect(showsLandscape(done(atProbeResult('forbidden', 403), 'cancelled'), true)).toBe(false);
  });
});
