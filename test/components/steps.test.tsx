import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {ConfirmStep} from '../../components/ConfirmStep.js';
import {EffectStep} from '../../components/EffectStep.js';
import {Panels} from '../../components/PanelView.js';
import {SelectStep} from '../../components/SelectStep.js';
import {TextStep} from '../../components/TextStep.js';
import {TrailLine} from '../../components/Trail.js';
import {trailChange} from '../../flows/common.js';
import {Header} from '../../components/Header.js';
import {KEY, renderUi} from '../helpers/ink.js';

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

  it('masks passwords', async () => {
    const ui = renderUi(<TextStep prompt="Password" initial="secret" mask isActive onSubmit={() => null} />);
    await ui.waitForFrame('******');
    expect(ui.lastFrame()).not.toContain('secret');
  });
});

describe('ConfirmStep', () => {
  it('answers yes by default and no after moving down', async () => {
    const onSubmit = vi.fn();
    const ui = renderUi(<ConfirmStep prompt="Create the service instance here?" isActive onSubmit={onSubmit} />);
    await ui.waitForFrame('Yes');
    await ui.press(KEY.enter);
    expect(onSubmit).toHaveBeenLastCalledWith(true);
    cleanup();
    const ui2 = renderUi(<ConfirmStep prompt="Again?" isActive onSubmit={onSubmit} />);
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
