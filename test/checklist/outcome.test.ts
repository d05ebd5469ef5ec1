import {describe, expect, it} from 'vitest';
import {initialState} from '../../flows/machine.js';
import {setupFlow} from '../../flows/setup.js';
import type {FlowState} from '../../flows/types.js';
import {buildChecklist, exitCodeOfOutcome, headlineOf, renderChecklistMarkdown, renderChecklistText} from '../../src/checklist.js';

// Headline, trail, checklist and exit code come from one outcome: a run can no longer end
// "✖ not complete" with exit 0, or put ✔ on what it did not check.

const context = {outputDir: '/tmp/out', startedAt: '2026-12-03T10:00:00.000Z'};
const target = {apiEndpoint: 'https://api.cf.example', user: 'u', org: {guid: 'o', name: 'acme'}, space: {guid: 's', name: 'dev'}};
const now = new Date('2026-12-03T11:00:00.000Z');

function finished(patch: (state: FlowState) => FlowState): FlowState {
  const base = initialState(setupFlow, context, {option: 'role-based', roleChoice: 'ESBMessaging.send', instanceName: 'cpi-inbound', certificateSource: 'sap-generated', keyName: 'k', liveTest: {run: false}});
  return patch({...base, step: 'done', status: 'done', facts: {...base.facts, target, planAvailable: true}});
}

const instance = (parametersSource: 'stored' | 'sent') => ({guid: 'i1', name: 'cpi-inbound', planName: 'integration-flow', offeringName: 'it-rt', parameters: {roles: ['ESBMessaging.send']}, parametersSource});
const key = {guid: 'k1', name: 'k', instanceName: 'cpi-inbound', alreadyExisted: false, files: {certificate: '/tmp/out/c.pem', privateKey: '/tmp/out/k.pem'}};

describe('one outcome for headline, checklist and exit code', () => {
  it('a run whose flow says done but holds a failed item is incomplete and exits 1, and says why', () => {
    const state = finished(s => ({...s, facts: {...s.facts, instance: instance('stored'), key, tenant: {reachable: true, trial: true, endpoints: []}}}));
    const checklist = buildChecklist(state, [], {}, now);
    expect(checklist.outcome).toBe('incomplete');
    expect(exitCodeOfOutcome(checklist.outcome)).toBe(1);
    expect(headlineOf(checklist).text).toMatch(/^✖ Not complete\. Trial tenant/);
    expect(renderChecklistMarkdown(checklist)).toContain('✖ Not complete.');
    expect(renderChecklistText(checklist)).toContain('✖ Not complete.');
  });

  it('parameters that were only sent are "not checked", never "verified", and the headline names them', () => {
    const checklist = buildChecklist(finished(s => ({...s, facts: {...s.facts, instance: instance('sent'), key}})), [], {}, now);
    expect(checklist.items.find(i => i.title.startsWith('Service instance'))?.status).toBe('not-checked');
    expect(checklist.outcome).toBe('complete');
    expect(exitCodeOfOutcome(checklist.outcome)).toBe(0);
    expect(headlineOf(checklist).text).toMatch(/Not checked: .*Service instance cpi-inbound/);
    expect(renderChecklistMarkdown(checklist)).toContain('? not checked');
  });

  it('an instance removed after the failure is not reported as verified', () => {
    const state = finished(s => ({
      ...s,
      status: 'failed',
      error: {code: 'x', message: 'Stopped', fix: []},
      facts: {...s.facts, instance: instance('stored'), actions: [{kind: 'created', what: 'service instance', name: 'cpi-inbound', guid: 'i1'}, {kind: 'deleted', what: 'service instance', name: 'cpi-inbound', guid: 'i1'}]},
    }));
    const checklist = buildChecklist(state, [], {}, now);
    const item = checklist.items.find(i => i.title.startsWith('Service instance'))!;
    expect(item.status).not.toBe('verified');
    expect(item.title).toContain('removed again');
    expect(checklist.cleanup).toEqual([]);
    expect(exitCodeOfOutcome(checklist.outcome)).toBe(1);
  });

  it('only verified and done carry a check mark', () => {
    const checklist = buildChecklist(finished(s => ({...s, facts: {...s.facts, instance: instance('sent'), key}})), [], {}, now);
    for (const line of renderChecklistText(checklist).split('\n').filter(l => l.startsWith('✔'))) expect(line).toMatch(/^✔ (verified|done|Setup complete)/);
  });

  it('a cancelled run exits 130', () => {
    const checklist = buildChecklist(finished(s => ({...s, status: 'cancelled'})), [], {}, now);
    expect(checklist.outcome).toBe('cancelled');
    expect(exitCodeOfOutcome(checklist.outcome)).toBe(130);
  });
});

describe('cleanup after a failed leftover was replaced', () => {
  it('offers the new instance for removal although a delete of its name was recorded earlier', () => {
    const state = finished(s => ({
      ...s,
      status: 'failed',
      error: {code: 'x', message: 'Key creation failed', fix: []},
      facts: {
        ...s.facts,
        instance: instance('stored'),
        actions: [
          {kind: 'deleted', what: 'service instance', name: 'cpi-inbound', guid: 'old', note: 'its creation had failed (found by this run)'},
          {kind: 'created', what: 'service instance', name: 'cpi-inbound', guid: 'i1'},
        ],
      },
    }));
    const checklist = buildChecklist(state, [], {}, now);
    expect(checklist.cleanup).toEqual(['cf delete-service cpi-inbound -f']);
    expect(checklist.items.find(i => i.title.startsWith('Service instance'))?.title).not.toContain('removed again');
  });
});
