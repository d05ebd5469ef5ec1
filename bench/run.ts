/**
 * `npm run bench`: measures cpi-mtls on the embedded demo landscape and writes BENCHMARKS.md.
 * Not part of `npm test`. Every comparison (ratio) is taken within the same run, because
 * absolute times drift between machines.
 *
 * Environment:
 *   BENCH_RUNS         repetitions of the main measurements (default 5; medians are reported)
 *   BENCH_AUDIT_SIZES  service-key counts of the audit landscapes (default 10,100,1000)
 *   BENCH_OUT          where to write the report (default BENCHMARKS.md in the repository)
 *   BENCH_NOTE         a line added to the report (e.g. about machine load)
 *   BENCH_ONLY         comma-separated sections to measure: startup, firstframe, freshclone,
 *                      apply, audit, probe, certs (default: all); the report keeps the other
 *                      sections from the existing BENCH_OUT
 *   BENCH_SKIP_FRESH_CLONE=1  leave out the fresh clone (git clone, npm ci, npm run demo: about a
 *                      minute, mostly npm ci)
 */
import {X509Certificate} from 'node:crypto';
import {existsSync} from 'node:fs';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import type {Trace} from './cf-trace.js';
import {available, bundleInputs, bundleOutputOf, CLI, interleaved, IMPORT_RECORDER, machine, median, ms, percent, ratio, ROOT, runProcess, sample, terminalEnv, TRACE_PRELOAD, type Machine} from './lib.js';
import {createDemoPki, type DemoPki} from '../src/demo/pki.js';
import {leafIssuer} from './certificates.js';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5) || 5);
const AUDIT_SIZES = (process.env.BENCH_AUDIT_SIZES ?? '10,100,1000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const OUT = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(ROOT, 'BENCHMARKS.md');
const NODE = process.execPath;
const STARTUP_TARGET_MS = 150;
const OWN_SHARE_TARGET = 0.1;
/** The wizard's first frame, as a multiple of a bare Node start in the same run. */
const FIRST_FRAME_TARGET_RATIO = 3;
/** Fresh clone: `npm run demo` (build included) until the first frame. */
const FRESH_DEMO_TARGET_MS = 5000;
const SECTIONS = ['startup', 'firstframe', 'freshclone', 'apply', 'audit', 'probe', 'certs'] as const;
type Section = (typeof SECTIONS)[number];
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((name) => name.trim()).filter(Boolean) : undefined;
for (const name of ONLY ?? []) if (!SECTIONS.includes(name as Section)) throw new Error(`BENCH_ONLY: unknown section "${name}" (${SECTIONS.join(', ')})`);
function selected(section: Section): boolean {
  if (section === 'freshclone' && process.env.BENCH_SKIP_FRESH_CLONE) return false;
  return !ONLY || ONLY.includes(section);
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function samplesText(values: number[]): string {
  return values.map((v) => v.toFixed(0)).join(', ');
}

async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `cpi-mtls-bench-${label}-`));
}

function assertOk(result: {exitCode: number | null; stderr: string}, what: string, okCodes = [0]): void {
  if (!okCodes.includes(result.exitCode ?? -1)) throw new Error(`${what} exited with ${result.exitCode}:\n${result.stderr.slice(-2000)}`);
}

interface Row {
  name: string;
  samples: number[];
}

// ---------------------------------------------------------------------------------------------
// 1. Start-up

interface StartupResult {
  bareNode: number[];
  help: number[];
  version: number[];
  helpModules: string[];
  versionModules: string[];
  forbiddenLoaded: string[];
  /** Wall time of `node -e "await import(X)"` per module, to attribute start-up cost. */
  imports: Row[];
}

const FORBIDDEN = /\/node_modules\/(ink|ink-[a-z-]+|react|react-reconciler|node-forge|execa|yaml|fflate)\//;

async function modulesOf(args: string[]): Promise<string[]> {
  const result = await runProcess(NODE, ['--import', IMPORT_RECORDER, CLI, ...args]);
  assertOk(result, `cpi-mtls ${args.join(' ')}`);
  const urls = result.stderr.split('\n').filter((line) => line.startsWith('[import] ')).map((line) => line.slice(9).trim());
  return [...new Set(urls)].filter((url) => !url.startsWith('node:') && !url.startsWith('data:') && !url.includes('/dist/bench/'));
}

async function measureStartup(): Promise<StartupResult> {
  log('start-up: --help, --version, bare node');
  const runs = RUNS * 3;
  const once = async (args: string[]) => assertOk(await runProcess(NODE, args), `node ${args.join(' ')}`);
  await once([CLI, '--help']); // file cache warm-up, not counted
  const [bareRow, helpRow, versionRow] = await interleaved(runs, [
    ['bare', () => once(['-e', ''])],
    ['help', () => once([CLI, '--help'])],
    ['version', () => once([CLI, '--version'])],
  ]);
  const bareNode = bareRow!.samples;
  const help = helpRow!.samples;
  const version = versionRow!.samples;
  const helpModules = await modulesOf(['--help']);
  const versionModules = await modulesOf(['--version']);
  // The CLI is a bundle: a loaded chunk holds packages, listed in the metafile (dist/meta.json).
  const forbiddenLoaded = [...new Set([...helpModules, ...versionModules])].flatMap((url) => [url, ...bundleInputs(url)]).filter((name) => FORBIDDEN.test(name));
  log('start-up: import cost of the dependencies and of the setup path');
  const importing = (specifier: string) => once(['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`]);
  // The chunk that `import()` of a source file loads in the bundle.
  const own = (source: string) => {
    const output = bundleOutputOf(source);
    return output ? pathToFileURL(path.join(ROOT, output)).href : 'file:///missing';
  };
  const importVariants: Array<[string, () => Promise<void>]> = [['nothing (`node -e ""`)', () => once(['-e', ''])]];
  for (const [name, specifier] of [
    ['execa (from node_modules, unbundled)', 'execa'],
    ['yaml (from node_modules, unbundled)', 'yaml'],
    ['node-forge (from node_modules, unbundled)', 'node-forge'],
    ['ink + react (from node_modules, unbundled)', 'ink'],
    ['chunk of execa (bundled; the cf adapter imports it on the first cf call)', own('node_modules/execa/index.js')],
    ['chunk of src/main.ts (the setup command: flows, engine, adapter, checklist)', own('src/main.ts')],
    ['chunk of components/interactive.tsx (the Ink wizard, Ink and React bundled)', own('components/interactive.tsx')],
  ] as const) {
    if (specifier.startsWith('file:') && !existsSync(fileURLToPath(specifier))) continue;
    importVariants.push([`\`import(${JSON.stringify(name).slice(1, -1)})\``, () => importing(specifier)]);
  }
  const imports = await interleaved(RUNS * 2 + 1, importVariants);
  return {bareNode, help, version, helpModules, versionModules, forbiddenLoaded, imports};
}

// ---------------------------------------------------------------------------------------------
// 2. First frame of the wizard in a pseudo-terminal

interface FirstFrameSamples {
  banner: number[];
  question: number[];
}

interface FirstFrameResult extends FirstFrameSamples {
  /** The same with UV_THREADPOOL_SIZE=1: one libuv pool thread for key generation and file reads. */
  onePoolThread: FirstFrameSamples;
  /** `cpi-mtls --cf <missing>` without --demo: the same Ink start-up with no landscape starting. */
  noLandscapeBanner: number[];
  /** `node -e 0`, interleaved with the runs above: the yardstick. */
  bareNode: number[];
  /** A bare Node that prints one character, in the same pseudo-terminal set-up: spawn to output. */
  bareNodePty?: number[];
  failures: string[];
}

/**
 * The same yardstick through node-pty, timed like the first frame (until the output arrives):
 * the pseudo-terminal's own spawn cost is then in both numbers.
 */
async function bareNodeFirstOutput(): Promise<number> {
  const pty = (await import('@lydell/node-pty')).default;
  const started = performance.now();
  const term = pty.spawn(NODE, ['-e', "process.stdout.write('.')"], {name: 'xterm-256color', cols: 120, rows: 45, cwd: os.tmpdir(), env: terminalEnv({FORCE_COLOR: '0'})});
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  const ms = await new Promise<number>((resolve) => term.onData((data) => data.includes('.') && resolve(performance.now() - started)));
  await exited;
  return ms;
}

/**
 * `node -e 0` as a child process, spawn to exit. Not in a pseudo-terminal: node-pty reports an
 * exit late (by a few hundred ms under load), which would flatter the ratio.
 */
async function bareNodeStart(): Promise<number> {
  const result = await runProcess(NODE, ['-e', '0']);
  assertOk(result, 'node -e 0');
  return result.ms;
}

const FIRST_QUESTION = 'Create the service instance and keys in this org and space?';
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007|\u001B[()][0-9A-Za-z]|\u001B[=>78]/g;

/** One `cpi-mtls --demo` in a pseudo-terminal: ms until the banner and until the first question. */
async function firstFrameOnce(extraEnv: Record<string, string>, args = ['--demo']): Promise<{banner: number; question: number} | string> {
  const pty = (await import('@lydell/node-pty')).default;
  const dir = await tempDir('pty');
  try {
    const started = performance.now();
    const term = pty.spawn(NODE, [CLI, ...args], {
      name: 'xterm-256color',
      cols: 120,
      rows: 45,
      cwd: dir,
      env: terminalEnv({FORCE_COLOR: '0', CPI_MTLS_DEMO_HOME: path.join(dir, 'home'), ...extraEnv}),
    });
    let output = '';
    let bannerAt: number | undefined;
    let questionAt: number | undefined;
    let exited = false;
    const exit = new Promise<void>((resolve) => term.onExit(() => resolve(void (exited = true))));
    const done = new Promise<void>((resolve) => {
      term.onData((data) => {
        output += data;
        const screen = output.replace(ANSI, '');
        bannerAt ??= screen.includes('cpi-mtls') ? performance.now() - started : undefined;
        // Without the demo the preflight fails at once (no cf): the banner is all there is to time.
        if (questionAt === undefined && (screen.includes(FIRST_QUESTION) || (bannerAt !== undefined && !args.includes('--demo')))) {
          questionAt = performance.now() - started;
          resolve();
        }
      });
      void exit.then(() => resolve());
    });
    await Promise.race([done, new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref())]);
    // Ctrl+C once: the wizard cancels and stops the demo landscape; kill only if it hangs.
    if (!exited) term.write('\u0003');
    if (!args.includes('--demo')) setTimeout(() => !exited && term.write('\u0003'), 1000).unref();
    const stopped = await Promise.race([exit.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000).unref())]);
    if (!stopped) term.kill();
    if (bannerAt !== undefined && questionAt !== undefined) return {banner: bannerAt, question: questionAt};
    return `${exited ? 'exited' : 'timed out'} before the first question; last output: ${output.replace(ANSI, '').slice(-300)}`;
  } finally {
    await rm(dir, {recursive: true, force: true, maxRetries: 3});
  }
}

