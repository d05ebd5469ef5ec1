/**
 * Command line of the stand-in `cf`: argument parsing, preconditions and the exact output of
 * cf v8 (and v7 when CF_SIM_VERSION starts with 7.), per cf-cli.md §1-7, §10 and §12.
 */
import {randomUUID} from 'node:crypto';
import {once} from 'node:events';
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {brokerName, offeringOf, planOf} from './broker.js';
import {CcError, createInstance, createKey, deleteInstance, deleteKey, handleRequest, instanceParameters, keyDetails, notFound, pollInstance, pollJob, pollKey, updateInstance} from './cc.js';
import {
  CC_API_VERSION,
  seedState,
  readSimState,
  sleepSync,
  stateFileFromEnv,
  withStateLock,
  writeStateFile,
  type FaultSpec,
  type FaultTable,
  type SimInstance,
  type SimJob,
  type SimKey,
  type SimPlan,
  type SimState,
} from './state.js';

// ---------------------------------------------------------------------------------------------
// Output

class Output {
  stdout = '';
  stderr = '';
  constructor(
    private readonly color: boolean,
    readonly v7: boolean,
  ) {}

  say(text = ''): void {
    this.stdout += text + '\n';
  }

  raw(text: string): void {
    this.stdout += text;
  }

  warn(text: string): void {
    this.stderr += text + '\n';
  }

  ok(): void {
    this.say(this.color ? '\x1b[32;1mOK\x1b[0m' : 'OK');
    if (!this.v7) this.say();
  }

  failedWord(): string {
    return this.color ? '\x1b[31;1mFAILED\x1b[0m' : 'FAILED';
  }

  /** v8: message to stderr, FAILED to stdout. v7: both on stdout, FAILED first. */
  fail(message: string): number {
    if (this.v7) {
      this.say(this.failedWord());
      this.say(message);
    } else {
      this.warn(message);
      this.say(this.failedWord());
    }
    return 1;
  }
}

/** Rows as cf prints them: column width = longest cell + 3, last column unpadded. */
function table(rows: string[][], indent = '', minWidths: number[] = []): string[] {
  const widths: number[] = minWidths.map((w) => w - 3);
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join(''));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Go's json.MarshalIndent with sorted keys; v7 also HTML-escapes. */
function goJson(value: unknown, indent: number, htmlEscape = false): string {
  const text = JSON.stringify(sortKeys(value), null, indent);
  return htmlEscape ? text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') : text;
}

// ---------------------------------------------------------------------------------------------
// Argument parsing

interface FlagSpec {
  short?: string;
  long?: string;
  value?: boolean;
  /** Only from this major version on. */
  v8?: boolean;
  /** Only on v8.18.0 and later. */
  since818?: boolean;
  description: string;
}

interface CommandSpec {
  name: string;
  alias?: string;
  description: string;
  usage: string;
  positionals: string[];
  optional?: number;
  flags: Record<string, FlagSpec>;
}

const WAIT: FlagSpec = {short: 'w', long: 'wait', v8: true, description: 'Wait for the operation to complete'};
const PARAMS: FlagSpec = {short: 'c', value: true, description: 'Valid JSON object containing service-specific configuration parameters, provided either in-line or in a file.'};

