import React from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {renderToString} from 'ink';
import {landscapeModel} from '../../flows/diagram.js';
import {LandscapeDiagram, layoutLandscape, lineText} from '../../components/LandscapeDiagram.js';
import {atCertificateReview, atProbeResult} from '../flows/diagram-fixtures.js';
import {renderUi} from '../helpers/ink.js';

afterEach(() => cleanup());

const lines = (frame: string) => frame.split('\n');
const width = (line: string) => Array.from(line).length;

describe('LandscapeDiagram at 100 columns', () => {
  it('draws the four stations as boxes and marks the failed one', async () => {
    const ui = renderUi(<LandscapeDiagram model={landscapeModel(atProbeResult('forbidden', 403))} columns={100} />);
    await ui.waitForFrame('Service instance cpi-inbound-mtls');
    const frame = ui.lastFrame()!;
    for (const title of ['✔ Sender system', '✔ SAP load balancer', 'Cloud Integration', '✖ Service instance cpi-inbound-mtls']) expect(frame).toContain(title);
    expect(frame).toContain('✖ role ESBMessaging.send');
    expect(frame).toContain('✔ key s4hana-sender-2027-11');
    expect(frame).toMatch(/╭─ ✔ Sender system ─+╮/);
    expect(frame).toContain('───────▶');
    expect(frame).toContain('┬');
    expect(frame).toContain('┴');
    expect(lines(frame).length).toBeLessThanOrEqual(12);
    for (const line of lines(frame)) expect(width(line)).toBeLessThanOrEqual(100);
  });

  it('puts ✖ on the arrow into the load balancer when the handshake is rejected', async () => {
    const ui = renderUi(<LandscapeDiagram model={landscapeModel(atProbeResult('handshake-rejected'))} columns={100} />);
    await ui.waitForFrame('SAP load balancer');
    const frame = ui.lastFrame()!;
    expect(frame).toContain('✖ SAP load balancer');
    expect(frame).toContain('✖ TLS handshake');
    expect(frame).toMatch(/─+✖─+▶/);
    expect(frame).toContain('✖ The load balancer rejected the TLS handshake');
  });
});

describe('LandscapeDiagram at 80 columns', () => {
  it('fits 80 columns with short titles, every line inside the width', () => {
    const frame = renderToString(<LandscapeDiagram model={landscapeModel(atProbeResult('not-found', 404))} columns={80} />, {columns: 80});
    expect(frame).toContain('✔ Sender system');
    expect(frame).toContain('Load balancer');
    expect(frame).toContain('✖ CPI runtime');
    expect(frame).toContain('✖ iflow /http/ord…'); // long names are cut, never wrapped
    expect(frame).toContain('✖ HTTP 404: no deployed iflow at this path.');
    expect(lines(frame).length).toBeLessThanOrEqual(12);
    for (const line of lines(frame)) expect(width(line)).toBeLessThanOrEqual(80);
  });

  it('the boxes line up: every row of the drawing is equally wide', () => {
    for (const columns of [80, 90, 100, 140]) {
      const drawn = layoutLandscape(landscapeModel(atCertificateReview()), columns).slice(1).map(lineText);
      const widths = new Set(drawn.map(width));
      expect(widths).toEqual(new Set([Math.min(columns, 100)]));
    }
  });
});

describe('LandscapeDiagram layout', () => {
  it('colours the whole border of the failed part, and only that part', () => {
    const [, top] = layoutLandscape(landscapeModel(atProbeResult('handshake-rejected')), 100);
    const borders = top.filter(segment => segment.text.includes('╭'));
    expect(borders.map(segment => segment.status)).toEqual(['ok', 'failed', 'unknown']);
  });

  it('falls back to one line per part below 72 columns, or when asked to be compact', () => {
    const model = landscapeModel(atProbeResult('unauthorized', 401));
    const compact = layoutLandscape(model, 100, true);
    expect(compact).toHaveLength(5);
    expect(lineText(compact[4])).toBe('✖ Service instance cpi-inbound-mtls: ✔ role ESBMessaging.send ✖ key s4hana-sender-2027-11');
    const narrow = layoutLandscape(model, 60);
    expect(narrow).toHaveLength(5);
    expect(lineText(narrow[4])).toMatch(/^✖ Service instance cpi-inbound-mtls: ✔ role ESBMessaging\.se…$/);
    for (const line of layoutLandscape(model, 60)) expect(width(lineText(line))).toBeLessThanOrEqual(60);
  });
});
