import React from 'react';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {cleanup, render} from 'ink-testing-library';
import {EffectStep} from '../../components/EffectStep.js';
import {Panels} from '../../components/PanelView.js';
import {SelectStep} from '../../components/SelectStep.js';
import {TextStep} from '../../components/TextStep.js';
import {TrailLine} from '../../components/Trail.js';
import {trailChange} from '../../flows/common.js';
import {Header} from '../../components/Header.js';
import {Footer} from '../../components/Footer.js';
import {QuestionView} from '../../components/QuestionView.js';
import {completePath} from '../../src/paths/complete.js';
import {KEY, renderUi, settle} from '../helpers/ink.js';

afterEach(() => cleanup());

describe('SelectStep', () => {
  it('shows choices with hints, moves with arrows and submits the highlighted value', async () => {
    const onSubmit = vi.fn();
    const ui = renderUi(
      <SelectStep
        prompt="How should Cloud Integration authorize the sender?"
        isActive
        choices={[
          {value: 'role-based', label: 'Option 1', hint: 'recommended'},
          {value: 'certificate-in-iflow', label: 'Option 2'},
        ]}
        onSubmit={onSubmit}
      />,
    );
    await ui.waitForFrame('Option 2');
    expect(ui.lastFrame()).toContain('recommended');
    expect(ui.lastFrame()).toMatch(/❯ Option 1/); // the pointer keeps a space before the label
    await ui.press(KEY.down);
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenCalledWith('certificate-in-iflow');
  });

  it('starts on the initial choice', async () => {
    const onSubmit = vi.fn();
    const ui = renderUi(<SelectStep prompt="Role" isActive initial="custom" choices={[{value: 'ESBMessaging.send', label: 'ESBMessaging.send'}, {value: 'custom', label: 'A custom role'}]} onSubmit={onSubmit} />);
    await ui.waitForFrame('A custom role');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenCalledWith('custom');
  });

  it('ignores keys when not active', async () => {
    const onSubmit = vi.fn();
    const ui = renderUi(<SelectStep prompt="Role" isActive={false} choices={[{value: 'a', label: 'A'}]} onSubmit={onSubmit} />);
    await ui.waitForFrame('A');
    await ui.press(KEY.enter);
    expect(onSubmit).not.toHaveBeenCalled();
  });
});

describe('TextStep', () => {
  it('submits the default, and shows a refusal without losing the text', async () => {
    const onSubmit = vi.fn((value: string) => (value.includes(' ') ? 'Use only letters, digits, ".", "_" and "-" (no spaces).' : null));
    const ui = renderUi(<TextStep prompt="Service instance name" initial="cpi inbound" isActive onSubmit={onSubmit} />);
    await ui.waitForFrame('cpi inbound');
    await ui.press(KEY.enter);
    await ui.waitForFrame('no spaces');
    expect(ui.lastFrame()).toContain('cpi inbound');
    expect(onSubmit).toHaveBeenLastCalledWith('cpi inbound');
  });

  it('edits with backspace (reported as delete by Ink 6) and typing', async () => {
    const onSubmit = vi.fn(() => null);
    const ui = renderUi(<TextStep prompt="Role name" initial="Orders.sendX" isActive onSubmit={onSubmit} />);
    await ui.waitForFrame('Orders.sendX');
    await ui.press(KEY.backspace);
    await ui.press('2');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith('Orders.send2');
  });

  it('applies every key of one write, so fast typing loses nothing', async () => {
    const onSubmit = vi.fn(() => null);
    const ui = renderUi(<TextStep prompt="Role name" initial="Orders.sendX" isActive onSubmit={onSubmit} />);
    await ui.waitForFrame('Orders.sendX');
    ui.stdin.write('\x7f\x7f\x7f\x7f\x7fReceive');
    await ui.waitForFrame('› Orders.Receive');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith('Orders.Receive');
  });

  it('edits like a shell: Ctrl+W/K/U/A/E, Alt+B/F', async () => {
    const onSubmit = vi.fn(() => null);
    const ui = renderUi(<TextStep prompt="Path" initial="/home/me/cert.pem" isActive onSubmit={onSubmit} />);
    await ui.waitForFrame('/home/me/cert.pem');
    // Ctrl+W cuts "cert.pem", Alt+B goes before "me", Ctrl+K cuts "me/", Ctrl+A, Alt+F, Ctrl+E.
    ui.stdin.write('\x17\x1bb\x0byou\x01\x1bfX\x05/a.pem');
    await ui.waitForFrame('› /homeX/you/a.pem');
    ui.stdin.write('\x15new');
    await ui.waitForFrame(/› new\s*$/m);
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith('new');
  });

  it('keeps a refusal on screen until the text changes', async () => {
    const ui = renderUi(<TextStep prompt="Key name" initial="a b" isActive onSubmit={value => (value.includes(' ') ? 'No spaces.' : null)} />);
    await ui.waitForFrame('a b');
    await ui.press(KEY.enter, 'No spaces.');
    await ui.press(KEY.backspace, /› a\s*$/m);
    expect(ui.lastFrame()).not.toContain('No spaces.');
  });

  it('masks passwords', async () => {
    const ui = renderUi(<TextStep prompt="Password" initial="secret" mask isActive onSubmit={() => null} />);
    await ui.waitForFrame('******');
    expect(ui.lastFrame()).not.toContain('secret');
  });
});

