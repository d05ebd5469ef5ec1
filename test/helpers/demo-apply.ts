import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {CLI} from './pty.js';

/** A headless Option 1 setup on a demo landscape of its own (dir/land), outputs in dir/out. */
export async function applyDemoOption1(dir: string, extraPlan = '') {
  const home = path.join(dir, 'land');
  const out = path.join(dir, 'out');
  const plan = path.join(dir, 'plan.yaml');
  await writeFile(
    plan,
    `version: 1
option: role-based
role: ESBMessaging.send
instance: {name: cpi-inbound-mtls}
certificate: {source: external, file: ${home}/customer-files/s4hana-sender.chain.pem}
key: {name: s4hana-sender}
liveTest: {run: true, path: /http/demo/orders, privateKeyFile: ${home}/customer-files/s4hana-sender.key.pem}
output: ${out}
${extraPlan}`,
  );
  const env = {...process.env, CPI_MTLS_DEMO_HOME: home};
  delete (env as Record<string, string | undefined>).CI;
  const run = await execa(process.execPath, [CLI, 'apply', '--plan', plan, '--demo'], {reject: false, env, stdin: 'ignore'});
  return {home, out, run};
}