const COMMANDS: CommandSpec[] = [
  {name: 'version', description: 'Print the version', usage: 'version', positionals: [], flags: {}},
  {name: 'api', description: 'Set or view target api url', usage: 'api [URL]', positionals: ['URL'], optional: 1, flags: {unset: {long: 'unset', description: 'Remove all api endpoint targeting'}, 'skip-ssl-validation': {long: 'skip-ssl-validation', description: 'Skip verification of the API endpoint. Not recommended!'}}},
  {name: 'auth', description: 'Authenticate non-interactively', usage: 'auth USERNAME PASSWORD', positionals: ['USERNAME', 'PASSWORD'], flags: {'client-credentials': {long: 'client-credentials', description: 'Use (non-user) service account'}, origin: {long: 'origin', value: true, description: 'Indicates the identity provider'}}},
  {
    name: 'login',
    alias: 'l',
    description: 'Log user in',
    usage: 'login [-a API_URL] [-u USERNAME] [-p PASSWORD] [-o ORG] [-s SPACE] [--sso]',
    positionals: [],
    flags: {
      a: {short: 'a', value: true, description: 'API endpoint'},
      u: {short: 'u', value: true, description: 'Username'},
      p: {short: 'p', value: true, description: 'Password'},
      o: {short: 'o', value: true, description: 'Org'},
      s: {short: 's', value: true, description: 'Space'},
      sso: {long: 'sso', description: 'Prompt for a one-time passcode to login'},
      origin: {long: 'origin', value: true, description: 'Identity provider'},
      'skip-ssl-validation': {long: 'skip-ssl-validation', description: 'Skip verification of the API endpoint'},
    },
  },
  {name: 'logout', alias: 'lo', description: 'Log user out', usage: 'logout', positionals: [], flags: {}},
  {name: 'target', alias: 't', description: 'Set or view the targeted org or space', usage: 'target [-o ORG] [-s SPACE]', positionals: [], flags: {o: {short: 'o', value: true, description: 'Organization'}, s: {short: 's', value: true, description: 'Space'}}},
  {
    name: 'marketplace',
    alias: 'm',
    description: 'List service offerings',
    usage: 'marketplace [-e SERVICE_OFFERING] [-b SERVICE_BROKER] [--no-plans] [--show-unavailable]',
    positionals: [],
    flags: {
      e: {short: 'e', value: true, description: 'Show plan details for a particular service offering'},
      b: {short: 'b', value: true, description: 'Only show details for a particular service broker'},
      'no-plans': {long: 'no-plans', description: 'Hide plan information for service offerings'},
      'show-unavailable': {long: 'show-unavailable', description: 'Show plans that are not available for use'},
    },
  },
  {
    name: 'create-service',
    alias: 'cs',
    description: 'Create a service instance',
    usage: 'create-service SERVICE_OFFERING PLAN SERVICE_INSTANCE [-b SERVICE_BROKER] [-c PARAMETERS_AS_JSON] [-t TAGS] [--wait]',
    positionals: ['SERVICE_OFFERING', 'SERVICE_PLAN', 'SERVICE_INSTANCE'],
    flags: {b: {short: 'b', value: true, description: 'Create a service instance from a particular broker'}, c: PARAMS, t: {short: 't', value: true, description: 'User provided tags'}, wait: WAIT},
  },
  {
    name: 'update-service',
    description: 'Update a service instance',
    usage: 'update-service SERVICE_INSTANCE [-p NEW_PLAN] [-c PARAMETERS_AS_JSON] [-t TAGS] [--wait]',
    positionals: ['SERVICE_INSTANCE'],
    flags: {c: PARAMS, p: {short: 'p', value: true, description: 'Change service plan for a service instance'}, t: {short: 't', value: true, description: 'User provided tags'}, wait: WAIT},
  },
  {
    name: 'service',
    description: 'Show service instance info',
    usage: 'service SERVICE_INSTANCE [--guid | --params]',
    positionals: ['SERVICE_INSTANCE'],
    flags: {guid: {long: 'guid', description: 'Retrieve and display the given service instances\'s guid. All other output is suppressed.'}, params: {long: 'params', v8: true, description: 'Retrieve and display the given service instance\'s parameters. All other output is suppressed.'}},
  },
  {name: 'services', alias: 's', description: 'List all service instances in the target space', usage: 'services', positionals: [], flags: {}},
  {
    name: 'create-service-key',
    alias: 'csk',
    description: 'Create key for a service instance',
    usage: 'create-service-key SERVICE_INSTANCE SERVICE_KEY [-c PARAMETERS_AS_JSON] [--wait]',
    positionals: ['SERVICE_INSTANCE', 'SERVICE_KEY'],
    flags: {c: PARAMS, wait: WAIT},
  },
  {
    name: 'service-key',
    description: 'Show service key info',
    usage: 'service-key SERVICE_INSTANCE SERVICE_KEY [--guid | --json]',
    positionals: ['SERVICE_INSTANCE', 'SERVICE_KEY'],
    flags: {guid: {long: 'guid', description: 'Retrieve and display the given service-key\'s guid. All other output is suppressed.'}, json: {long: 'json', since818: true, description: 'Output credentials as JSON'}},
  },
  {name: 'service-keys', alias: 'sk', description: 'List keys for a service instance', usage: 'service-keys SERVICE_INSTANCE', positionals: ['SERVICE_INSTANCE'], flags: {}},
  {
    name: 'delete-service-key',
    alias: 'dsk',
    description: 'Delete a service key',
    usage: 'delete-service-key SERVICE_INSTANCE SERVICE_KEY [-f] [--wait]',
    positionals: ['SERVICE_INSTANCE', 'SERVICE_KEY'],
    flags: {f: {short: 'f', description: 'Force deletion without confirmation'}, wait: WAIT},
  },
  {
    name: 'delete-service',
    alias: 'ds',
    description: 'Delete a service instance',
    usage: 'delete-service SERVICE_INSTANCE [-f] [--wait]',
    positionals: ['SERVICE_INSTANCE'],
    flags: {f: {short: 'f', long: 'force', description: 'Force deletion without confirmation'}, wait: WAIT},
  },
  {name: 'oauth-token', description: 'Retrieve and display the OAuth token for the current session', usage: 'oauth-token', positionals: [], flags: {}},
  {
    name: 'curl',
    description: 'Executes a request to the targeted API endpoint',
    usage: 'curl PATH [-iv] [-X METHOD] [-H HEADER]... [-d DATA] [--output FILE]',
    positionals: ['PATH'],
    flags: {
      i: {short: 'i', description: 'Include response headers in the output'},
      v: {short: 'v', description: 'Enable CF_TRACE output for all requests and responses'},
      X: {short: 'X', value: true, description: 'HTTP method (GET,POST,PUT,DELETE,etc)'},
      H: {short: 'H', value: true, description: 'Custom headers to include in the request, flag can be specified multiple times'},
      d: {short: 'd', value: true, description: 'HTTP data to include in the request body, or \'@\' followed by a file name to read the data from'},
      output: {long: 'output', value: true, description: 'Write curl body to FILE instead of stdout'},
      fail: {short: 'f', long: 'fail', description: 'Server errors return exit code 22'},
    },
  },
  {name: 'help', alias: 'h', description: 'Show help', usage: 'help [COMMAND]', positionals: ['COMMAND'], optional: 1, flags: {a: {short: 'a', description: 'All commands'}}},
];

class UsageFailure extends Error {
  constructor(
    message: string,
    readonly failedFirst = false,
  ) {
    super(message);
  }
}

