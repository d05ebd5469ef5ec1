/**
 * The cf a command drives: the user's own, or the stand-in of the embedded demo landscape,
 * which is stopped when the run ends (every ending, Ctrl+C included).
 */
import {createCfAdapter} from '../cf/adapter.js';
import type {DemoLandscape} from '../demo/landscape.js';
import type {CfPort} from '../ports.js';
import type {Run} from './command.js';

export async function cfForRun(run: Run, options: {demo?: string; cf?: string; home?: string; dryRun?: boolean; timeoutMs?: number}): Promise<{cf: CfPort; landscape?: DemoLandscape}> {
  let landscape: DemoLandscape | undefined;
  if (options.demo) {
    const {startDemoLandscape} = await import('../demo/landscape.js');
    landscape = await startDemoLandscape({scenario: options.demo, home: options.home || undefined});
    run.onCleanup(() => landscape?.stop());
  }
  const cf = createCfAdapter({binary: options.cf, env: landscape?.cfEnv, dryRun: options.dryRun, defaultTimeoutMs: options.timeoutMs});
  return {cf, landscape};
}
