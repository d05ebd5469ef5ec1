import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {renderToString} from 'ink';
import {App} from '../../components/App.js';
import {ExplainPanel, explainPanelHeight} from '../../components/ExplainPanel.js';
import {wrapWords} from '../../components/wrap.js';
import {FinalView} from '../../components/FinalView.js';
import {landscapeModel} from '../../flows/diagram.js';
import {EXPLANATIONS, explanationFor} from '../../flows/explain.js';
import {setupFlow} from '../../flows/setup.js';
import type {FlowState} from '../../flows/types.js';
import type {Checklist} from '../../src/checklist.js';
import {FlowRunner} from '../../src/engine/runner.js';
import {atCertificateReview, atProbeResult} from '../flows/diagram-fixtures.js';
import {KEY, renderUi} from '../helpers/ink.js';
import {renderAtColumns} from './render-columns.js';

afterEach(() => cleanup());

const width = (line: string) => Array.from(line).length;

describe('explanations (flows/explain.ts)', () => {
  it('every step of the setup flow has one: 2-4 short lines of why, and what it replaces', () => {
    const missing = Object.keys(setupFlow.steps).filter(id => !explanationFor(id));
    expect(missing).toEqual([]);
    for (const [id, explanation] of Object.entries(EXPLANATIONS)) {
      expect(explanation.why.length, id).toBeGreaterThanOrEqual(2);
      expect(explanation.why.length, id).toBeLessThanOrEqual(4);
      // Whole sentences only: the renderer wraps, a break inside a sentence would show as a ragged edge.
      for (const line of explanation.why) expect(line, id).toMatch(/^[^\n]*[.!?]$/);
      for (const line of explanation.why) expect(width(line), `${id}: ${line}`).toBeLessThanOrEqual(90);
      expect(explanation.replaces.length, id).toBeGreaterThanOrEqual(1);
    }
  });

  it('names the SAP screens and documents the steps replace', () => {
    expect(explanationFor('create-instance')?.replaces).toEqual([
      'BTP cockpit → Instances and Subscriptions → Create (Process Integration Runtime)',
      'SAP Help: Creating Service Instance and Service Key for Inbound Authentication',
    ]);
    expect(explanationFor('custom-role')?.replaces[0]).toBe('Integration Suite → Monitor → Manage Security → User Roles → Add');
    expect(explanationFor('live-test')?.replaces).toContain('Connectivity Test (TLS)');
    expect(explanationFor('no-such-step')).toBeUndefined();
    expect(explanationFor('toString')).toBeUndefined();
  });
});

describe('ExplainPanel', () => {
  const explanation = EXPLANATIONS['create-instance'];

  it('side: a framed column with why and what it replaces, wrapped on word boundaries', async () => {
    const ui = renderUi(<ExplainPanel explanation={explanation} layout="side" width={36} />);
    await ui.waitForFrame('Replaces');
    const frame = ui.lastFrame()!;
    const rows = frame.split('\n');
    expect(rows[1]).toMatch(/^│ Why this matters +│$/);
    expect(frame).toContain('• BTP cockpit → Instances and');
    expect(frame).toContain('Process Integration Runtime)');
    for (const row of rows) expect(width(row)).toBe(36);
    // No line of text starts with the blank Ink leaves at a wrap.
    for (const row of rows.slice(1, -1)) expect(row).not.toMatch(/^│  [^ ]/);
    expect(rows).toHaveLength(explainPanelHeight(explanation, 'side', 36));
  });

  it('below at 80 columns: a rule, the why lines and one Replaces line', () => {
    const frame = renderToString(<ExplainPanel explanation={explanation} layout="below" width={80} />, {columns: 80});
    const rows = frame.split('\n');
    expect(rows[1]).toMatch(/^── Why this matters ─+$/);
    expect(rows[2]).toBe(explanation.why[0]);
    expect(frame).toContain('Replaces: BTP cockpit → Instances and Subscriptions → Create');
    for (const row of rows) expect(width(row)).toBeLessThanOrEqual(80);
    expect(rows).toHaveLength(explainPanelHeight(explanation, 'below', 80));
  });

  it('wrapWords keeps words whole, even a word longer than the line', () => {
    expect(wrapWords('Only the leaf goes into the service key.', 16)).toEqual(['Only the leaf', 'goes into the', 'service key.']);
    expect(wrapWords('see /a/very/long/path/name', 8)).toEqual(['see', '/a/very/long/path/name']);
  });
});