interface Parsed {
  positionals: string[];
  flags: Map<string, string[]>;
  /** The `-c` parameters, when given. */
  parameters?: Record<string, unknown>;
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function parseArgs(spec: CommandSpec, args: string[], version: string): Parsed {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  const usable = Object.entries(spec.flags).filter(([, f]) => (!f.v8 || majorOf(version) >= 8) && (!f.since818 || atLeast(version, 8, 18)));
  const byShort = (c: string) => usable.find(([, f]) => f.short === c);
  const byLong = (l: string) => usable.find(([, f]) => f.long === l);
  const add = (name: string, value: string) => flags.set(name, [...(flags.get(name) ?? []), value]);
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // `--name[=value]`, or a group `-abc` of short flags in which a value flag takes the rest (`-cVALUE`, `-c=VALUE`).
      const long = arg.startsWith('--');
      for (let rest = arg.slice(long ? 2 : 1); rest; ) {
        const [key, inline] = long
          ? (rest.split(/=(.*)/s, 2) as [string, string | undefined])
          : [rest[0]!, rest.length > 1 ? rest.slice(1).replace(/^=/, '') : undefined];
        const found = long ? byLong(key) : byShort(key);
        if (!found) throw new UsageFailure(`unknown flag \`${key}'`);
        const [name, flag] = found;
        rest = long || flag.value ? '' : rest.slice(1);
        if (!flag.value) add(name, 'true');
        else {
          const value = inline ?? args[++i];
          if (value === undefined) throw new UsageFailure(`expected argument for flag \`${long ? '--' : '-'}${key}'`);
          add(name, value);
        }
      }
      continue;
    }
    positionals.push(arg);
  }
  const required = spec.positionals.length - (spec.optional ?? 0);
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length, required).map((p) => `\`${p}\``);
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`;
    throw new UsageFailure(`the required argument${missing.length === 1 ? '' : 's'} ${list} ${missing.length === 1 ? 'was' : 'were'} not provided`);
  }
  if (positionals.length > spec.positionals.length) throw new UsageFailure(`unexpected argument "${positionals[spec.positionals.length]}"`, true);
  const parameters = flags.get('c')?.at(-1);
  return {positionals, flags, parameters: parameters === undefined ? undefined : parseParameters(parameters)};
}

const INVALID_C = 'Invalid configuration provided for -c flag. Please provide a valid JSON object or path to a file containing a valid JSON object.';

/** `-c`: a file when it exists, else inline JSON; must be an object (`null` sends `{}`). */
function parseParameters(value: string): Record<string, unknown> {
  let text = value;
  try {
    if (statSync(value).isFile()) text = readFileSync(value, 'utf8');
  } catch {
    /* not a file: inline JSON */
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null) return {};
    if (typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* invalid */
  }
  throw new UsageFailure(INVALID_C);
}

function incorrectUsage(out: Output, error: UsageFailure, help: string): number {
  out.warn(`Incorrect Usage: ${error.message}`);
  out.warn('');
  if (error.failedFirst) {
    out.say(out.failedWord());
    out.say();
  }
  out.raw(help);
  return 1;
}

function helpText(spec: CommandSpec, bin: string): string {
  const lines = ['NAME:', `   ${spec.name} - ${spec.description}`, '', 'USAGE:', `   ${bin} ${spec.usage}`, ''];
  if (spec.alias) lines.push('ALIAS:', `   ${spec.alias}`, '');
  const flags = Object.values(spec.flags);
  if (flags.length) {
    lines.push('OPTIONS:');
    const rows = flags.map((f) => [[f.long && `--${f.long}`, f.short && `-${f.short}`].filter(Boolean).join(', '), f.description]);
    lines.push(...table(rows, '   '), '');
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Faults (stand-in only)

const asList = (value: FaultSpec | FaultSpec[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function faultList(table: FaultTable | undefined, command: string): FaultSpec[] {
  return table ? [...asList(table[command]), ...asList(table['*'])] : [];
}

function envFaults(): FaultTable {
  const text = process.env.CF_SIM_FAULTS;
  if (!text) return {};
  try {
    return JSON.parse(text) as FaultTable;
  } catch {
    process.stderr.write('stand-in cf: CF_SIM_FAULTS is not valid JSON; ignored\n');
    return {};
  }
}

/** Faults for this command, with `once` faults consumed (state faults removed, env faults remembered). */
function takeFaults(file: string, command: string): FaultSpec[] {
  const fromState = faultList(readSimState(file)?.faults, command);
  const fromEnv = faultList(envFaults(), command);
  if (!fromState.some((f) => f.once) && !fromEnv.some((f) => f.once)) return [...fromState, ...fromEnv];
  return withStateLock(file, () => {
    const current = readSimState(file);
    if (!current) return [...fromState, ...fromEnv];
    const list = faultList(current.faults, command);
    for (const name of [command, '*']) {
      const kept = asList(current.faults[name]).filter((f) => !f.once);
      if (kept.length) current.faults[name] = kept;
      else delete current.faults[name];
    }
    for (const fault of fromEnv) {
      const id = `${command}:${JSON.stringify(fault)}`;
      if (fault.once) {
        if (current.firedFaults.includes(id)) continue;
        current.firedFaults.push(id);
      }
      list.push(fault);
    }
    writeStateFile(file, current);
    return list;
  });
}

const PANIC = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x10a3c5e]

goroutine 1 [running]:
code.cloudfoundry.org/cli/v8/actor/v7action.(*Actor).GetServiceInstanceByNameAndSpace(0xc0001a2000, {0xc00003a0c0, 0x8}, {0xc000040060, 0x24})
\t/go/src/code.cloudfoundry.org/cli/actor/v7action/service_instance.go:57 +0x5e
main.main()
\t/go/src/code.cloudfoundry.org/cli/main.go:18 +0x25
`;

// ---------------------------------------------------------------------------------------------
// Running a command

interface Env {
  bin: string;
  version: string;
  v7: boolean;
  out: Output;
  state: SimState;
  fault?: FaultSpec;
  pollMs: number;
}

const TOKEN_EXPIRED = 'The token expired, was revoked, or the token ID is incorrect. Please log back in to re-authenticate.';

type Need = 'none' | 'api' | 'login' | 'space';

/** cf-cli.md §3, in order. Returns an error message or null. */
function precondition(env: Env, need: Need): string | null {
  const {state, bin} = env;
  if (need === 'none') return null;
  if (!state.api) return `No API endpoint set. Use '${bin} login' or '${bin} api' to target an endpoint.`;
  if (need === 'api') return null;
  if (!state.auth) return `Not logged in. Use '${bin} login' or '${bin} login --sso' to log in.`;
  if (state.auth.expired) return TOKEN_EXPIRED;
  if (need === 'login') return null;
  if (!state.target.org) return `No org targeted, use '${bin} target -o ORG' to target an org.`;
  if (!state.target.space) return `No space targeted, use '${bin} target -s SPACE' to target a space.`;
  return null;
}

function where(env: Env): string {
  return `in org ${env.state.target.org!.name} / space ${env.state.target.space!.name} as ${env.state.auth!.user}...`;
}

function findInstance(env: Env, name: string): SimInstance | undefined {
  const instance = env.state.instances.find((i) => i.name === name && i.space_guid === env.state.target.space!.guid);
  return instance && pollInstance(env.state, instance) ? instance : undefined;
}

function findKey(env: Env, instance: SimInstance, name: string): SimKey | undefined {
  const key = env.state.keys.find((k) => k.instance_guid === instance.guid && k.name === name);
  return key && pollKey(env.state, key) ? key : undefined;
}