describe('path fields', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'text-step-'));
    await mkdir(path.join(dir, 'customer-files'));
    for (const name of ['s4hana-sender.chain.pem', 's4hana-sender.crt.pem', 's4hana-sender.key.pem', 'root-ca.pem']) await writeFile(path.join(dir, 'customer-files', name), '');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dir, {recursive: true, force: true});
  });

  it('completes with Tab: a folder, the common prefix with the candidates below, then the file', async () => {
    const onSubmit = vi.fn(() => null);
    const folder = path.join(dir, 'customer-files') + path.sep;
    const ui = renderUi(<TextStep prompt="Path to the certificate file" initial={path.join(dir, 'cust')} isActive complete={completePath} onSubmit={onSubmit} />);
    await ui.waitForFrame('cust');
    await ui.press(KEY.tab, `› ${folder}`);
    await ui.press('s4\t', `› ${folder}s4hana-sender.`);
    await ui.waitForFrame('s4hana-sender.chain.pem  s4hana-sender.crt.pem  s4hana-sender.key.pem');
    await ui.press('ch\t', `› ${folder}s4hana-sender.chain.pem`);
    expect(ui.lastFrame()).not.toContain('s4hana-sender.crt.pem');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith(`${folder}s4hana-sender.chain.pem`);
  });

  it('shows ~ as typed and answers with the home folder in its place', async () => {
    vi.stubEnv('HOME', dir);
    vi.stubEnv('USERPROFILE', dir);
    const onAnswer = vi.fn(() => null);
    const ui = renderUi(<QuestionView question={{type: 'text', prompt: 'Path to the private key (PEM)', initial: '~/cu', completion: 'path'}} isActive onAnswer={onAnswer} />);
    await ui.waitForFrame('~/cu');
    await ui.press(KEY.tab, `› ~/customer-files${path.sep}`);
    await ui.press('ro\t', 'root-ca.pem');
    await ui.press(KEY.enter);
    expect(onAnswer).toHaveBeenLastCalledWith(path.join(dir, 'customer-files', 'root-ca.pem'));
  });

  it('does nothing on Tab in a field that is not a path', async () => {
    const ui = renderUi(<QuestionView question={{type: 'text', prompt: 'Instance name', initial: 'cpi'}} isActive onAnswer={() => null} />);
    await ui.waitForFrame('cpi');
    await ui.press(`${KEY.tab}-x`);
    expect(ui.lastFrame()).toMatch(/› cpi-x\s*$/m);
  });

  it('the footer names the keys of the field: no ↑↓ on text, Tab only where it completes', async () => {
    const text = renderUi(<Footer canGoBack running={false} question={{type: 'text', prompt: 'Path', completion: 'path'}} />);
    await text.waitForFrame('Enter confirm · Tab complete · Esc back · Ctrl+C quit');
    expect(text.lastFrame()).not.toContain('↑↓');
    cleanup();
    const name = renderUi(<Footer canGoBack={false} running={false} question={{type: 'text', prompt: 'Name'}} />);
    await name.waitForFrame('Enter confirm · Ctrl+C quit');
    cleanup();
    const list = renderUi(<Footer canGoBack={false} running={false} question={{type: 'select', prompt: 'Pick', choices: []}} />);
    await list.waitForFrame('↑↓ choose · Enter confirm');
  });
});

