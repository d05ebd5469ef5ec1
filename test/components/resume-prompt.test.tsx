import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {ResumePrompt} from '../../components/ResumePrompt.js';
import {KEY, renderUi} from '../helpers/ink.js';

afterEach(() => cleanup());

const props = {resumeTitle: 'Creating the service key', description: 'org acme / space dev, Option 1, stopped 5 minutes ago', progressFile: '/out/progress.json', passwordNotSaved: true};

describe('ResumePrompt', () => {
  it('names the saved run and resumes on Enter', async () => {
    const onChoice = vi.fn();
    const ui = renderUi(<ResumePrompt {...props} onChoice={onChoice} />);
    await ui.waitForFrame('Resume at "Creating the service key"');
    expect(ui.lastFrame()).toContain('org acme / space dev');
    expect(ui.lastFrame()).toContain('The PKCS#12 password was not saved');
    await ui.press(KEY.enter);
    expect(onChoice).toHaveBeenCalledWith('resume');
  });

  it('starts a new run after moving down, and quits on Ctrl+C', async () => {
    const onChoice = vi.fn();
    const ui = renderUi(<ResumePrompt {...props} passwordNotSaved={false} onChoice={onChoice} />);
    await ui.waitForFrame('Start a new run');
    expect(ui.lastFrame()).not.toContain('PKCS#12');
    await ui.press(KEY.down);
    await ui.press(KEY.enter);
    expect(onChoice).toHaveBeenLastCalledWith('new');
    cleanup();
    const quit = vi.fn();
    const ui2 = renderUi(<ResumePrompt {...props} onChoice={quit} />);
    await ui2.waitForFrame('Resume it?');
    await ui2.press(KEY.ctrlC);
    expect(quit).toHaveBeenCalledWith('quit');
  });
});
