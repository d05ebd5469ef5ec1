import React from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {Panels} from '../../components/PanelView.js';
import {splitBoxed} from '../../components/wrap.js';
import {renderAtColumns} from './render-columns.js';

// Long tokens are copied out of the terminal: a border or a line break inside one breaks the copy.

afterEach(() => cleanup());

const fingerprint = Array.from({length: 32}, (_, i) => (i * 7 + 11).toString(16).padStart(2, '0').toUpperCase().slice(-2)).join(':').slice(0, 95);
const json = JSON.stringify({certificate: 'x'.repeat(60), subject: 'CN=s4hana-sender, O=ACME Corp, C=DE'}).padEnd(120, ' ').trimEnd();

describe('splitBoxed', () => {
  it('keeps lines whose words fit inside, and moves a line with a longer token below the box', () => {
    expect(splitBoxed(['Fingerprint (SHA-256):', fingerprint, 'Short words wrap inside the box.'], 77)).toEqual({
      boxed: ['Fingerprint (SHA-256):', 'Short words wrap inside the box.'],
      raw: [fingerprint],
    });
  });
});

describe('Panels at 80 columns', () => {
  it('show a 95-character fingerprint and a 120-character JSON unbroken, each on one line of the frame', async () => {
    expect(fingerprint).toHaveLength(95);
    expect(json.length).toBeGreaterThanOrEqual(120);
    const ui = renderAtColumns(
      <Panels panels={[{tone: 'info', title: 'Certificate in the service key', lines: ['It matches the file you gave.', `SHA-256 ${fingerprint}`, json, 'Everything else wraps at word boundaries inside the box, as before, however long the sentence is.']}]} />,
      80,
    );
    for (let i = 0; i < 20 && !ui.lastFrame().includes('as before'); i++) await new Promise(resolve => setTimeout(resolve, 10));
    const rows = ui.lastFrame().split('\n');
    expect(rows.some(row => row.includes(fingerprint))).toBe(true);
    expect(rows.some(row => row.includes(json))).toBe(true);
    // Inside the box every row fits the screen.
    for (const row of rows.filter(row => /^[│╭╰]/.test(row))) expect(Array.from(row).length).toBeLessThanOrEqual(80);
    expect(rows.find(row => row.includes(fingerprint))).not.toMatch(/│/);
    ui.unmount();
  });
});
