import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KEYS, spawnCli} from '../helpers/pty.js';
import {emulator} from '../helpers/terminal.js';

// The demo's happy path in an 80x24 terminal, replayed into a terminal emulator: afterwards the
// shell's earlier output, every answered step and the whole final screen can still be scrolled to.
// A workshop-sized terminal shows the teaching texts and the drawing, and must not overflow either.
// CPI_MTLS_SCREEN_CAPTURE=<file> writes the last 80x24 screen to that file (the README's capture).
// Ink's clearTerminal (erase screen, erase scrollback, home), and a full reset: sent when a frame
// reaches the terminal height (node_modules/ink/build/ink.js, lastOutputHeight >= rows).
const CLEARS = ['\u001B[2J', '\u001B[3J', '\u001Bc'];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-scrollback-'));
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('cpi-mtls --demo in a small terminal', () => {
  it.each([
    {cols: 80, rows: 24, teaching: false},
    {cols: 100, rows: 34, teaching: true},
  ])('$cols x $rows keeps the earlier shell output, every answered step and the whole final screen in the scrollback', async ({cols, rows, teaching}) => {
    const home = path.join(dir, `${cols}x${rows}`);
    const term = emulator(cols, rows);
    term.write('$ echo MARKER-BEFORE-RUN\r\nMARKER-BEFORE-RUN\r\n$ cpi-mtls --demo\r\n');
    const cli = spawnCli(['--demo', '--out', path.join(home, 'out')], {env: {CPI_MTLS_DEMO_HOME: path.join(home, 'landscape')}, cols, rows});
    let raw = '';
    cli.term.onData(data => {
      raw += data;
      term.write(data);
    });

    // Each question of the happy path, answered with its default (Enter).
    const questions = [
      'Create the service instance and keys in this org and space?',
      'How should Cloud Integration authorize the sender?',
      'Which role does the sender channel check?',
      'Service instance name',
      'Which client certificate will the sender use?',
      'Path to the certificate file',
      'All certificate checks passed',
      'Service key name',
      'Run the live connectivity test after the key is created?',
      'Path to the private key',
      'Check the tenant through its API?',
      'Which endpoint should the live test call?',
      'HTTP 200',
      'Write a PKCS#12 for the sender system?',
      'Save the answers as plan.yaml in the output folder?',
    ];
    for (const question of questions) {
      await cli.waitFor(question, 60_000);
      cli.send(KEYS.enter);
    }
    await cli.waitFor('Setup complete', 60_000);
    expect((await cli.exited).exitCode).toBe(0);

    const buffer = await term.buffer();
    const text = buffer.join('\n');
    // (c) No frame reached the terminal height: Ink never cleared the screen and the scrollback.
    for (const clear of CLEARS) expect(raw.includes(clear), `output contains ${JSON.stringify(clear)}`).toBe(false);
    // (a) What the shell printed before the run is still there.
    expect(buffer).toContain('MARKER-BEFORE-RUN');
    // (b) Every answer is printed once as a finished step ("› Title: answer").
    const answers = buffer.filter(line => line.startsWith('› '));
    const summaries = ['Target: demo-customer', 'Option 1', 'Role: ESBMessaging.send', 'Instance name: cpi-inbound-mtls', 'Certificate: external file', 'Certificate file:', 'Certificate s4hana-sender (pass) accepted', 'Key name:', 'Live test: after the key is created', 'Private key:', 'Tenant checks: through the API', 'Endpoint from the tenant:', 'Live test reviewed', 'PKCS#12 for the sender', 'Answers saved as a plan file'];
    expect(summaries).toHaveLength(questions.length);
    for (const summary of summaries) expect(answers.filter(line => line.startsWith(`› ${summary}`)), `${summary} in\n${answers.join('\n')}`).toHaveLength(1);
    expect(answers).toHaveLength(questions.length);
    // Every live frame was erased cleanly: no step header was left behind in the scrollback.
    expect(text).not.toMatch(/· Step \d+\/\d+ ·/);
    // (d) The final screen is printed whole, the drawing of the landscape too, and ends with its next step.
    const {nextStep} = JSON.parse(await readFile(path.join(home, 'out/checklist.json'), 'utf8'));
    expect(nextStep).toMatch(/^Next: send checklist\.md to the customer/);
    // Wrapped at 80 columns: compared without the line breaks.
    const squeeze = (t: string) => t.replace(/\s+/g, '');
    expect(squeeze(text).endsWith(squeeze(nextStep)), text.slice(-400)).toBe(true);
    expect(text.indexOf('Setup complete')).toBeGreaterThan(text.indexOf('MARKER-BEFORE-RUN'));
    // The output folder is named once; each file is relative to it, so no path breaks across rows.
    expect(text).toContain(`Files in ${path.join(home, 'out')}:`);
    expect(text).toMatch(/^ {2}This checklist: checklist\.md\s*$/m);
    expect(text.indexOf('Sender system')).toBeGreaterThan(text.indexOf('Setup complete'));

    // Below 32 rows the teaching texts are left out; above, they are shown where they fit.
    expect(raw.includes('Why this matters')).toBe(teaching);

    const screen = await term.screen();
    if (process.env.CPI_MTLS_SCREEN_CAPTURE && cols === 80 && rows === 24) await writeFile(process.env.CPI_MTLS_SCREEN_CAPTURE, screen.map(line => line.trimEnd()).join('\n').trimEnd() + '\n');
  }, 240_000);
});