describe('QuestionView: a confirmation', () => {
  it('answers yes by default and no after moving down', async () => {
    const onSubmit = vi.fn();
    const ui = renderUi(<QuestionView question={{type: 'confirm', prompt: 'Create the service instance here?'}} isActive onAnswer={onSubmit} />);
    await ui.waitForFrame('Yes');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith(true);
    cleanup();
    const ui2 = renderUi(<QuestionView question={{type: 'confirm', prompt: 'Again?'}} isActive onAnswer={onSubmit} />);
    await ui2.waitForFrame('No');
    await ui2.press(KEY.down);
    await ui2.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith(false);
  });
});

describe('display components', () => {
  it('EffectStep names the running work', async () => {
    const ui = renderUi(<EffectStep title="Creating the service instance" animate={false} />);
    await ui.waitForFrame('Creating the service instance…');
  });

  it('EffectStep shows the elapsed seconds once a step runs longer than 3 s (on the spinner\'s tick), and restarts for the next step', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']});
    try {
      const ui = render(<EffectStep title="Creating the service key" />);
      const after = async (ms: number) => {
        vi.advanceTimersByTime(ms);
        await settle();
        vi.advanceTimersByTime(50); // Ink's throttled render of the last tick
        await settle();
        return ui.lastFrame() ?? '';
      };
      expect(await after(3000)).toMatch(/Creating the service key…$/m);
      expect(await after(9000)).toContain('Creating the service key… 12s');
      ui.rerender(<EffectStep title="Calling the endpoint" />);
      expect(await after(1000)).toMatch(/Calling the endpoint…$/m);
    } finally {
      vi.useRealTimers();
    }
  });

  it('Panels show title and every line', async () => {
    const ui = renderUi(<Panels panels={[{tone: 'error', title: 'This certificate is already in another service key', lines: ['• instance other, key old']}]} />);
    await ui.waitForFrame('already in another service key');
    expect(ui.lastFrame()).toContain('• instance other, key old');
  });

  it('TrailLine marks a finished step by its status: only verified and done get ✔', async () => {
    for (const [status, mark] of [['verified', '✔'], ['answer', '›'], ['failed', '✖'], [undefined, '✔']] as const) {
      const ui = renderUi(<TrailLine entry={{step: 's', summary: 'Role: ESBMessaging.send', status}} />);
      await ui.waitForFrame('Role');
      expect(ui.lastFrame()).toBe(`${mark} Role: ESBMessaging.send`);
      cleanup();
    }
  });

  it('trailChange: what to print after the trail grew, or after Back took lines away', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(step => ({step, summary: step}));
    expect(trailChange([], [a, b])).toEqual({dropped: 0, added: [a, b]});
    expect(trailChange([a, b], [a, b, c])).toEqual({dropped: 0, added: [c]});
    expect(trailChange([a, b], [a])).toEqual({dropped: 1, added: []});
    expect(trailChange([a, b], [a, c])).toEqual({dropped: 1, added: [c]});
    expect(trailChange([a], [a])).toEqual({dropped: 0, added: []});
  });

  it('Header shows phase and progress', async () => {
    const ui = renderUi(<Header index={3} total={7} phase="Service instance" option="Option 1" demo="happy" />);
    await ui.waitForFrame('Step 3/7');
    expect(ui.lastFrame()).toContain('[demo: happy]');
  });
});