/** The instance, or a failure (printed by runCf) when it is missing. */
function requireInstance(env: Env, name: string): SimInstance {
  const instance = findInstance(env, name);
  if (!instance) throw notFound(env.v7 ? `Service instance ${name} not found` : `Service instance '${name}' not found`);
  return instance;
}

/** Whether a plan belongs to the named offering (any case) and, when one is named, broker. */
function offeredBy(state: SimState, plan: SimPlan, offeringName: string | undefined, brokerFilter: string | undefined): boolean {
  const offering = offeringOf(state, plan);
  return (!offeringName || offering.name.toLowerCase() === offeringName.toLowerCase()) && (!brokerFilter || brokerName(state, offering) === brokerFilter);
}

function jobFailure(job: SimJob): string {
  return `Job (${job.guid}) failed: ${job.errors[0]?.detail ?? 'An unknown error occurred.'}`;
}

/** v6-style text for a failed job (v7 prints the CC error of the request). */
function v7JobFailure(job: SimJob): string {
  return `Server error, status code: 502, error code: 10001, message: ${(job.errors[0]?.detail ?? 'An unknown error occurred.').replace(/^\w+ could not be completed: /, '')}`;
}

/** Polls a job like `--wait`: one dot per poll. Returns the final job. */
function waitForJob(env: Env, job: SimJob): SimJob {
  env.out.raw('Waiting for the operation to complete');
  let polls = 0;
  do {
    sleepSync(env.pollMs);
    pollJob(env.state, job);
    env.out.raw('.');
    polls += 1;
  } while (job.state === 'POLLING' && polls < 10_000);
  env.out.say();
  env.out.say();
  return job;
}

function fakeJwt(user: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [encode({alg: 'RS256', kid: 'key-1', typ: 'JWT'}), encode({jti: randomUUID().replace(/-/g, ''), sub: randomUUID(), scope: ['cloud_controller.read', 'cloud_controller.write', 'openid'], client_id: 'cf', cid: 'cf', grant_type: 'password', user_name: user, origin: 'uaa', iat: now, exp: now + 1200, iss: 'https://uaa.cf.example/oauth/token', aud: ['cloud_controller', 'openid', 'cf']}), Buffer.from(randomUUID()).toString('base64url')].join('.');
}

function targetTable(env: Env): string[] {
  const {state} = env;
  const rows = [
    ['API endpoint:', state.api!.target],
    ['API version:', state.api!.version],
  ];
  if (state.auth) rows.push(['user:', state.auth.user]);
  if (state.target.org) rows.push(['org:', state.target.org.name]);
  if (state.target.space) rows.push(['space:', state.target.space.name]);
  return table(rows);
}

// A table, not node:http's STATUS_CODES: loading node:http would slow every stand-in cf call.
const STATUS_TEXT: Record<number, string> = {200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 502: 'Bad Gateway'};

