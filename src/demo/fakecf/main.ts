/**
 * Entry point of the stand-in `cf` (cf v8 behaviour; see cf-cli.md §12). Installed on PATH by
 * `installFakeCf()`; used by the adapter tests and the offline demo landscape.
 *
 * Environment (stand-in only):
 *   CF_SIM_STATE    state file (default $CF_HOME/.cf/sim-state.json, CF_HOME falling back to HOME);
 *                   a missing file is seeded with the default demo landscape
 *   CF_SIM_VERSION  reported version; 7.x switches to the v7 output forms
 *   CF_SIM_SEED     deterministic GUIDs
 *   CF_SIM_POLL_MS  sleep per simulated poll under --wait (default 0)
 *   CF_SIM_FAULTS   JSON fault table, merged with `faults` in the state file
 *   CF_COLOR=true   colours OK/FAILED; CF_TRACE=true prints a fake REQUEST/RESPONSE block
 *
 * Faults: a table keyed by command name (`create-service`, `curl`, ...; `*` = every command),
 * each value one spec or an array of specs `{type, message?, ms?, once?}`:
 *   hang          the process never returns (the caller's timeout must end it)
 *   crash         panic-like dump on stderr, exit 2
 *   broker-error  the broker rejects the write synchronously: `Job (GUID) failed: provision
 *                 could not be completed: Service broker error: <message>` (bind/update/... alike)
 *   async-fail    the write goes asynchronous and its last operation ends `failed` with
 *                 <message> as description
 *   expire-login  the token counts as expired from this call on (until the next login)
 *   warn          <message> on stderr, the command still succeeds
 *   slow          waits `ms` milliseconds (default 2000) before running
 *   once          fire on the next matching call only (state faults are removed; env faults
 *                 are remembered in the state file)
 * Example: CF_SIM_FAULTS='{"create-service":{"type":"async-fail","message":"Quota exceeded"}}'
 */
import {runCf} from './cli.js';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => (text ? stream.write(text, () => resolve()) : resolve()));
}

try {
  const result = await runCf(process.argv.slice(2));
  await write(process.stdout, result.stdout);
  await write(process.stderr, result.stderr);
  if (result.hang) setInterval(() => undefined, 1 << 30);
  else process.exitCode = result.exitCode;
} catch (error) {
  process.stderr.write(`stand-in cf: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.stdout.write('FAILED\n');
  process.exitCode = 1;
}