async function measureFirstFrame(): Promise<FirstFrameResult> {
  log('first frame: cpi-mtls --demo in a pseudo-terminal');
  const result: FirstFrameResult = {banner: [], question: [], onePoolThread: {banner: [], question: []}, noLandscapeBanner: [], bareNode: [], bareNodePty: [], failures: []};
  await bareNodeStart(); // warm-ups, not counted
  await bareNodeFirstOutput();
  for (let i = 0; i < RUNS; i++) {
    for (let j = 0; j < 3; j++) {
      result.bareNode.push(await bareNodeStart());
      result.bareNodePty!.push(await bareNodeFirstOutput());
    }
    // The variant only needs a few runs: it shows whether key generation competes for the CPU.
    for (const [target, env] of (i < 3 ? [[result, {}], [result.onePoolThread, {UV_THREADPOOL_SIZE: '1'}]] : [[result, {}]]) as Array<[FirstFrameSamples, Record<string, string>]>) {
      const outcome = await firstFrameOnce(env);
      if (typeof outcome === 'string') result.failures.push(`run ${i + 1}${'UV_THREADPOOL_SIZE' in env ? ' (UV_THREADPOOL_SIZE=1)' : ''}: ${outcome}`);
      else {
        target.banner.push(outcome.banner);
        target.question.push(outcome.question);
      }
    }
    if (i < 3) {
      const dir = await tempDir('nocf');
      try {
        const outcome = await firstFrameOnce({CF_HOME: dir}, ['--cf', path.join(dir, 'missing-cf')]);
        if (typeof outcome === 'string') result.failures.push(`run ${i + 1} (no landscape): ${outcome}`);
        else result.noLandscapeBanner.push(outcome.banner);
      } finally {
        await rm(dir, {recursive: true, force: true, maxRetries: 3});
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2b. Fresh clone: git clone, npm ci, npm run demo until the first frame

interface FreshCloneResult {
  commit: string;
  cloneMs: number;
  npmCiMs: number;
  /** `npm run demo` spawned in a pseudo-terminal until the wizard's banner: npm, build, start. */
  demoMs?: number;
  /** The build's own timing, as its progress line prints it. */
  buildLine?: string;
  failure?: string;
}

const DEMO_BANNER = '[demo: happy]';

async function measureFreshClone(): Promise<FreshCloneResult> {
  log('fresh clone: git clone --no-hardlinks, npm ci (npm cache), npm run demo to the first frame');
  const dir = await tempDir('clone');
  try {
    const repo = path.join(dir, 'cpi-mtls');
    const commit = (await runProcess('git', ['rev-parse', '--short', 'HEAD'])).stdout.trim();
    const clone = await runProcess('git', ['clone', '--quiet', '--no-hardlinks', ROOT, repo], {timeoutMs: 300_000});
    assertOk(clone, 'git clone');
    // The npm cache is warm on a developer's machine; --prefer-offline takes the packages from it.
    const ci = await runProcess('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {cwd: repo, timeoutMs: 600_000, env: terminalEnv()});
    assertOk(ci, 'npm ci');
    const pty = (await import('@lydell/node-pty')).default;
    const started = performance.now();
    const term = pty.spawn('npm', ['run', 'demo'], {name: 'xterm-256color', cols: 120, rows: 45, cwd: repo, env: terminalEnv({FORCE_COLOR: '0', CPI_MTLS_DEMO_HOME: path.join(dir, 'home')})});
    let output = '';
    let exited = false;
    const exit = new Promise<void>((resolve) => term.onExit(() => resolve(void (exited = true))));
    const demoMs = await new Promise<number | undefined>((resolve) => {
      term.onData((data) => {
        output += data;
        if (output.replace(ANSI, '').includes(DEMO_BANNER)) resolve(performance.now() - started);
      });
      void exit.then(() => resolve(undefined));
      setTimeout(() => resolve(undefined), 120_000).unref();
    });
    if (!exited) term.write('\u0003');
    const stopped = await Promise.race([exit.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000).unref())]);
    if (!stopped) term.kill();
    const screen = output.replace(ANSI, '');
    const buildLine = /Building cpi-mtls… [\d.]+ s/.exec(screen)?.[0];
    return {commit, cloneMs: clone.ms, npmCiMs: ci.ms, demoMs, buildLine, failure: demoMs === undefined ? `no first frame; last output: ${screen.slice(-300)}` : undefined};
  } finally {
    await rm(dir, {recursive: true, force: true, maxRetries: 3});
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Option 1 from a plan file

interface ApplyRun {
  wallMs: number;
  trace: Trace;
  commands: string[];
  cfCount: number;
  cfMs: number;
  firstCfMs: number;
  sleepMs: number;
  /** Demo landscape start inside the run: first key pair generation to the stand-in seeded. */
  landscapeMs: number;
  /** Spawn to the landscape start: Node, process start-up seen from outside, imports, plan. */
  beforeLandscapeMs: number;
  /** Landscape up to the first cf call (engine composition). */
  landscapeToCfMs: number;
  /** cpi-mtls's own time from its first cf call to its exit (exact, from the trace). */
  ownAfterFirstCfMs: number;
}

interface ApplyResult {
  runs: ApplyRun[];
  gnuTimeMaxRssKb?: number;
}

function planText(home: string, out: string): string {
  const files = path.join(home, 'customer-files');
  return JSON.stringify(
    {
      version: 1,
      option: 'role-based',
      role: 'ESBMessaging.send',
      instance: {name: 'cpi-inbound-mtls'},
      certificate: {source: 'external', file: path.join(files, 's4hana-sender.chain.pem')},
      key: {name: 's4hana-sender-2027-11'},
      liveTest: {run: true, path: '/http/demo/orders', method: 'POST', privateKeyFile: path.join(files, 's4hana-sender.key.pem')},
      output: out,
    },
    null,
    2,
  );
}

async function applyOnce(withGnuTime = false): Promise<{run: ApplyRun; gnuTimeMaxRssKb?: number}> {
  const dir = await tempDir('apply');
  try {
    const home = path.join(dir, 'home');
    await mkdir(home);
    const planFile = path.join(dir, 'plan.json');
    await writeFile(planFile, planText(home, path.join(dir, 'out')));
    const traceFile = path.join(dir, 'trace.json');
    const args = ['--import', TRACE_PRELOAD, CLI, 'apply', '--plan', planFile, '--demo', '--json'];
    const env = {...process.env, CPI_MTLS_DEMO_HOME: home, BENCH_TRACE_FILE: traceFile, FORCE_COLOR: '0'};
    const result = withGnuTime ? await runProcess('/usr/bin/time', ['-v', NODE, ...args], {env, cwd: dir}) : await runProcess(NODE, args, {env, cwd: dir});
    assertOk(result, 'cpi-mtls apply --plan --demo --json');
    const json = JSON.parse(result.stdout) as {outcome: string; status: string; checklist: {commands: string[]}};
    if (json.status !== 'done' || json.outcome !== 'complete') throw new Error(`apply ended ${json.status}/${json.outcome}`);
    const trace = JSON.parse(await readFile(traceFile, 'utf8')) as Trace;
    const cf = trace.spawns.filter((s) => /^cf(\.cmd)?$/.test(s.command));
    const cfMs = cf.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);
    const firstCfMs = cf[0]?.startMs ?? trace.exitMs;
    const sleepMs = trace.sleeps.reduce((sum, s) => sum + s.elapsedMs, 0);
    const landscapeStartMs = trace.marks.keyPairGeneration ?? NaN;
    const landscapeUpMs = trace.marks.standInSeeded ?? NaN;
    const gnuTimeMaxRssKb = withGnuTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? NaN) : undefined;
    return {
      run: {
        wallMs: result.ms,
        trace,
        commands: json.checklist.commands,
        cfCount: cf.length,
        cfMs,
        firstCfMs,
        sleepMs,
        landscapeMs: landscapeUpMs - landscapeStartMs,
        beforeLandscapeMs: landscapeStartMs + (result.ms - trace.exitMs),
        landscapeToCfMs: firstCfMs - landscapeUpMs,
        ownAfterFirstCfMs: trace.exitMs - firstCfMs - cfMs - sleepMs,
      },
      gnuTimeMaxRssKb,
    };
  } finally {
    await rm(dir, {recursive: true, force: true, maxRetries: 3});
  }
}

async function measureApply(): Promise<ApplyResult> {
  log('Option 1: apply --plan --demo --json');
  const runs: ApplyRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push((await applyOnce()).run);
  let gnuTimeMaxRssKb: number | undefined;
  if (process.platform === 'linux' && (await available('/usr/bin/time', ['-v', NODE, '-e', '']))) {
    log('Option 1: one more run under /usr/bin/time -v');
    gnuTimeMaxRssKb = (await applyOnce(true)).gnuTimeMaxRssKb;
  }
  return {runs, gnuTimeMaxRssKb};
}

/** What each cf call of the flow stands for, next to the minimal manual sequence. */
function manualEquivalent(command: string, index: number, commands: string[]): string {
  const args = command.replace(/^cf /, '');
  const before = (pattern: RegExp) => commands.slice(0, index).some((c) => pattern.test(c));
  if (args === 'version') return '— (extra: tells cf v7 from v8 output forms)';
  if (args === 'target') return '`cf target`';
  if (args.startsWith('curl /v3/organizations')) return '— (extra, avoidable: org GUID; `/v3/spaces?names=…&include=organization` returns it with the space)';
  if (args.startsWith('curl /v3/spaces')) return '— (extra: space GUID; `cf target` prints names only)';
  if (args.startsWith('curl /v3/service_plans')) return '`cf marketplace -e it-rt`';
  if (args.startsWith('create-service-key')) return '`cf create-service-key … -c file`';
  if (args.startsWith('create-service')) return '`cf create-service … -c file`';
  if (/^curl \/v3\/service_instances\?names=/.test(args)) {
    if (!before(/create-service /)) return '— (extra: does an instance of that name exist already?)';
    if (!before(/create-service-key/)) return '`cf service` (state of the create operation)';
    return '— (extra, avoidable: instance GUID looked up again after `create-service-key`)';
  }
  if (/^curl \/v3\/service_instances\/[^/]+\/parameters/.test(args)) return '`cf service --params`';
  if (/^curl \/v3\/service_instances\?service_plan_names=/.test(args)) return '— (extra: duplicate-certificate scan, all integration-flow instances)';
  if (/^curl \/v3\/service_credential_bindings\?type=key&service_instance_guids=/.test(args)) {
    return commands.filter((c) => /^cf curl \/v3\/service_instances\?service_plan_names=/.test(c)).length > 0 && before(/create-service /)
      ? '— (extra: duplicate-certificate scan, their keys; avoidable here: the only instance is the one just created)'
      : '— (extra: duplicate-certificate scan, their keys)';
  }
  if (/^curl \/v3\/service_credential_bindings\?type=key&names=/.test(args)) return '`cf service-key` (lookup of the key; cf does the same request)';
  if (/^curl \/v3\/service_credential_bindings\/[^/]+\/details/.test(args)) return '`cf service-key` (its credentials; cf does the same request)';
  return '—';
}

// ---------------------------------------------------------------------------------------------
// 4. Audit on stand-in landscapes

interface AuditRun {
  keys: number;
  instances: number;
  parallel: number;
  wallMs: number[];
  cfCount: number;
  cfMs: number;
  /** Time during which at least one cf call was running (parallel calls overlap). */
  cfBusyMs: number;
  /** Mean duration of one cf call. */
  cfCallMs: number;
  maxRssKb: number;
  stateFileKb: number;
  findings?: number;
  /** The cf command lines, per-key credential reads folded into one line. */
  commands: string[];
}

function foldCommands(calls: Array<{args: string[]}>): string[] {
  const details = calls.filter((c) => /\/v3\/service_credential_bindings\/[^/?]+\/details/.test(c.args.join(' '))).length;
  const lines: string[] = [];
  for (const call of calls) {
    const line = `cf ${call.args.join(' ')}`;
    if (/\/v3\/service_credential_bindings\/[^/?]+\/details/.test(line)) {
      if (!lines.some((l) => l.includes('/details'))) lines.push(`cf curl /v3/service_credential_bindings/<guid>/details   (× ${details}, one per key)`);
    } else lines.push(line);
  }
  return lines;
}

/** Length of the union of the calls' time intervals. */
function busyTime(calls: Array<{startMs: number; endMs: number}>): number {
  let total = 0;
  let end = -Infinity;
  for (const call of [...calls].sort((x, y) => x.startMs - y.startMs)) {
    if (call.startMs > end) {
      total += call.endMs - call.startMs;
      end = call.endMs;
    } else if (call.endMs > end) {
      total += call.endMs - end;
      end = call.endMs;
    }
  }
  return total;
}

function leafCertificates(pki: DemoPki, count: number): string[] {
  const issuer = leafIssuer({issuerCertPem: pki.clientIntermediate.certPem, issuerKeyPem: pki.clientIntermediate.keyPem, subjectKeyPem: pki.clientLeaf.keyPem, organization: 'Bench Customer'});
  const notBefore = new Date(Date.now() - 86_400_000);
  // Every 25th expires within the audit's 30-day window, so there are findings, as in a real space.
  return Array.from({length: count}, (_, i) =>
    issuer.issue({commonName: `sender-${String(i).padStart(4, '0')}`, serial: 1000 + i, notBefore, notAfter: new Date(Date.now() + (i % 25 === 0 ? 10 : 365) * 86_400_000)}),
  );
}

async function auditLandscape(dir: string, pki: DemoPki, certificates: string[], keys: number): Promise<{cf: string; env: NodeJS.ProcessEnv; instances: number; stateFile: string}> {
  const {installFakeCf} = await import('../src/demo/fakecf/install.js');
  const {seedState} = await import('../src/demo/fakecf/state.js');
  const cfHome = path.join(dir, 'cf-home');
  const stateFile = path.join(cfHome, '.cf', 'sim-state.json');
  const script = await installFakeCf(path.join(dir, 'bin'));
  const cf = process.platform === 'win32' ? path.join(dir, 'bin', 'cf.cmd') : script;
  const perInstance = 10;
  const instances = Math.ceil(keys / perInstance);
  await seedState(stateFile, {
    org: 'bench-org',
    space: 'bench-space',
    sapClientCa: {certPem: pki.sapClientCa.certPem, keyPem: pki.sapClientCa.keyPem},
    instances: Array.from({length: instances}, (_, i) => ({name: `inbound-${i}`, parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}})),
    keys: Array.from({length: keys}, (_, i) => ({instance: `inbound-${Math.floor(i / perInstance)}`, name: `key-${i}`, parameters: {'key-type': 'certificate_external', 'X.509': certificates[i]!}})),
  });
  return {cf, env: {...process.env, CF_HOME: cfHome, FORCE_COLOR: '0'}, instances, stateFile};
}

async function measureAudit(pki: DemoPki): Promise<{runs: AuditRun[]; viaCli: boolean}> {
  const viaCli = bundleOutputOf('src/commands/audit.ts') !== undefined;
  const largest = Math.max(...AUDIT_SIZES);
  log(`audit: signing ${largest} client certificates for the stand-in landscapes`);
  const certificates = leafCertificates(pki, largest);
  const runs: AuditRun[] = [];
  const plan: Array<{keys: number; parallel: number; repeat: number}> = [];
  for (const keys of AUDIT_SIZES) {
    plan.push({keys, parallel: 8, repeat: keys >= 1000 ? 1 : Math.min(RUNS, 3)});
    if (keys <= 100) plan.push({keys, parallel: 1, repeat: 1});
  }
  for (const step of plan) {
    log(`audit: ${step.keys} keys, --parallel ${step.parallel}, ${step.repeat} run(s)`);
    const dir = await tempDir('audit');
    try {
      const landscape = await auditLandscape(dir, pki, certificates, step.keys);
      const stateFileKb = (await readFile(landscape.stateFile)).length / 1024;
      const wallMs: number[] = [];
      let last: {trace: Trace; findings?: number} | undefined;
      for (let i = 0; i < step.repeat; i++) {
        const traceFile = path.join(dir, 'trace.json');
        if (viaCli) {
          const result = await runProcess(NODE, ['--import', TRACE_PRELOAD, CLI, 'audit', '--json', '--cf', landscape.cf, '--parallel', String(step.parallel)], {
            env: {...landscape.env, BENCH_TRACE_FILE: traceFile},
            cwd: dir,
            timeoutMs: 600_000,
          });
          assertOk(result, `cpi-mtls audit (${step.keys} keys)`, [0, 1]);
          const json = JSON.parse(result.stdout) as {findings?: unknown[]};
          wallMs.push(result.ms);
          last = {trace: JSON.parse(await readFile(traceFile, 'utf8')) as Trace, findings: Array.isArray(json.findings) ? json.findings.length : undefined};
        } else {
          // The same reads the audit makes, straight through the adapter (command not built yet).
          const {createCfAdapter} = await import('../src/cf/adapter.js');
          const adapter = createCfAdapter({binary: landscape.cf, env: {CF_HOME: path.join(dir, 'cf-home')}});
          const started = performance.now();
          const instances = await adapter.listInstances({planNames: ['integration-flow', 'api']});
          const keys = await adapter.listKeys(instances.map((instance) => instance.guid));
          for (const key of keys) await adapter.keyCredentials(key.guid);
          wallMs.push(performance.now() - started);
          const spawns = adapter.log.map((entry, index) => ({command: 'cf', args: entry.args, startMs: index, endMs: index + entry.durationMs, exitCode: entry.exitCode}));
          last = {trace: {spawns, sleeps: [], maxRssKb: process.resourceUsage().maxRSS, exitMs: 0, marks: {}}};
        }
      }
      const cf = last!.trace.spawns.filter((s) => /^cf(\.cmd)?$/.test(s.command));
      runs.push({
        keys: step.keys,
        instances: landscape.instances,
        parallel: viaCli ? step.parallel : 1,
        wallMs,
        cfCount: cf.length,
        cfMs: cf.reduce((sum, s) => sum + (s.endMs - s.startMs), 0),
        cfBusyMs: busyTime(cf),
        cfCallMs: cf.reduce((sum, s) => sum + (s.endMs - s.startMs), 0) / Math.max(1, cf.length),
        maxRssKb: last!.trace.maxRssKb,
        stateFileKb,
        findings: last!.findings,
        commands: foldCommands(cf),
      });
    } finally {
      await rm(dir, {recursive: true, force: true, maxRetries: 3});
    }
  }
  return {runs, viaCli};
}

// ---------------------------------------------------------------------------------------------
// 5. Live probe next to openssl s_client

async function measureProbe(pki: DemoPki, dir: string, opensslPresent: boolean): Promise<Row[]> {
  log('probe: cpi-mtls probe and openssl s_client against a local TLS server');
  const server = https.createServer(
    {key: pki.serverLeaf.keyPem, cert: pki.serverLeaf.chainPem, ca: [pki.clientRoot.certPem, pki.clientIntermediate.certPem], requestCert: true, rejectUnauthorized: false},
    (request, response) => {
      request.resume();
      response.end('ok');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const url = `https://127.0.0.1:${port}/http/bench`;
    const files = {
      root: path.join(dir, 'lb-root.pem'),
      chain: path.join(dir, 'client-chain.pem'),
      leaf: path.join(dir, 'client-leaf.pem'),
      key: path.join(dir, 'client-key.pem'),
    };
    await writeFile(files.root, pki.serverRoot.certPem);
    await writeFile(files.chain, pki.clientLeaf.chainPem);
    await writeFile(files.leaf, pki.clientLeaf.certPem);
    await writeFile(files.key, pki.clientLeaf.keyPem, {mode: 0o600});
    const {runProbe} = await import('../src/probe/probe.js');
    const client = {certPem: pki.clientLeaf.chainPem, keyPem: pki.clientLeaf.keyPem};
    await runProbe({url, extraCaPems: [pki.serverRoot.certPem], env: {}}); // warm-up: module loading is not counted in process
    const runs = RUNS * 2 + 1;
    const cli = async (extra: string[]) => assertOk(await runProcess(NODE, [CLI, 'probe', url, '--ca', files.root, '--json', ...extra], {cwd: dir}), 'cpi-mtls probe');
    // s_client without -quiet ends at the EOF of its closed stdin, right after the handshake.
    const openssl = async (extra: string[]) => assertOk(await runProcess('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', files.root, ...extra], {cwd: dir}), 'openssl s_client');
    const variants: Array<[string, () => Promise<unknown>]> = [
      ['runProbe in process: server chain only', () => runProbe({url, extraCaPems: [pki.serverRoot.certPem], env: {}})],
      ['runProbe in process: server chain + mTLS GET', () => runProbe({url, extraCaPems: [pki.serverRoot.certPem], client, env: {}})],
      ['`cpi-mtls probe <url> --ca root.pem --json`', () => cli([])],
      ['`cpi-mtls probe <url> --ca root.pem --cert chain.pem --key key.pem --json`', () => cli(['--cert', files.chain, '--key', files.key])],
    ];
    if (opensslPresent) {
      variants.push(['`openssl s_client -connect … -CAfile root.pem`', () => openssl([])]);
      variants.push(['`openssl s_client -connect … -CAfile root.pem -cert leaf.pem -key key.pem -cert_chain chain.pem`', () => openssl(['-cert', files.leaf, '-key', files.key, '-cert_chain', files.chain])]);
    }
    const rows: Row[] = await interleaved(runs, variants);
    return rows;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Key generation and PKCS#12 export next to openssl

async function measureCerts(pki: DemoPki, dir: string, opensslPresent: boolean): Promise<{keygen: Row[]; p12: Row[]}> {
  log('certificates: key + CSR generation and PKCS#12 export, next to openssl');
  const runs = RUNS * 2 + 1; // RSA key generation time varies a lot from key to key
  const {generateKeyAndCsr} = await import('../src/certs/generate.js');
  const {exportPkcs12} = await import('../src/certs/files.js');
  const {summarize} = await import('../src/certs/x509.js');
  const subject = {CN: 'bench-sender', O: 'Bench Customer', C: 'DE'};
  await generateKeyAndCsr({keyType: 'ec', curve: 'P-256'}, subject); // warm-up
  const keygenVariants: Array<[string, () => Promise<unknown>]> = [
    ['generateKeyAndCsr RSA 2048 (in process)', () => generateKeyAndCsr({keyType: 'rsa', bits: 2048}, subject)],
    ['`cpi-mtls cert new --cn … --bits 2048` (new process)', async () => assertOk(await runProcess(NODE, [CLI, 'cert', 'new', '--cn', 'bench-sender', '--o', 'Bench Customer', '--c', 'DE', '--out', dir, '--force', '--json'], {cwd: dir}), 'cert new')],
  ];
  if (opensslPresent) {
    const key = path.join(dir, 'openssl.key');
    const csr = path.join(dir, 'openssl.csr');
    keygenVariants.push([
      '`openssl genrsa 2048` + `openssl req -new` (two processes)',
      async () => {
        assertOk(await runProcess('openssl', ['genrsa', '-out', key, '2048'], {cwd: dir}), 'openssl genrsa');
        assertOk(await runProcess('openssl', ['req', '-new', '-key', key, '-subj', '/C=DE/O=Bench Customer/CN=bench-sender', '-out', csr], {cwd: dir}), 'openssl req');
      },
    ]);
    keygenVariants.push([
      '`openssl req -new -newkey rsa:2048 -nodes` (one process)',
      async () => assertOk(await runProcess('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', '/C=DE/O=Bench Customer/CN=bench-sender', '-out', csr], {cwd: dir}), 'openssl req -newkey'),
    ]);
  }
  const keygen: Row[] = await interleaved(runs, keygenVariants);

  const files = {chain: path.join(dir, 'p12-chain.pem'), key: path.join(dir, 'p12-key.pem'), password: path.join(dir, 'p12-password.txt'), out: path.join(dir, 'bench.p12')};
  await writeFile(files.chain, pki.clientLeaf.chainPem);
  await writeFile(files.key, pki.clientLeaf.keyPem, {mode: 0o600});
  await writeFile(files.password, 'bench-password\n', {mode: 0o600});
  const certificates = [...pki.clientLeaf.chainPem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => summarize(new X509Certificate(m[0])));
  exportPkcs12({privateKeyPem: pki.clientLeaf.keyPem, certificates, password: 'bench-password'}); // warm-up
  const p12Variants: Array<[string, () => Promise<unknown> | unknown]> = [
    ['exportPkcs12 AES-256/SHA-256, 10,000 iterations (in process)', () => exportPkcs12({privateKeyPem: pki.clientLeaf.keyPem, certificates, password: 'bench-password'})],
    ['`cpi-mtls cert p12 chain.pem --key key.pem --password-file …` (new process)', async () => assertOk(await runProcess(NODE, [CLI, 'cert', 'p12', files.chain, '--key', files.key, '--out', files.out, '--password-file', files.password, '--json'], {cwd: dir}), 'cert p12')],
  ];
  if (opensslPresent) {
    p12Variants.push([
      '`openssl pkcs12 -export -iter 10000` (same cipher, MAC and iterations; new process)',
      async () => assertOk(await runProcess('openssl', ['pkcs12', '-export', '-inkey', files.key, '-in', files.chain, '-out', files.out, '-passout', `file:${files.password}`, '-iter', '10000', '-name', 'client'], {cwd: dir}), 'openssl pkcs12'),
    ]);
  }
  const p12: Row[] = await interleaved(runs, p12Variants);
  return {keygen, p12};
}

// ---------------------------------------------------------------------------------------------
// Report

interface Results {
  machine: Machine;
  loadAtEnd: number[];
  startedAt: Date;
  totalMs: number;
  runs: number;
  note?: string;
  opensslVersion?: string;
  /** Sections measured (BENCH_ONLY); absent: all. */
  only?: string[];
  startup?: StartupResult;
  firstFrame?: FirstFrameResult;
  freshClone?: FreshCloneResult;
  apply?: ApplyResult;
  audit?: {runs: AuditRun[]; viaCli: boolean};
  probe?: Row[];
  certs?: {keygen: Row[]; p12: Row[]};
}

/** Placeholder for a section or summary row of the previous report (partial runs). */
const KEPT = (what: string) => `<!-- kept: ${what} -->`;
const KEPT_DATE = '<!-- kept-date -->';

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function rowsTable(rows: Row[], reference: string): string {
  const base = median(rows.find((r) => r.name === reference)?.samples ?? []);
  return table(
    ['What', 'Median', `vs. ${reference.replace(/`/g, '')}`, 'Samples (ms)'],
    rows.map((r) => [r.name, ms(median(r.samples), 1), ratio(median(r.samples), base), samplesText(r.samples)]),
  );
}

function verdict(ok: boolean): string {
  return ok ? '**met**' : '**missed**';
}

function render(r: Results): string {
  const m = r.machine;
  const s = r.startup ?? {bareNode: [], help: [], version: [], helpModules: [], versionModules: [], forbiddenLoaded: [], imports: []};
  const help = median(s.help);
  const version = median(s.version);
  const bare = median(s.bareNode);
  const a: ApplyResult = r.apply ?? {runs: []};
  const per = (f: (x: ApplyRun) => number) => a.runs.map(f);
  const wallOf = (x: ApplyRun) => x.wallMs;
  const runOf = (x: ApplyRun) => x.wallMs - x.landscapeMs; // the run as on a real landscape: no demo landscape to start
  const ownOf = (x: ApplyRun) => runOf(x) - x.cfMs - x.sleepMs;
  const landscape = median(per((x) => x.landscapeMs));
  const wall = median(per(wallOf));
  const run = median(per(runOf));
  const cfMs = median(per((x) => x.cfMs));
  const sleepMs = median(per((x) => x.sleepMs));
  const own = median(per(ownOf));
  const ownShare = median(per((x) => ownOf(x) / runOf(x)));
  const cfCount = a.runs[0]?.cfCount ?? 0;
  const commands = a.runs[0]?.commands ?? [];
  const perCall = cfMs / Math.max(1, cfCount);
  const rss = a.runs.map((x) => x.trace.maxRssKb / 1024);
  const extraCalls = commands.filter((c, i) => manualEquivalent(c, i, commands).startsWith('—')).length;
  const avoidableCalls = commands.filter((c, i) => manualEquivalent(c, i, commands).includes('avoidable')).length;
  const ff = r.firstFrame;
  const audit = r.audit ?? {runs: [], viaCli: true};
  const auditByKeys = new Map<number, AuditRun>();
  for (const run of audit.runs) if (run.parallel !== 1 || !audit.viaCli) auditByKeys.set(run.keys, run);
  const smallest = audit.runs.find((x) => x.keys === Math.min(...audit.runs.map((y) => y.keys)) && (x.parallel !== 1 || !audit.viaCli));
  const fc = r.freshClone;
  // Like for like: both through node-pty, both timed to their first output; older results lack it.
  const frameBase = ff ? median(ff.bareNodePty?.length ? ff.bareNodePty : ff.bareNode ?? []) : NaN;
  const frameRatio = ff ? median(ff.banner) / frameBase : NaN;

  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push('Measured with `npm run bench` (not part of `npm test`) on the embedded demo landscape: the stand-in `cf`, the local HTTPS tenant and the demo certificates. Medians of several runs; ratios are taken within the same run, because absolute times drift from machine to machine.', '');
  lines.push('```sh', 'npm ci', 'npm run bench            # BENCH_RUNS=5 by default; BENCH_AUDIT_SIZES=10,100,1000', 'BENCH_ONLY=startup,firstframe,freshclone BENCH_RUNS=3 npm run bench   # some sections; the others are kept', 'BENCH_SKIP_FRESH_CLONE=1 npm run bench                                # without git clone + npm ci', '```', '');
  lines.push(table(['Machine', ''], [
    ['Date', r.startedAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC'],
    ['CPU', `${m.cpu}, ${m.cores} cores`],
    ['RAM', `${m.ramGb.toFixed(1)} GB`],
    ['OS', m.os],
    ['Node', m.node],
    ['openssl', r.opensslVersion ?? 'not found (openssl comparisons skipped)'],
    ['Load average (1/5/15 min)', `start ${m.load.map((l) => l.toFixed(2)).join(' / ')}, end ${r.loadAtEnd.map((l) => l.toFixed(2)).join(' / ')}`],
    ['Repetitions', `BENCH_RUNS=${r.runs}; whole benchmark took ${(r.totalMs / 1000).toFixed(0)} s`],
  ]));
  if (r.only) lines.push('', `> Partial run: BENCH_ONLY=${r.only.join(',')}. The other sections and summary rows are kept unchanged from the full run of ${KEPT_DATE}.`);
  if (r.note) lines.push('', `> ${r.note}`);
  lines.push('');

  lines.push('## Summary', '');
  const summary: string[][] = [];
  const keptRow = (target: string) => summary.push([KEPT(target)]);
  if (r.startup) {
    summary.push([`\`--help\` under ${STARTUP_TARGET_MS} ms`, ms(help), verdict(help < STARTUP_TARGET_MS)]);
    summary.push([`\`--version\` under ${STARTUP_TARGET_MS} ms`, ms(version), verdict(version < STARTUP_TARGET_MS)]);
    summary.push(['`--help` / `--version` load no Ink, React, node-forge, execa', s.forbiddenLoaded.length ? `loaded: ${s.forbiddenLoaded.join(', ')}` : `none of them (${s.helpModules.length} / ${s.versionModules.length} files of the bundle, none holding them)`, verdict(s.forbiddenLoaded.length === 0)]);
  } else ['`--help` under', '`--version` under', '`--help` / `--version` load'].forEach(keptRow);
  if (ff) summary.push([`first frame of \`cpi-mtls --demo\` under ${FIRST_FRAME_TARGET_RATIO}× a bare Node start`, `${ratio(median(ff.banner), frameBase)} (${ms(median(ff.banner))} vs. ${ms(frameBase)}, both in a pseudo-terminal to the first output; ${ratio(median(ff.banner), median(ff.bareNode ?? []))} against \`node -e 0\` as a plain child process)`, verdict(frameRatio < FIRST_FRAME_TARGET_RATIO)]);
  else keptRow('first frame of');
  if (fc) summary.push([`fresh clone: \`npm run demo\` (build included) to the first frame under ${FRESH_DEMO_TARGET_MS / 1000} s`, fc.demoMs === undefined ? `no first frame (${fc.failure})` : `${(fc.demoMs / 1000).toFixed(1)} s, after \`npm ci\` ${(fc.npmCiMs / 1000).toFixed(1)} s`, verdict(fc.demoMs !== undefined && fc.demoMs < FRESH_DEMO_TARGET_MS)]);
  else keptRow('fresh clone:');
  if (r.apply) {
    summary.push([`cpi-mtls's own time under ${OWN_SHARE_TARGET * 100} % of an Option 1 run`, `${(ownShare * 100).toFixed(1)} % (${ms(own)} of ${ms(run)}, demo landscape start excluded)`, verdict(ownShare < OWN_SHARE_TARGET)]);
    summary.push(['no cf call the flow does not need', `${cfCount} cf calls vs. 6 in the minimal manual sequence; ${extraCalls} without a manual counterpart, ${avoidableCalls} of them avoidable`, verdict(avoidableCalls === 0)]);
  } else ["cpi-mtls's own time under", 'no cf call the flow'].forEach(keptRow);
  lines.push(table(['Target', 'Measured', 'Verdict'], summary));
  lines.push('');

  lines.push('## 1. Start-up', '');
  if (r.startup) {
  lines.push(table(['Command', 'Median', 'vs. bare `node -e ""`', 'Samples (ms)'], [
    ['`node -e ""` (Node itself)', ms(bare, 1), '1.00×', samplesText(s.bareNode)],
    ['`cpi-mtls --help`', ms(help, 1), ratio(help, bare), samplesText(s.help)],
    ['`cpi-mtls --version`', ms(version, 1), ratio(version, bare), samplesText(s.version)],
  ]));
  lines.push('', `Files loaded besides Node built-ins (recorded with \`node --import dist/bench/record-imports.js\`, the same resolve hook as \`test/helpers/record-imports.mjs\`; the CLI is an esbuild bundle, so each is a bundle file whose contents the metafile \`dist/meta.json\` lists): \`--help\` ${s.helpModules.length}, \`--version\` ${s.versionModules.length}:`, '');
  for (const url of [...new Set([...s.helpModules, ...s.versionModules])]) lines.push(`- \`${path.relative(ROOT, url.replace(/^file:\/\//, ''))}\``);
  lines.push('', s.forbiddenLoaded.length ? `**Loaded although not needed:** ${s.forbiddenLoaded.join(', ')}` : 'No Ink, React, node-forge, execa, yaml or fflate module is resolved for either, nor bundled into the files they load.', '');

  lines.push('Where start-up time goes: a new Node process that only imports one module (median; the difference to `node -e ""` is the import cost):', '');
  const bareImport = median(s.imports[0]!.samples);
  lines.push(table(['Import', 'Median', 'Import cost', 'Samples (ms)'], s.imports.map((x) => [x.name, ms(median(x.samples)), ms(median(x.samples) - bareImport), samplesText(x.samples)])));
  lines.push('');
  } else lines.push('Not measured in this run (BENCH_ONLY).', '');
  lines.push('### First frame of the wizard (`cpi-mtls --demo` in a pseudo-terminal)', '');
  if (ff) {
    const bareFrame = frameBase;
    lines.push(`Spawned with @lydell/node-pty (120×45, \`CI\` and \`NO_COLOR\` removed from the environment: Ink draws no live frames when \`CI\` is set). Time from spawn until the text appears on the screen. The yardstick is a bare Node that prints one character (\`node -e "process.stdout.write('.')"\`), spawned and timed the same way, so that node-pty's own spawn cost is in both; \`node -e 0\` as a plain child process (spawn to exit; node-pty reports exits late) is shown beside it. Both run three times before each round of the runs.`, '');
    lines.push(table(['Until', 'Median', 'vs. the yardstick', 'Samples (ms)'], [
      ...(ff.bareNodePty?.length ? [['bare Node printing one character, in the same pseudo-terminal set-up (the yardstick)', ms(bareFrame), '1.00×', samplesText(ff.bareNodePty)]] : []),
      ['`node -e 0` as a plain child process (no terminal, spawn to exit)', ms(median(ff.bareNode ?? [])), ratio(median(ff.bareNode ?? []), bareFrame), samplesText(ff.bareNode ?? [])],
      ['"cpi-mtls" (first frame, while the demo landscape starts)', ms(median(ff.banner)), ratio(median(ff.banner), bareFrame), samplesText(ff.banner)],
      [`first question "${FIRST_QUESTION}"`, ms(median(ff.question)), ratio(median(ff.question), bareFrame), samplesText(ff.question)],
      ['"cpi-mtls", with `UV_THREADPOOL_SIZE=1` (one libuv pool thread for key generation and file reads)', ms(median(ff.onePoolThread.banner)), ratio(median(ff.onePoolThread.banner), bareFrame), samplesText(ff.onePoolThread.banner)],
      ['first question, with `UV_THREADPOOL_SIZE=1`', ms(median(ff.onePoolThread.question)), ratio(median(ff.onePoolThread.question), bareFrame), samplesText(ff.onePoolThread.question)],
      ['"cpi-mtls" without a demo landscape (`cpi-mtls --cf <missing file>`: same Ink start, nothing else running)', ms(median(ff.noLandscapeBanner ?? [])), ratio(median(ff.noLandscapeBanner ?? []), bareFrame), samplesText(ff.noLandscapeBanner ?? [])],
    ]));
    if (ff.failures.length) lines.push('', ...ff.failures.map((f) => `- failure: ${f}`));
    lines.push('', `Target: first frame under ${FIRST_FRAME_TARGET_RATIO}× a bare Node start: ${verdict(frameRatio < FIRST_FRAME_TARGET_RATIO)} (${ratio(median(ff.banner), bareFrame)}; against \`node -e 0\` as a plain child process ${ratio(median(ff.banner), median(ff.bareNode ?? []))}).`);
    lines.push('', `The first question waits for the demo landscape (${r.apply ? `median ${ms(landscape)} inside the Option 1 runs below, ` : ''}mostly the 13 RSA key pairs of the demo PKI) and the preflight cf calls; against a real landscape there is no landscape to start.`, '');
  } else lines.push('Not measured in this run (BENCH_ONLY).', '');
  if (fc) {
    lines.push('### Fresh clone: `npm ci && npm run demo`', '');
    lines.push(`\`git clone --no-hardlinks\` of this repository (commit ${fc.commit}) into a temporary folder, \`npm ci --prefer-offline\` there (packages from the npm cache, warm as on a developer's machine: no download), then \`npm run demo\` in a pseudo-terminal until the wizard's banner \`cpi-mtls ${DEMO_BANNER}\` appears. \`npm run demo\` builds first (esbuild) and prints one progress line.`, '');
    lines.push(table(['Step', 'Time'], [
      ['`git clone --no-hardlinks` (local)', `${(fc.cloneMs / 1000).toFixed(1)} s`],
      ['`npm ci --prefer-offline` (npm cache)', `${(fc.npmCiMs / 1000).toFixed(1)} s`],
      ['`npm run demo` to the first frame (npm, build, Node start, Ink)', fc.demoMs === undefined ? `no first frame: ${fc.failure}` : `${(fc.demoMs / 1000).toFixed(1)} s`],
      ['… of which the build, as its progress line says', fc.buildLine ? `\`${fc.buildLine}\`` : 'n/a'],
      ['**`npm ci && npm run demo` to the first frame**', fc.demoMs === undefined ? 'n/a' : `**${((fc.npmCiMs + fc.demoMs) / 1000).toFixed(1)} s**`],
    ]));
    lines.push('');
  } else lines.push(KEPT('### Fresh clone'), '');

  if (!r.apply) lines.push(KEPT('## 2.'), '');
  else {
  lines.push('## 2. Option 1 from a plan file', '');
  lines.push('`node dist/bin/cpi-mtls.js apply --plan plan.json --demo --json` with `CPI_MTLS_DEMO_HOME` set to a fresh temporary folder per run; the plan (external certificate, role `ESBMessaging.send`, live test POST `/http/demo/orders`) points at the demo\'s customer files in `$CPI_MTLS_DEMO_HOME/customer-files/`. cf calls are timed from inside the process by `dist/bench/cf-trace.js` (preloaded with `--import`; it times each child process from spawn to close, as the cf adapter\'s `log[].durationMs` does, which the JSON result does not include).', '');
  lines.push(table(['', 'Median', 'Share of the run', 'Samples (ms)'], [
    ['Wall time (spawn to exit)', ms(wall), '', samplesText(per(wallOf))],
    ['of which the demo landscape start (demo only: PKI, local tenant, stand-in; from the trace)', ms(landscape), '', samplesText(per((x) => x.landscapeMs))],
    ['**Run without the demo landscape start**', ms(run), '100 %', samplesText(per(runOf))],
    [`inside cf (${cfCount} calls, ${ms(perCall)} each on average)`, ms(cfMs), percent(cfMs, run), samplesText(per((x) => x.cfMs))],
    ['waiting between broker polls', ms(sleepMs), percent(sleepMs, run), samplesText(per((x) => x.sleepMs))],
    ['**cpi-mtls itself**', ms(own), `**${(ownShare * 100).toFixed(1)} %**`, samplesText(per(ownOf))],
    ['… spawn to the landscape start (Node start-up, imports, plan)', ms(median(per((x) => x.beforeLandscapeMs))), percent(median(per((x) => x.beforeLandscapeMs)), run), samplesText(per((x) => x.beforeLandscapeMs))],
    ['… landscape up to the first cf call (engine set-up)', ms(median(per((x) => x.landscapeToCfMs))), percent(median(per((x) => x.landscapeToCfMs)), run), samplesText(per((x) => x.landscapeToCfMs))],
    ['… first cf call to exit, outside cf (checks, scan, live test, files, landscape stop)', ms(median(per((x) => x.ownAfterFirstCfMs))), percent(median(per((x) => x.ownAfterFirstCfMs)), run), samplesText(per((x) => x.ownAfterFirstCfMs))],
  ]));
  const projected = (perCallMs: number) => `${((100 * own) / (own + cfCount * perCallMs + sleepMs)).toFixed(1)} %`;
  lines.push(
    '',
    `Target cpi-mtls's own time < ${OWN_SHARE_TARGET * 100} % of the run: ${verdict(ownShare < OWN_SHARE_TARGET)} on the demo landscape. Each stand-in cf call is a Node process (${ms(perCall)} on average here); a real \`cf curl\` is a Go binary plus a round trip to the Cloud Controller and the broker. With the same cpi-mtls time and ${cfCount} calls, the share would be ${projected(300)} at 300 ms per cf call and ${projected(1000)} at 1 s per call; it falls under ${OWN_SHARE_TARGET * 100} % once a cf call takes more than ${ms(((1 / OWN_SHARE_TARGET - 1) * own - sleepMs) / cfCount)}.`,
    '',
  );
  lines.push('### cf calls compared with the minimal manual sequence', '');
  lines.push('Minimal manual sequence (6 calls): `cf target`, `cf marketplace -e it-rt`, `cf create-service it-rt integration-flow <name> -c file`, `cf service <name> --params`, `cf create-service-key <name> <key> -c file`, `cf service-key <name> <key>`.', '');
  lines.push(table(['#', 'cf call (from the checklist JSON)', 'Manual counterpart'], commands.map((c, i) => [String(i + 1), `\`${c.replace(/\|/g, '\\|').slice(0, 140)}${c.length > 140 ? '…' : ''}\``, manualEquivalent(c, i, commands)])));
  lines.push('');

  }

  if (!r.audit) lines.push(KEPT('## 3.'), '');
  else {
  lines.push('## 3. Audit on stand-in landscapes', '');
  lines.push(
    audit.viaCli
      ? '`node dist/bin/cpi-mtls.js audit --json --cf <stand-in cf> --parallel N` against a stand-in with N service keys (certificate_external, 10 keys per it-rt instance, every 25th certificate expiring within 30 days), seeded with `seedState`. cf calls counted and timed by the same preload.'
      : '`cpi-mtls audit` was not built yet: the same reads made directly through `createCfAdapter` (`listInstances` + `listKeys` + `keyCredentials` per key, one after the other) against a stand-in with N service keys.',
    '',
  );
  lines.push(table(['Keys', 'Instances', '--parallel', 'cf calls', 'Wall (median)', 'Wall per key', 'One cf call (mean)', 'Some cf call running', 'No cf call running', 'Peak RSS', 'Stand-in state file', 'Samples (ms)'], audit.runs.map((x) => [
    String(x.keys), String(x.instances), String(x.parallel), String(x.cfCount), ms(median(x.wallMs)), ms(median(x.wallMs) / x.keys, 1), ms(x.cfCallMs), ms(x.cfBusyMs), ms(median(x.wallMs) - x.cfBusyMs), `${(x.maxRssKb / 1024).toFixed(0)} MB`, `${x.stateFileKb.toFixed(0)} KB`, samplesText(x.wallMs),
  ])));
  if (smallest) {
    lines.push('', `The cf calls of the ${smallest.keys}-key audit (the larger ones differ only in the number of per-key reads${smallest.instances > 50 ? '' : ' and of key-list pages (50 instances per query)'}):`, '', '```', ...smallest.commands.map((c) => (c.length > 160 ? c.slice(0, 160) + '…' : c)), '```');
    lines.push('', 'Growth relative to the smallest landscape (parallel 8):', '');
    lines.push(table(['Keys', 'Keys ×', 'cf calls ×', 'Wall ×'], [...auditByKeys.values()].map((x) => [String(x.keys), ratio(x.keys, smallest.keys), ratio(x.cfCount, smallest.cfCount), ratio(median(x.wallMs), median(smallest.wallMs))])));
  }
  lines.push('');

  }

  if (!r.probe) lines.push(KEPT('## 4.'), '');
  else {
  lines.push('## 4. Live probe next to `openssl s_client`', '');
  lines.push('A local HTTPS server (demo load balancer chain; asks for a client certificate) on 127.0.0.1. In-process numbers exclude module loading (one warm-up call).', '');
  lines.push(rowsTable(r.probe, r.probe.some((x) => x.name.startsWith('`openssl s_client -connect … -CAfile root.pem`')) ? '`openssl s_client -connect … -CAfile root.pem`' : r.probe[0]!.name));
  lines.push('', '`cpi-mtls probe` does more than `s_client`: it captures and checks the chain, writes nothing unless `--out` is given, and with a certificate makes the HTTP call and diagnoses the answer.', '');

  }

  if (!r.certs) lines.push(KEPT('## 5.'), '');
  else {
  lines.push('## 5. Key generation and PKCS#12 export next to openssl', '');
  lines.push(`RSA key generation time varies from key to key (searching primes), hence ${r.runs * 2 + 1} runs each.`, '');
  lines.push(rowsTable(r.certs.keygen, r.certs.keygen.find((x) => x.name.startsWith('`openssl req -new -newkey'))?.name ?? r.certs.keygen[0]!.name));
  lines.push('');
  lines.push(rowsTable(r.certs.p12, r.certs.p12.find((x) => x.name.startsWith('`openssl pkcs12'))?.name ?? r.certs.p12[0]!.name));
  lines.push('');

  }

  if (!r.apply || !r.audit) lines.push(KEPT('## 6.'), '');
  else {
  lines.push('## 6. Peak memory (RSS)', '');
  lines.push(table(['Process', 'Peak RSS'], [
    ['`cpi-mtls apply --plan … --demo --json` (process.resourceUsage().maxRSS at exit; median of the runs)', `${median(rss).toFixed(0)} MB (max ${Math.max(...rss).toFixed(0)} MB)`],
    ...(a.gnuTimeMaxRssKb ? [['the same run under `/usr/bin/time -v` (largest process of the tree)', `${(a.gnuTimeMaxRssKb / 1024).toFixed(0)} MB`]] : []),
    ...audit.runs.filter((x) => x.parallel !== 1).map((x) => [`\`cpi-mtls audit\`, ${x.keys} keys`, `${(x.maxRssKb / 1024).toFixed(0)} MB`]),
  ]));
  lines.push('');
  }
  return lines.join('\n');
}

/**
 * Partial runs: fills each placeholder with the same part of the previous report (a `## `
 * section up to the next one, a `### ` subsection up to the next heading, or a summary row
 * starting with the target text); drops a placeholder the previous report does not have.
 */
function keepFromPrevious(rendered: string, previous: string): string {
  const body = previous.split(/^## Analysis/m)[0]!;
  // A partial report names the full run its kept parts come from; a full one is that run.
  const keptDate = /kept unchanged from the full run of ([^.]+UTC)/.exec(body)?.[1] ?? /^\| Date \| (.+?) \|$/m.exec(body)?.[1] ?? 'an earlier run';
  rendered = rendered.replace(KEPT_DATE, keptDate);
  const rows = rendered.replace(/^\| <!-- kept: (.+?) --> \|\n/gm, (_match, what: string) => {
    const line = body.split('\n').find((l) => l.startsWith(`| ${what}`));
    return line ? line + '\n' : '';
  });
  return rows.replace(/^<!-- kept: (.+?) -->\n\n?/gm, (_match, what: string) => {
    const level = /^#+/.exec(what)![0];
    const start = body.split('\n').findIndex((l) => l.startsWith(what));
    if (start < 0) return '';
    const lines = body.split('\n').slice(start);
    const end = lines.findIndex((l, i) => i > 0 && (level === '##' ? /^## /.test(l) : /^##+ /.test(l)));
    return lines.slice(0, end < 0 ? undefined : end).join('\n').trimEnd() + '\n\n';
  });
}

async function writeReport(results: Results): Promise<void> {
  const analysis = await readFile(path.join(ROOT, 'bench', 'analysis.md'), 'utf8').catch(() => '');
  let report = render(results);
  if (report.includes('<!-- kept')) report = keepFromPrevious(report, await readFile(OUT, 'utf8').catch(() => ''));
  await writeFile(OUT, report + (analysis ? '\n' + analysis.trim() + '\n' : ''));
}

async function main(): Promise<void> {
  // `--from results.json`: render the report again from saved numbers (after editing bench/analysis.md).
  const fromIndex = process.argv.indexOf('--from');
  if (fromIndex > 0) {
    const saved = JSON.parse(await readFile(process.argv[fromIndex + 1]!, 'utf8')) as Results;
    saved.startedAt = new Date(saved.startedAt);
    await writeReport(saved);
    log(`wrote ${OUT} from ${process.argv[fromIndex + 1]}`);
    return;
  }
  const startedAt = new Date();
  const started = performance.now();
  const host = machine();
  log(`machine: ${host.cpu}, ${host.cores} cores, load ${host.load.map((l) => l.toFixed(2)).join(' ')}; BENCH_RUNS=${RUNS}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench does).`);
  const opensslOut = await runProcess('openssl', ['version'], {timeoutMs: 10_000}).catch(() => undefined);
  const opensslVersion = opensslOut?.exitCode === 0 ? opensslOut.stdout.trim() : undefined;
  const dir = await tempDir('main');
  try {
    const startup = selected('startup') ? await measureStartup() : undefined;
    const firstFrame = selected('firstframe') ? await measureFirstFrame() : undefined;
    const freshClone = selected('freshclone') ? await measureFreshClone() : undefined;
    const apply = selected('apply') ? await measureApply() : undefined;
    let pki: DemoPki | undefined;
    if (selected('probe') || selected('certs') || selected('audit')) {
      log('demo PKI for the probe, certificate and audit measurements');
      pki = await createDemoPki();
    }
    const probe = pki && selected('probe') ? await measureProbe(pki, dir, Boolean(opensslVersion)) : undefined;
    const certs = pki && selected('certs') ? await measureCerts(pki, dir, Boolean(opensslVersion)) : undefined;
    const audit = pki && selected('audit') ? await measureAudit(pki) : undefined;
    const results: Results = {machine: host, loadAtEnd: os.loadavg(), startedAt, totalMs: performance.now() - started, runs: RUNS, note: process.env.BENCH_NOTE || undefined, only: ONLY, opensslVersion, startup, firstFrame, freshClone, apply, audit, probe, certs};
    const saveTo = path.join(os.tmpdir(), 'cpi-mtls-bench-results.json');
    await writeFile(saveTo, JSON.stringify(results));
    await writeReport(results);
    log(`wrote ${OUT} in ${((performance.now() - started) / 1000).toFixed(0)} s (numbers saved in ${saveTo}; re-render with: node dist/bench/run.js --from ${saveTo})`);
  } finally {
    await rm(dir, {recursive: true, force: true, maxRetries: 3});
  }
}

await main();