function appFor(state: FlowState, explain: boolean) {
  const runner = new FlowRunner(setupFlow, state, async () => {
    throw new Error('no effects in this test');
  });
  const checklist: Checklist = {title: 't', generatedAt: '', outcome: 'complete', option: 'Option 1', items: [], created: [], cleanup: [], commands: [], files: {}};
  return {runner, tree: <App runner={runner} checklistOf={() => checklist} explain={explain} onExit={() => undefined} animate={false} />};
}

describe('App in workshop mode', () => {
  it('at 100 columns shows the explanation beside the question and the drawing below; keys still answer', async () => {
    const {runner, tree} = appFor(atCertificateReview(), true);
    const ui = renderUi(tree);
    await ui.waitForFrame('Why this matters');
    const frame = ui.lastFrame()!;
    // Side by side: the question's first panel and the explanation share a row.
    expect(frame.split('\n').some(row => row.includes('Client certificate (the leaf') && row.includes('Why this matters'))).toBe(true);
    expect(frame).toContain('SAP Help: Load Balancer Root');
    expect(frame).toContain('╭─ ○ Sender system');
    expect(frame).toContain('○ The certificate');
    for (const row of frame.split('\n')) expect(width(row)).toBeLessThanOrEqual(100);
    await ui.press(KEY.down);
    await ui.press(KEY.enter);
    expect(runner.state.step).toBe('certificate-path');
    await ui.waitForFrame('Path to the certificate file');
    // A text question keeps the full width: its long default never wraps the prompt. Another
    // file is asked for, so the field starts empty.
    expect(ui.lastFrame()).toMatch(/^\? Path to the certificate file\s*$/m);
    expect(ui.lastFrame()).toMatch(/^›\s*$/m);
    await ui.press(KEY.esc);
    expect(runner.state.step).toBe('certificate-review');
  });

  it('at 80 columns puts the explanation below the question', async () => {
    const {tree} = appFor(atProbeResult('forbidden', 403), true);
    const ui = renderAtColumns(tree, 80);
    const deadline = Date.now() + 3000;
    while (!ui.lastFrame().includes('Why this matters') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5));
    const frame = ui.lastFrame();
    ui.unmount();
    expect(frame).toMatch(/^── Why this matters ─+$/m);
    expect(frame).toContain('✖ Service instance cpi-inbound-mtls');
    for (const row of frame.split('\n')) expect(width(row)).toBeLessThanOrEqual(80);
    // The live area stays inside the 45-row terminal with room to spare.
    expect(frame.trimEnd().split('\n').length).toBeLessThanOrEqual(42);
  });

  it('follows a resize from 100 to 80 columns', async () => {
    const {tree} = appFor(atCertificateReview(), true);
    const ui = renderAtColumns(tree, 100);
    const until = async (test: (frame: string) => boolean) => {
      const deadline = Date.now() + 3000;
      while (!test(ui.lastFrame()) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5));
      return ui.lastFrame();
    };
    expect(await until(frame => frame.includes('│ Why this matters'))).toContain('│ Why this matters');
    ui.resize(80);
    expect(await until(frame => frame.includes('── Why this matters'))).toContain('── Why this matters');
    ui.unmount();
  });

  it('without --explain shows neither the explanation nor the drawing', async () => {
    const {tree} = appFor(atProbeResult('forbidden', 403), false);
    const ui = renderUi(tree);
    await ui.waitForFrame('Run the test again');
    expect(ui.lastFrame()).not.toContain('Why this matters');
    expect(ui.lastFrame()).not.toContain('Sender system');
  });

  it('shows no explanation for steps it has no text for', async () => {
    const state = {...atCertificateReview(), step: 'not-a-setup-step'};
    const flow = {...setupFlow, steps: {...setupFlow.steps, 'not-a-setup-step': {...setupFlow.steps['certificate-review'], id: 'not-a-setup-step'}}};
    const runner = new FlowRunner(flow, state, async () => ({}));
    const ui = renderUi(<App runner={runner} checklistOf={() => ({}) as Checklist} explain onExit={() => undefined} animate={false} />);
    await ui.waitForFrame('Continue?');
    expect(ui.lastFrame()).not.toContain('Why this matters');
  });
});