function trace(env: Env, method: string, url: string, status: number, body: string): void {
  const now = new Date().toISOString();
  env.out.say(`REQUEST: [${now}]`);
  env.out.say(`${method} ${url.replace(/^https?:\/\/[^/]+/, '')} HTTP/1.1`);
  env.out.say(`Host: ${(env.state.api?.target ?? '').replace(/^https?:\/\//, '')}`);
  env.out.say('Accept: application/json');
  env.out.say('Authorization: [PRIVATE DATA HIDDEN]');
  env.out.say('User-Agent: cf/' + env.version + ' (go1.22.5; amd64 linux)');
  env.out.say();
  env.out.say(`RESPONSE: [${now}]`);
  env.out.say(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`);
  env.out.say('Content-Type: application/json; charset=utf-8');
  env.out.say(`X-Vcap-Request-Id: ${randomUUID()}`);
  env.out.say();
  env.out.say(body);
  env.out.say();
}

type Handler = (env: Env, parsed: Parsed) => number;

const flag = (parsed: Parsed, name: string) => parsed.flags.has(name);
const value = (parsed: Parsed, name: string) => parsed.flags.get(name)?.at(-1);

/**
 * How cf ends a service operation. Instances (create, update, delete; `done` given): v7 prints OK,
 * then the progress line for an async broker; v8 waits with --wait, then prints the progress or
 * done line and OK (cf-cli.md §4.5, §4.12, §10). Keys: OK first, then v8 prints "… in progress."
 * for an async broker (§4.8, §4.11).
 */
function reportJob(env: Env, parsed: Parsed, job: SimJob, progress: string, done?: string): number {
  const {out} = env;
  if (!env.v7 && job.state === 'POLLING' && flag(parsed, 'wait')) job = waitForJob(env, job);
  if (job.state === 'FAILED') return out.fail(env.v7 ? v7JobFailure(job) : jobFailure(job));
  const pending = job.state === 'POLLING';
  if (env.v7) {
    out.ok();
    if (pending && done !== undefined) {
      out.say();
      out.say(progress);
    }
  } else if (done !== undefined) {
    out.say(pending ? progress : done);
    out.ok();
  } else {
    out.ok();
    if (pending) out.say(progress);
  }
  return 0;
}

/** A command with nothing left to do: v7 prints OK, then its lines; v8 its lines, then OK. */
function nothingToDo(env: Env, v7Lines: string[], v8Lines: string[]): number {
  if (env.v7) env.out.ok();
  for (const line of env.v7 ? v7Lines : v8Lines) env.out.say(line);
  if (!env.v7) env.out.ok();
  return 0;
}

/** `https://` added when the URL has no scheme, trailing slashes removed. */
function apiTarget(url: string): string {
  return (/^https?:\/\//.test(url) ? url : `https://${url}`).replace(/\/+$/, '');
}

/** Logs in as `user`, or out with null; either way nothing is targeted. */
function setLogin(state: SimState, user: string | null): void {
  state.auth = user === null ? null : {user, token: randomUUID(), expired: false};
  state.target = {org: null, space: null};
}

const handlers: Record<string, Handler> = {
  version(env) {
    env.out.say(`cf version ${env.version}+3fcd823.2026-06-29`);
    return 0;
  },

  api(env, parsed) {
    const {state, out} = env;
    if (flag(parsed, 'unset')) {
      out.say('Unsetting API endpoint...');
      out.ok();
      state.api = null;
      setLogin(state, null);
      return 0;
    }
    const url = parsed.positionals[0];
    if (url) {
      const target = apiTarget(url);
      out.say(`Setting API endpoint to ${target}...`);
      if (target.startsWith('http:')) out.say('Warning: Insecure http API endpoint detected: secure https API endpoints are recommended');
      out.ok();
      if (state.api?.target !== target) setLogin(state, null);
      state.api = {target, version: state.api?.version ?? CC_API_VERSION};
    }
    if (!state.api) {
      out.say(`No API endpoint set. Use 'cf api' to set an endpoint`);
      return 0;
    }
    for (const line of table([['API endpoint:', state.api.target], ['API version:', state.api.version]])) out.say(line);
    if (!state.auth) {
      out.say();
      out.say(`Not logged in. Use '${env.bin} login' or '${env.bin} login --sso' to log in.`);
    }
    return 0;
  },

  auth(env, parsed) {
    const {state, out} = env;
    out.say(`API endpoint: ${state.api!.target}`);
    out.say('Authenticating...');
    setLogin(state, parsed.positionals[0]!);
    out.ok();
    out.say(`Use '${env.bin} target' to view or set your target org and space.`);
    return 0;
  },

  login(env, parsed) {
    const {state, out} = env;
    const api = value(parsed, 'a');
    if (api) state.api = {target: apiTarget(api), version: CC_API_VERSION};
    if (!state.api) return out.fail(`No API endpoint set. Use '${env.bin} login -a API_URL' to target an endpoint.`);
    out.say(`API endpoint: ${state.api.target}`);
    out.say();
    const user = value(parsed, 'u');
    if (!user || !value(parsed, 'p')) return out.fail('The stand-in cf logs in non-interactively only: pass -u USERNAME and -p PASSWORD.');
    out.say('Authenticating...');
    setLogin(state, user);
    out.ok();
    const orgName = value(parsed, 'o');
    const org = orgName ? state.orgs.find((o) => o.name === orgName) : state.orgs.length === 1 ? state.orgs[0] : undefined;
    if (orgName && !org) return out.fail(`Organization '${orgName}' not found.`);
    if (org) {
      state.target.org = {guid: org.guid, name: org.name};
      out.say(`Targeted org ${org.name}.`);
      out.say();
      const spaceName = value(parsed, 's');
      const space = spaceName ? org.spaces.find((s) => s.name === spaceName) : org.spaces.length === 1 ? org.spaces[0] : undefined;
      if (spaceName && !space) return out.fail(`Space '${spaceName}' not found.`);
      if (space) {
        state.target.space = {...space};
        out.say(`Targeted space ${space.name}.`);
        out.say();
      }
    }
    out.say();
    for (const line of targetTable(env)) out.say(line);
    return 0;
  },

  logout(env) {
    const {state, out} = env;
    out.say(`Logging out ${state.auth?.user ?? ''}...`);
    setLogin(state, null);
    out.ok();
    return 0;
  },

  target(env, parsed) {
    const {state, out} = env;
    const orgName = value(parsed, 'o');
    const spaceName = value(parsed, 's');
    if (orgName) {
      const org = state.orgs.find((o) => o.name === orgName);
      if (!org) return out.fail(`Organization '${orgName}' not found.`);
      state.target = {org: {guid: org.guid, name: org.name}, space: org.spaces.length === 1 ? {...org.spaces[0]!} : null};
    }
    if (spaceName) {
      if (!state.target.org) return out.fail(`No org targeted, use '${env.bin} target -o ORG' to target an org.`);
      const org = state.orgs.find((o) => o.guid === state.target.org!.guid)!;
      const space = org.spaces.find((s) => s.name === spaceName);
      if (!space) return out.fail(`Space '${spaceName}' not found.`);
      state.target.space = {...space};
    }
    for (const line of targetTable(env)) out.say(line);
    if (!state.target.org) {
      out.say();
      out.say(`No org or space targeted, use '${env.bin} target -o ORG -s SPACE'`);
    } else if (!state.target.space) {
      out.say();
      out.say(`No space targeted, use '${env.bin} target -s SPACE'`);
    }
    return 0;
  },

  marketplace(env, parsed) {
    const {state, out} = env;
    const offeringName = value(parsed, 'e');
    const brokerFilter = value(parsed, 'b');
    if (offeringName && flag(parsed, 'no-plans')) throw new UsageFailure('The following arguments cannot be used together: --no-plans, -e');
    if (state.auth) {
      const failure = precondition(env, 'space');
      if (failure) return out.fail(failure);
    }
    const as = state.auth ? ` ${where(env)}` : '...';
    out.say(offeringName ? `Getting service plan information for service offering ${offeringName}${as}` : `Getting all service offerings from marketplace${as}`);
    out.say();
    // Every simulated plan is available, so --show-unavailable shows the same list.
    const plans = state.plans.filter((plan) => offeredBy(state, plan, offeringName, brokerFilter));
    if (!plans.length) {
      out.say('No service offerings found.');
      return 0;
    }
    const offerings = [...new Set(plans.map((p) => p.offering_guid))].map((guid) => state.offerings.find((o) => o.guid === guid)!);
    if (offeringName) {
      offerings.forEach((offering, index) => {
        if (index > 0) out.say();
        out.say(`broker: ${brokerName(state, offering)}`);
        const rows = [['plan', 'description', 'free or paid', 'costs']];
        for (const plan of plans.filter((p) => p.offering_guid === offering.guid)) {
          rows.push([plan.name, plan.description, plan.free ? 'free' : 'paid', plan.costs.map((c) => `${c.currency} ${c.amount.toFixed(2)}/${c.unit}`).join(', ')]);
        }
        for (const line of table(rows, '   ')) out.say(line);
      });
      return 0;
    }
    const noPlans = flag(parsed, 'no-plans');
    const rows = [noPlans ? ['offering', 'description', 'broker'] : ['offering', 'plans', 'description', 'broker']];
    for (const offering of offerings) {
      const names = plans.filter((p) => p.offering_guid === offering.guid).map((p) => p.name).join(', ');
      rows.push(noPlans ? [offering.name, offering.description, brokerName(state, offering)] : [offering.name, names, offering.description, brokerName(state, offering)]);
    }
    for (const line of table(rows)) out.say(line);
    out.say();
    out.say(`TIP: Use 'cf marketplace -e SERVICE_OFFERING' to view descriptions of individual plans of a given service offering.`);
    return 0;
  },

  'create-service'(env, parsed) {
    const {state, out} = env;
    const [offeringName, planName, rawName] = parsed.positionals as [string, string, string];
    const name = rawName.trim();
    const brokerFilter = value(parsed, 'b');
    const parameters = parsed.parameters ?? {};
    const tags = (value(parsed, 't') ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    out.say(`Creating service instance ${name} ${where(env)}`);
    const candidates = state.plans.filter((plan) => plan.name === planName && offeredBy(state, plan, offeringName, brokerFilter));
    if (!candidates.length) {
      if (env.v7) return out.fail(`Could not find plan with name ${planName}`);
      return out.fail(`The plan '${planName}' could not be found for service offering '${offeringName}'${brokerFilter ? ` and broker '${brokerFilter}'` : ''}.`);
    }
    if (new Set(candidates.map((p) => offeringOf(state, p).broker_guid)).size > 1) {
      return out.fail(`Service offering '${offeringName}' is provided by multiple service brokers. Specify a broker name by using the '-b' flag.`);
    }
    const plan = candidates[0]!;
    const existing = state.instances.find((i) => i.name === name && i.space_guid === state.target.space!.guid);
    if (existing) {
      if (env.v7 && existing.plan_guid !== plan.guid) return out.fail(`The service instance name is taken: ${name}`);
      out.ok();
      out.say(env.v7 ? `Service ${name} already exists` : `Service instance ${name} already exists`);
      return 0;
    }
    if (!env.v7) out.say();
    const job = createInstance(env, {name, spaceGuid: state.target.space!.guid, plan, parameters, tags});
    return reportJob(env, parsed, job, `Create in progress. Use 'cf services' or 'cf service ${name}' to check operation status.`, `Service instance ${name} created.`);
  },

  'update-service'(env, parsed) {
    const {state, out} = env;
    const name = parsed.positionals[0]!;
    const parameters = parsed.parameters;
    const tagsValue = value(parsed, 't');
    out.say(env.v7 ? `Updating service instance ${name} as ${state.auth!.user}...` : `Updating service instance ${name} ${where(env)}`);
    if (!env.v7) out.say();
    if (parameters === undefined && tagsValue === undefined && !value(parsed, 'p')) {
      out.say('No flags specified. No changes were made.');
      out.ok();
      return 0;
    }
    const instance = requireInstance(env, name);
    if (value(parsed, 'p') && value(parsed, 'p') !== planOf(state, instance).name) return out.fail('The stand-in cf does not change plans.');
    const tags = tagsValue === undefined ? undefined : tagsValue.split(',').map((t) => t.trim()).filter(Boolean);
    const job = updateInstance(env, instance, {parameters, tags});
    return reportJob(env, parsed, job, `Update in progress. Use 'cf services' or 'cf service ${name}' to check operation status.`, `Update of service instance ${name} complete.`);
  },

  service(env, parsed) {
    const {state, out} = env;
    const name = parsed.positionals[0]!;
    if (flag(parsed, 'guid') && flag(parsed, 'params')) throw new UsageFailure('The following arguments cannot be used together: --guid, --params');
    if (!flag(parsed, 'guid') && !flag(parsed, 'params')) {
      out.say(`Showing info of service ${name} ${where(env)}`);
      out.say();
    }
    const instance = requireInstance(env, name);
    if (flag(parsed, 'guid')) {
      out.say(instance.guid);
      return 0;
    }
    if (flag(parsed, 'params')) {
      try {
        out.say(goJson(instanceParameters(state, instance), 2));
        out.say();
      } catch (error) {
        if (!(error instanceof CcError)) throw error;
        return out.fail(error.status === 404 || error.status === 400 ? 'This service does not support fetching service instance parameters.' : error.detail);
      }
      return 0;
    }
    const plan = planOf(state, instance);
    const offering = offeringOf(state, plan);
    const rows = [
      ['name:', instance.name],
      ['guid:', instance.guid],
      ['type:', 'managed'],
      ['broker:', brokerName(state, offering)],
      ['offering:', offering.name],
      ['plan:', plan.name],
      ['tags:', instance.tags.join(', ')],
      ['offering tags:', offering.tags.join(', ')],
      ['description:', offering.description],
      ['documentation:', offering.documentation_url],
      ['dashboard url:', ''],
    ];
    // The CLI's own test pins the value column at 18 characters for this table.
    for (const line of table(rows, '', [18])) out.say(line);
    out.say();
    out.say('Showing status of last operation:');
    const op = instance.last_operation;
    for (const line of table([['status:', `${op.type} ${op.state}`], ['message:', op.description], ['started:', op.created_at], ['updated:', op.updated_at]], '   ')) out.say(line);
    out.say();
    out.say('Showing bound apps:');
    out.say('   There are no bound apps for this service instance.');
    out.say();
    out.say('Showing sharing info:');
    out.say('   This service instance is not currently being shared.');
    out.say();
    out.say('Showing upgrade status:');
    out.say(plan.maintenance_info ? '   There is no upgrade available for this service.' : '   Upgrades are not supported by this broker.');
    out.say();
    return 0;
  },

  services(env) {
    const {state, out} = env;
    out.say(`Getting service instances ${where(env)}`);
    out.say();
    const instances = state.instances.filter((i) => i.space_guid === state.target.space!.guid).filter((i) => pollInstance(state, i));
    if (!instances.length) {
      out.say('No service instances found.');
      return 0;
    }
    const rows = [['name', 'offering', 'plan', 'bound apps', 'last operation', 'broker', 'upgrade available']];
    for (const instance of instances) {
      const plan = planOf(state, instance);
      const offering = offeringOf(state, plan);
      const op = instance.last_operation;
      rows.push([
        instance.name,
        offering.name,
        plan.name,
        '',
        `${op.type} ${op.state}`,
        brokerName(state, offering),
        plan.maintenance_info ? 'no' : '',
      ]);
    }
    for (const line of table(rows)) out.say(line);
    return 0;
  },

  'create-service-key'(env, parsed) {
    const {state, out} = env;
    const [instanceName, keyName] = parsed.positionals as [string, string];
    const parameters = parsed.parameters ?? {};
    out.say(`Creating service key ${keyName} for service instance ${instanceName} as ${state.auth!.user}...`);
    const instance = requireInstance(env, instanceName);
    let job: SimJob;
    try {
      job = createKey(env, instance, {name: keyName, parameters});
    } catch (error) {
      if (!(error instanceof CcError)) throw error;
      if (!error.detail.startsWith('The binding name is invalid.')) return out.fail(error.detail);
      const exists = `Service key ${keyName} already exists`;
      return nothingToDo(env, [exists], ['', exists]);
    }
    return reportJob(env, parsed, job, 'Create in progress.');
  },

  'service-key'(env, parsed) {
    const {state, out} = env;
    const [instanceName, keyName] = parsed.positionals as [string, string];
    const quiet = flag(parsed, 'guid') || flag(parsed, 'json');
    if (flag(parsed, 'guid') && flag(parsed, 'json')) throw new UsageFailure('The following arguments cannot be used together: --guid, --json');
    if (!quiet) {
      out.say(`Getting key ${keyName} for service instance ${instanceName} as ${state.auth!.user}...`);
      out.say();
    }
    const instance = requireInstance(env, instanceName);
    const key = findKey(env, instance, keyName);
    if (!key) {
      if (env.v7) {
        out.say(flag(parsed, 'guid') ? '' : `No service key ${keyName} found for service instance ${instanceName}`);
        return 0;
      }
      return out.fail(`No service key ${keyName} found for service instance ${instanceName}`);
    }
    if (flag(parsed, 'guid')) {
      out.say(key.guid);
      return 0;
    }
    const details = keyDetails(key);
    out.say(env.v7 ? goJson(details.credentials, 1, true) : goJson(details, 2));
    out.say();
    return 0;
  },

  'service-keys'(env, parsed) {
    const {state, out} = env;
    const instanceName = parsed.positionals[0]!;
    out.say(`Getting keys for service instance ${instanceName} as ${state.auth!.user}...`);
    out.say();
    const instance = requireInstance(env, instanceName);
    const keys = state.keys.filter((k) => k.instance_guid === instance.guid).filter((k) => pollKey(state, k));
    if (!keys.length) {
      out.say(env.v7 ? `No service key for service instance ${instanceName}` : `No service keys for service instance ${instanceName}`);
      return 0;
    }
    const rows = env.v7 ? [['name']] : [['name', 'last operation', 'message']];
    for (const key of keys) {
      const op = key.last_operation;
      rows.push(env.v7 ? [key.name] : [key.name, `${op.type} ${op.state}`, op.description]);
    }
    for (const line of table(rows)) out.say(line);
    return 0;
  },

  'delete-service-key'(env, parsed) {
    const {state, out} = env;
    const [instanceName, keyName] = parsed.positionals as [string, string];
    out.say(`Deleting key ${keyName} for service instance ${instanceName} as ${state.auth!.user}...`);
    const instance = requireInstance(env, instanceName);
    const key = findKey(env, instance, keyName);
    if (!key) {
      const missing = `Service key ${keyName} does not exist for service instance ${instanceName}.`;
      return nothingToDo(env, [missing], ['', missing]);
    }
    const job = deleteKey(env, key);
    return reportJob(env, parsed, job, 'Delete in progress.');
  },

  'delete-service'(env, parsed) {
    const {state, out} = env;
    const name = parsed.positionals[0]!;
    out.say(env.v7 ? `Deleting service ${name} ${where(env)}` : `Deleting service instance ${name} ${where(env)}`);
    if (!env.v7) out.say();
    const instance = findInstance(env, name);
    if (!instance) return nothingToDo(env, ['', `Service ${name} does not exist.`], [`Service instance ${name} did not exist.`]);
    const job = deleteInstance(env, instance);
    const progress = `Delete in progress. Use 'cf services' or 'cf service ${name}' to check operation status.`;
    return reportJob(env, parsed, job, progress, `Service instance ${name} deleted.`);
  },

  'oauth-token'(env) {
    env.out.say(`bearer ${fakeJwt(env.state.auth!.user)}`);
    return 0;
  },

  curl(env, parsed) {
    const {state, out} = env;
    const target = parsed.positionals[0]!;
    const data = value(parsed, 'd');
    let body: string | undefined;
    if (data !== undefined) {
      const trimmed = data.replace(/^['"]|['"]$/g, '');
      if (trimmed.startsWith('@')) {
        const file = trimmed.slice(1);
        if (!existsSync(file)) return out.fail(`open ${file}: no such file or directory`);
        body = readFileSync(file, 'utf8');
      } else body = data;
    }
    for (const header of parsed.flags.get('H') ?? []) {
      if (!/^[^:\s]+:/.test(header)) return out.fail(`Error creating request: Error parsing headers: malformed MIME header line: ${header}`);
    }
    const method = (value(parsed, 'X') ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
    // A refresh that fails is swallowed by cf curl: nothing on stdout, exit 0 (cf-cli.md §6).
    if (state.auth?.expired) return 0;
    const url = `${state.api!.target}/${target.replace(/^\/+/, '')}`;
    const response = handleRequest(state, method, '/' + target.replace(/^\/+/, ''), body, env.fault);
    let text = response.body === null || response.body === undefined ? '' : env.v7 ? JSON.stringify(response.body, null, 3) : JSON.stringify(response.body);
    if (process.env.CF_TRACE === 'true' || flag(parsed, 'v')) {
      trace(env, method, url, response.status, text);
      return 0;
    }
    if (flag(parsed, 'fail') && response.status >= 400) {
      out.fail(`The requested URL returned error: ${response.status}`);
      return 22;
    }
    if (flag(parsed, 'i')) {
      const headers = [`HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`, 'Content-Type: application/json;charset=utf-8', `X-Vcap-Request-Id: ${randomUUID()}`];
      for (const [k, v] of Object.entries(response.headers)) headers.push(`${k}: ${v}`);
      text = headers.join('\n') + '\n\n' + text;
    }
    const output = value(parsed, 'output');
    if (output) {
      writeFileSync(output, text);
      out.ok();
      return 0;
    }
    out.say(text);
    return 0;
  },
};

const NEEDS: Record<string, Need> = {
  version: 'none',
  api: 'none',
  auth: 'api',
  login: 'none',
  logout: 'none',
  target: 'login',
  marketplace: 'api',
  'oauth-token': 'login',
  curl: 'api',
  help: 'none',
};

function binaryName(): string {
  const name = path.basename(process.argv[1] ?? 'cf').replace(/\.(js|cmd|exe|mjs)$/i, '');
  return name === 'main' || name === '' ? 'cf' : name;
}

function commandList(bin: string): string {
  const rows = COMMANDS.filter((c) => c.name !== 'help').map((c) => [`   ${c.name}${c.alias ? `, ${c.alias}` : ''}`, c.description]);
  return `${bin} version ... (stand-in)\n\nUsage: ${bin} [global options] command [arguments...] [command options]\n\nCommands:\n${table(rows).join('\n')}\n`;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Never finish (fault `hang`). */
  hang?: boolean;
}

/** The first line on stdin; end of input (or an error) gives an empty answer. */
async function readAnswer(): Promise<string> {
  const lines = createInterface({input: process.stdin, terminal: false});
  const [line = ''] = (await Promise.race([once(lines, 'line'), once(lines, 'close')]).catch(() => [])) as string[];
  lines.close();
  return line;
}

/** Runs one `cf` invocation against the state file and returns what it printed. */
export async function runCf(argv: string[]): Promise<RunResult> {
  const bin = binaryName();
  const file = stateFileFromEnv();
  const color = ['true', '1', 't'].includes((process.env.CF_COLOR ?? '').toLowerCase());
  if (!existsSync(file)) await seedState(file);
  const stored = readSimState(file)!;
  const version = process.env.CF_SIM_VERSION || stored.version;
  const v7 = majorOf(version) < 8;
  const out = new Output(color, v7);
  const finish = (exitCode: number): RunResult => ({stdout: out.stdout, stderr: out.stderr, exitCode});

  let [command, ...args] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    out.say(commandList(bin));
    return finish(0);
  }
  if (command === '-v' || command === '--version') command = 'version';
  const spec = COMMANDS.find((c) => c.name === command || c.alias === command);
  if (!spec) {
    out.warn(`'${command}' is not a registered command. See '${bin} help -a'`);
    return finish(1);
  }
  if (args.includes('-h') || args.includes('--help') || spec.name === 'help') {
    const topic = spec.name === 'help' ? COMMANDS.find((c) => c.name === args[0] || c.alias === args[0]) : spec;
    out.raw(topic ? helpText(topic, bin) : commandList(bin));
    return finish(0);
  }

  let parsed: Parsed;
  try {
    parsed = parseArgs(spec, args, version);
  } catch (error) {
    if (!(error instanceof UsageFailure)) throw error;
    return finish(incorrectUsage(out, error, helpText(spec, bin)));
  }

  // Faults: before the lock, so a hanging or slow process blocks nobody.
  const faults = takeFaults(file, spec.name);
  for (const fault of faults) {
    if (fault.type === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 2000));
  }
  if (faults.some((f) => f.type === 'hang')) return {stdout: '', stderr: '', exitCode: 0, hang: true};
  if (faults.some((f) => f.type === 'crash')) return {stdout: '', stderr: PANIC, exitCode: 2};
  const operationFault = faults.find((f) => f.type === 'broker-error' || f.type === 'async-fail');
  const expire = faults.some((f) => f.type === 'expire-login');
  for (const fault of faults.filter((f) => f.type === 'warn')) out.warn(fault.message ?? 'Warning: simulated warning from the Cloud Controller.');

  const need: Need = NEEDS[spec.name] ?? 'space';
  const env: Env = {bin, version, v7, out, state: stored, fault: operationFault, pollMs: Number(process.env.CF_SIM_POLL_MS ?? 0) || 0};

  // Deletes without -f ask first (cf-cli.md §4.11-4.12); EOF counts as "no".
  if ((spec.name === 'delete-service' || spec.name === 'delete-service-key') && !flag(parsed, 'f') && !expire) {
    const failure = precondition(env, need);
    if (failure) return finish(out.fail(failure));
    if (spec.name === 'delete-service') {
      out.say('This action impacts all resources scoped to this service instance, including service bindings, service keys and route bindings.');
      out.say('This will remove the service instance from any spaces where it has been shared.');
    }
    const question = spec.name === 'delete-service' ? `Really delete the service instance ${parsed.positionals[0]}?` : `Really delete the service key ${parsed.positionals[1]}?`;
    process.stdout.write(out.stdout + `${question} [yN]: `);
    out.stdout = '';
    const answer = (await readAnswer()).trim().toLowerCase();
    out.say();
    if (answer !== 'y' && answer !== 'yes') {
      out.say('Delete cancelled');
      return finish(0);
    }
  }

  return withStateLock(file, () => {
    const state = readSimState(file)!;
    env.state = state;
    if (expire && state.auth) state.auth.expired = true;
    let code: number;
    if (process.env.CF_TRACE === 'true' && spec.name !== 'curl' && state.api) trace(env, 'GET', `${state.api.target}/v3/info`, 200, '{}');
    const failure = precondition(env, need);
    if (failure) code = out.fail(failure);
    else {
      try {
        code = handlers[spec.name]!(env, parsed);
      } catch (error) {
        if (error instanceof CcError) code = out.fail(error.detail);
        else if (error instanceof UsageFailure) code = incorrectUsage(out, error, helpText(spec, bin));
        else throw error;
      }
    }
    writeStateFile(file, state);
    return finish(code);
  });
}
