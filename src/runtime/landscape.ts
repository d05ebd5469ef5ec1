/**
 * The cf a command drives: the user's own, or the stand-in of the embedded demo landscape,
 * which is stopped when the run ends (every ending, Ctrl+C included).
 */
import {createCfAdapter} from '../cf/adapter.js';
import type {DemoLandscape} from '../demo/landscape.js';
import type {CfPort} from '../ports.js';
import {timeoutsFromEnv} from '../timeouts.js';
import type {Run} from './command.js';

/** The demo home (CPI_MTLS_DEMO_HOME) and the bound of a cf call (CPI_MTLS_CF_TIMEOUT_MS) come from `env`. */
export async function cfForRun(run: Run, env: NodeJS.ProcessEnv, options: {demo?: string; cf?: string; dryRun?: boolean}): Promise<{cf: CfPort; landscape?: DemoLandscape}> {
  const {cfTimeoutMs} = timeoutsFromEnv(env);
  let landscape: DemoLandscape | undefined;
  if (options.demo) {
    const {startDemoLandscape} = await import('../demo/landscape.js');
    landscape = await startDemoLandscape({scenario: options.demo, home: env.CPI_MTLS_DEMO_HOME || undefined});
    run.onCleanup(() => landscape?.stop());
  }
  const cf = createCfAdapter({binary: options.cf, env: landscape?.cfEnv, dryRun: options.dryRun, defaultTimeoutMs: cfTimeoutMs});
  return {cf, landscape};
}