describe('App keeps finished steps in the scrollback', () => {
  const count = (text: string, part: string) => text.split(part).length - 1;

  it('prints each answer once above the live step; Back prints where it returned to', async () => {
    const {runner, tree} = appFor(atCertificateReview(), false);
    const ui = renderUi(tree);
    await ui.waitForFrame('Continue?');
    await ui.press(KEY.down);
    await ui.press(KEY.enter);
    await ui.waitForFrame('Path to the certificate file');
    const answered = `› ${runner.state.trail.at(-1)!.summary}`;
    // Printed lines come before the live header: the debug frame is every printed line, then the live area.
    expect(ui.lastFrame()!.indexOf(answered)).toBeLessThan(ui.lastFrame()!.indexOf('· Step'));
    await ui.press(KEY.esc);
    await ui.waitForFrame('↩ back to: Certificate check');
    await ui.waitForFrame('Continue?');
    const frame = ui.lastFrame()!;
    expect(count(frame, answered)).toBe(1);
    expect(count(frame, '↩ back to: Certificate check')).toBe(1);
    expect(frame.indexOf(answered)).toBeLessThan(frame.indexOf('↩ back to'));
  });
});

describe('FinalView', () => {
  const checklist: Checklist = {
    title: 'Checklist',
    generatedAt: '2026-11-26',
    outcome: 'failed',
    option: 'Option 1',
    items: [{status: 'failed', title: 'Live test https://tenant/http/orders', details: []}],
    created: [],
    cleanup: [],
    commands: [],
    files: {},
  };

  it('draws the landscape with the failed part when given one', async () => {
    const ui = renderUi(<FinalView checklist={checklist} files={{}} landscape={landscapeModel({...atProbeResult('unauthorized', 401), status: 'failed', step: 'done'})} columns={100} />);
    await ui.waitForFrame('Not complete');
    expect(ui.lastFrame()).toContain('✖ Service instance cpi-inbound-mtls');
    expect(ui.lastFrame()).toContain('✖ key s4hana-sender-2027-11');
    expect(ui.lastFrame()).toContain('✖ Live test');
  });

  it('App shows it at the end even without --explain when the live test failed', async () => {
    const {tree} = appFor({...atProbeResult('not-found', 404), step: 'done', status: 'failed'}, false);
    const ui = renderUi(tree);
    await ui.waitForFrame('✖ Cloud Integration');
    expect(ui.lastFrame()).toContain('✖ HTTP 404');
  });
});

describe('no needless redraws', () => {
  it('while a step runs, the spinner is the only timer; with animation off there is none', async () => {
    for (const animate of [true, false]) {
      const state: FlowState = {...atCertificateReview(), step: 'create-key', answers: {...atCertificateReview().answers, keyName: 'k'}};
      // The effect never finishes: the view stays on the running step.
      const runner = new FlowRunner(setupFlow, state, () => new Promise(() => undefined));
      vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval']});
      try {
        const ui = renderUi(<App runner={runner} checklistOf={() => ({}) as Checklist} explain onExit={() => undefined} animate={animate} />);
        const deadline = Date.now() + 3000;
        while (!(ui.lastFrame() ?? '').includes('Creating the service key') && Date.now() < deadline) await new Promise(resolve => setImmediate(resolve));
        expect(ui.lastFrame()).toContain('Why this matters');
        expect(vi.getTimerCount()).toBe(animate ? 1 : 0);
        cleanup();
      } finally {
        vi.useRealTimers();
      }
    }
  });
});
