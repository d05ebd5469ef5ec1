/**
 * CfPort on top of the real `cf` CLI (v8, and v7 where it differs; cf-cli.md).
 *
 * Reads go through `cf curl /v3/...` because its JSON is stable across CLI versions; writes go
 * through the service commands (so the user's own cf login, proxies and plugins apply) without
 * `--wait` (v7 lacks it, and the CLI would wait forever), followed by our own bounded polling
 * of `last_operation`.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import type {CallOptions, CfLogEntry, CfPort, CfTarget, CfVersion, LastOperation, ServiceInstance, ServiceKeyBinding, ServiceKeyCredentials} from '../ports.js';
import {CfError, cfError, classifyFailure} from './errors.js';

export interface CfAdapterOptions {
  /** The cf executable; default `cf` from PATH. */
  binary?: string;
  /** Extra environment for cf (e.g. CF_HOME); CF_COLOR and CF_TRACE are always forced off. */
  env?: Record<string, string>;
  /** Timeout of one cf read in ms (default 60 s); writes get three times as long. */
  defaultTimeoutMs?: number;
  /** Pause between polls of a last operation (default 3 s, as the CLI). */
  pollIntervalMs?: number;
  /** Record write commands instead of running them; reads still run. */
  dryRun?: boolean;
  /** Page size for Cloud Controller lists (default 500). */
  perPage?: number;
  /** Instance GUIDs per service_credential_bindings query (default 50, keeps URLs short). */
  guidBatchSize?: number;
}

export const DRY_RUN_GUID = '(dry-run)';
const PARAMETER_FILE_LABEL = '<parameters.json>';
const SECRET_FIELDS = new Set(['clientsecret', 'client_secret', 'key', 'password', 'secret', 'private_key', 'privatekey']);

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Parameters as they may appear in logs: secrets replaced, certificates shortened. */
export function redactParameters(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactParameters);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, SECRET_FIELDS.has(key.toLowerCase()) ? '[REDACTED]' : redactParameters(inner)]),
    );
  }
  if (typeof value === 'string' && value.includes('-----BEGIN')) {
    const kind = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(value)?.[1] ?? 'PEM';
    if (/PRIVATE KEY/.test(kind)) return '[REDACTED]';
    return `-----BEGIN ${kind}----- … (${value.length} characters)`;
  }
  return value;
}

interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

interface RunOptions extends CallOptions {
  write?: boolean;
  parameters?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

interface ListResult {
  resources: Json[];
  included: Record<string, Json[]>;
}

function asObject(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = asObject(current)?.[key];
  return current;
}

function toLastOperation(value: unknown): LastOperation | null {
  const op = asObject(value);
  if (!op) return null;
  return {type: String(op.type ?? ''), state: String(op.state ?? ''), description: String(op.description ?? '')};
}

function finished(op: LastOperation | null): boolean {
  return op === null || op.state === 'succeeded' || op.state === 'failed';
}

/** Polling a delete ends when the resource is gone or its delete failed. */
function goneOrDeleteFailed(resource: {lastOperation: LastOperation | null} | null): boolean {
  return resource === null || (resource.lastOperation?.type === 'delete' && resource.lastOperation.state === 'failed');
}

/** Path and query of a pagination href (cf curl wants it without the host). */
function pathOf(href: string): string {
  if (!URL.canParse(href)) return href.replace(/^https?:\/\/[^/]+/, '');
  const url = new URL(href);
  return url.pathname + url.search;
}

const q = encodeURIComponent;

export function createCfAdapter(options: CfAdapterOptions = {}): CfPort {
  const binary = options.binary ?? 'cf';
  const readTimeout = options.defaultTimeoutMs ?? 60_000;
  // How long to wait for the broker to finish an operation.
  const waitTimeout = 10 * 60_000;
  const pollInterval = options.pollIntervalMs ?? 3_000;
  const perPage = options.perPage ?? 500;
  const batchSize = Math.max(1, options.guidBatchSize ?? 50);
  const log: CfLogEntry[] = [];
  let versionPromise: Promise<CfVersion> | undefined;
  let knownMajor: number | undefined;
  let targetCache: CfTarget | undefined;
  let knownApi: string | undefined;

  const cancelled = (args: string[]) => cfError('cancelled', 'Cancelled while cf was running.', {args, exitCode: null});

  /** Logs a cf call; parameters appear redacted, as the file cf is given. */
  function logCall(args: string[], write: boolean, parameters?: Record<string, unknown>): CfLogEntry {
    const entry: CfLogEntry = {args: [...args], exitCode: null, durationMs: 0, write};
    if (parameters !== undefined) {
      entry.args.push('-c', PARAMETER_FILE_LABEL);
      entry.parameters = redactParameters(parameters) as Record<string, unknown>;
    }
    log.push(entry);
    return entry;
  }

  async function exec(args: string[], call: RunOptions): Promise<RunResult> {
    if (call.signal?.aborted) throw cancelled(args);
    const timeout = call.timeoutMs ?? (call.write ? readTimeout * 3 : readTimeout);
    let tempDir: string | undefined;
    const fullArgs = [...args];
    const entry = logCall(args, call.write === true, call.parameters);
    // Loaded on the first cf call, not with the module: the wizard's first frame comes earlier.
    const {execa} = await import('execa');
    const started = Date.now();
    try {
      if (call.parameters !== undefined) {
        // A file instead of inline JSON: no quoting problems on Windows, and no risk that the
        // JSON text happens to name an existing file (cf-cli.md §5).
        tempDir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-cf-'));
        const file = path.join(tempDir, 'parameters.json');
        await writeFile(file, JSON.stringify(call.parameters), {mode: 0o600});
        fullArgs.push('-c', file);
      }
      const result = await execa(binary, fullArgs, {
        env: {...options.env, CF_COLOR: 'false', CF_TRACE: 'false', LANG: 'en_US.UTF-8'},
        extendEnv: true,
        stdin: 'ignore',
        reject: false,
        timeout,
        cancelSignal: call.signal,
        stripFinalNewline: false,
        windowsHide: true,
      });
      entry.durationMs = Date.now() - started;
      entry.exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
      if (result.isCanceled) throw cancelled(args);
      if (result.timedOut) {
        throw cfError('timeout', `cf ${args[0]} did not finish within ${Math.round(timeout / 1000)} s and was stopped.`, {args, exitCode: null});
      }
      if ((result as {code?: string}).code === 'ENOENT') {
        throw cfError('cf-not-installed', `The cf CLI was not found (looked for "${binary}" on PATH).`, {args, exitCode: null});
      }
      if (typeof result.exitCode !== 'number') {
        throw cfError('failed', `cf ${args[0]} could not be run: ${result.shortMessage ?? result.message ?? 'unknown error'}`, {args, exitCode: null});
      }
      return {stdout: stripAnsi(String(result.stdout ?? '')), stderr: stripAnsi(String(result.stderr ?? '')), exitCode: result.exitCode};
    } finally {
      if (entry.durationMs === 0) entry.durationMs = Date.now() - started;
      if (tempDir) await rm(tempDir, {recursive: true, force: true});
    }
  }

  async function apiEndpoint(signal?: AbortSignal): Promise<string | undefined> {
    if (knownApi) return knownApi;
    try {
      const result = await exec(['api'], {signal, timeoutMs: Math.min(readTimeout, 15_000)});
      knownApi = /^API endpoint:\s+(\S+)/m.exec(result.stdout)?.[1];
    } catch {
      /* only used for advice */
    }
    return knownApi;
  }

  function failureText(result: RunResult, v7: boolean): string {
    const lines = result.stdout.split(/\r?\n/);
    const failedAt = lines.findIndex((line) => line.trim() === 'FAILED');
    const afterFailed = failedAt >= 0 ? lines.slice(failedAt + 1).join('\n').trim() : '';
    const stderr = result.stderr.replace(/\n?FAILED\s*$/, '').trim();
    if (v7) return afterFailed || stderr || result.stdout.trim();
    return stderr || afterFailed || result.stdout.trim();
  }

  async function fail(args: string[], result: RunResult, signal?: AbortSignal): Promise<never> {
    const v7 = knownMajor === 7;
    const error = classifyFailure(failureText(result, v7), {args, exitCode: result.exitCode, apiEndpoint: knownApi});
    if ((error.kind === 'not-logged-in' || error.kind === 'token-expired') && !knownApi) {
      const api = await apiEndpoint(signal);
      if (api) throw classifyFailure(failureText(result, v7), {args, exitCode: result.exitCode, apiEndpoint: api});
    }
    throw error;
  }

  /** Runs cf and insists on exit code 0 (stderr warnings on success are ignored). */
  async function run(args: string[], call: RunOptions = {}): Promise<RunResult> {
    const result = await exec(args, call);
    if (result.exitCode !== 0) await fail(args, result, call.signal);
    return result;
  }

  function ccError(pathText: string, body: Json, args: string[]): CfError {
    const errors = Array.isArray(body.errors) ? (body.errors as Json[]) : [];
    const first = errors[0] ?? {detail: body.description, title: body.error_code};
    const title = String(first.title ?? '');
    const detail = String(first.detail ?? 'unknown error');
    const context = {args, exitCode: 0, apiEndpoint: knownApi};
    const message = `Cloud Controller rejected ${pathText.split('?')[0]}: ${detail} (${title})`;
    if (title === 'CF-NotAuthenticated') return cfError('not-logged-in', 'cf is not logged in.', context);
    if (title === 'CF-InvalidAuthToken') return cfError('token-expired', 'The cf login has expired.', context);
    if (title === 'CF-ResourceNotFound' || title === 'CF-NotFound') return cfError('not-found', message, context);
    if (title.startsWith('CF-ServiceBroker')) return cfError('broker', `The service broker rejected the request: ${detail.replace(/^Service broker error: /, '')}`, {...context, brokerMessage: detail});
    return cfError('failed', message, context);
  }

  /** `cf curl` GET of a v3 path; the body's `errors` array and an empty body are failures. */
  async function curl(pathText: string, call: CallOptions = {}): Promise<Json> {
    const args = ['curl', pathText];
    const result = await run(args, call);
    const text = result.stdout.trim();
    if (!text) {
      // cf curl swallows transport and token-refresh errors: ask cf why.
      const token = await exec(['oauth-token'], {signal: call.signal});
      if (token.exitCode !== 0) await fail(['oauth-token'], token, call.signal);
      throw cfError('bad-response', `cf curl ${pathText} returned nothing. The Cloud Foundry API may be unreachable.`, {args, exitCode: 0});
    }
    const start = text.indexOf('{');
    let body: unknown;
    try {
      body = JSON.parse(start >= 0 ? text.slice(start) : text);
    } catch (error) {
      throw cfError('bad-response', `cf curl ${pathText} did not return JSON: ${text.slice(0, 200)}`, {args, exitCode: 0, cause: error});
    }
    const object = asObject(body);
    if (!object) throw cfError('bad-response', `cf curl ${pathText} returned ${typeof body} instead of a JSON object.`, {args, exitCode: 0});
    if ((Array.isArray(object.errors) && object.errors.length > 0) || typeof object.error_code === 'string') throw ccError(pathText, object, args);
    return object;
  }

  /** All pages of a v3 list, following `pagination.next.href`. */
  async function list(first: string, call: CallOptions = {}): Promise<ListResult> {
    const resources: Json[] = [];
    const included: Record<string, Json[]> = {};
    const seen = new Set<string>();
    let next: string | undefined = first;
    while (next) {
      if (seen.has(next) || seen.size > 10_000) throw cfError('bad-response', `The Cloud Controller pagination of ${first} loops.`, {args: ['curl', next], exitCode: 0});
      seen.add(next);
      const page = await curl(next, call);
      if (!Array.isArray(page.resources)) throw cfError('bad-response', `cf curl ${next} returned no resources list.`, {args: ['curl', next], exitCode: 0});
      resources.push(...(page.resources as Json[]));
      for (const [kind, items] of Object.entries(asObject(page.included) ?? {})) {
        if (!Array.isArray(items)) continue;
        const bucket = (included[kind] ??= []);
        for (const item of items as Json[]) if (!bucket.some((existing) => existing.guid === item.guid)) bucket.push(item);
      }
      const href = dig(page, 'pagination', 'next', 'href');
      next = typeof href === 'string' && href ? pathOf(href) : undefined;
    }
    return {resources, included};
  }

  async function version(call: CallOptions = {}): Promise<CfVersion> {
    versionPromise ??= (async () => {
      const result = await run(['version'], call);
      const line = result.stdout.split(/\r?\n/).find((l) => l.startsWith('cf version')) ?? result.stdout.trim();
      const match = /^cf version (\d+)\.(\d+)\.(\d+)/.exec(line);
      if (!match) throw cfError('bad-response', `Could not read the cf version from: ${line || '(nothing)'}`, {args: ['version'], exitCode: result.exitCode});
      const parsed = {major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), raw: line.trim()};
      if (parsed.major < 7) {
        throw new CfError('failed', `cf ${parsed.major}.${parsed.minor}.${parsed.patch} is too old.`, {fix: ['Install the cf CLI v8 from https://github.com/cloudfoundry/cli#downloads'], args: ['version']});
      }
      knownMajor = parsed.major;
      return parsed;
    })();
    try {
      return await versionPromise;
    } catch (error) {
      versionPromise = undefined;
      throw error;
    }
  }

  async function target(call: CallOptions = {}): Promise<CfTarget> {
    if (targetCache) return targetCache;
    // The writes rely on it: the version tells how cf words its failures (failureText).
    await version(call);
    const result = await run(['target'], call);
    const fields = new Map<string, string>();
    for (const line of result.stdout.split(/\r?\n/)) {
      const match = /^([A-Za-z ]+):\s+(.*?)\s*$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!);
    }
    const api = fields.get('api endpoint') ?? '';
    if (api) knownApi = api;
    const context = {args: ['target'], exitCode: 0, apiEndpoint: api};
    if (!api) throw cfError('no-api', 'No Cloud Foundry API endpoint is set in cf.', context);
    const user = fields.get('user');
    if (!user) throw cfError('not-logged-in', 'cf is not logged in.', context);
    const orgName = fields.get('org');
    if (!orgName || /No org/i.test(result.stdout)) throw cfError('no-org', 'No Cloud Foundry org is targeted in cf.', context);
    const spaceName = fields.get('space');
    if (!spaceName || /No space targeted/i.test(result.stdout)) throw cfError('no-space', 'No Cloud Foundry space is targeted in cf.', context);
    // Spaces of that name (every page: many orgs may have a "dev"), with their organizations included.
    const found = await list(`/v3/spaces?names=${q(spaceName)}&include=organization`, call);
    const orgs = (found.included.organizations ?? []).filter((o) => o.name === orgName);
    const space = found.resources.find(
      (s) => s.name === spaceName && orgs.some((o) => o.guid === dig(s, 'relationships', 'organization', 'data', 'guid')),
    );
    if (!space) throw cfError('not-found', `The targeted space ${spaceName} in org ${orgName} is not visible to ${user}.`, context);
    const orgGuid = String(dig(space, 'relationships', 'organization', 'data', 'guid'));
    targetCache = {apiEndpoint: api, user, org: {guid: orgGuid, name: orgName}, space: {guid: String(space.guid), name: spaceName}};
    return targetCache;
  }

  const INSTANCE_FIELDS = 'fields[service_plan]=guid,name,relationships.service_offering&fields[service_plan.service_offering]=guid,name';

  function toInstance(resource: Json, included: Record<string, Json[]>): ServiceInstance {
    const planGuid = String(dig(resource, 'relationships', 'service_plan', 'data', 'guid') ?? '');
    const plan = included.service_plans?.find((p) => p.guid === planGuid);
    const offeringGuid = dig(plan, 'relationships', 'service_offering', 'data', 'guid');
    const offering = included.service_offerings?.find((o) => o.guid === offeringGuid);
    return {
      guid: String(resource.guid),
      name: String(resource.name),
      spaceGuid: String(dig(resource, 'relationships', 'space', 'data', 'guid') ?? ''),
      planGuid,
      planName: plan ? String(plan.name) : undefined,
      offeringName: offering ? String(offering.name) : undefined,
      lastOperation: toLastOperation(resource.last_operation),
      createdAt: typeof resource.created_at === 'string' ? resource.created_at : undefined,
    };
  }

  function toKey(resource: Json): ServiceKeyBinding {
    return {
      guid: String(resource.guid),
      name: String(resource.name),
      instanceGuid: String(dig(resource, 'relationships', 'service_instance', 'data', 'guid') ?? ''),
      lastOperation: toLastOperation(resource.last_operation),
      createdAt: typeof resource.created_at === 'string' ? resource.created_at : undefined,
    };
  }

  /** Instance GUIDs by name, learnt in this run: creating a key needs no second lookup. */
  const instanceGuids = new Map<string, string>();

  async function findInstance(name: string, call: CallOptions = {}): Promise<ServiceInstance | null> {
    const {space} = await target(call);
    const {resources, included} = await list(`/v3/service_instances?names=${q(name)}&space_guids=${space.guid}&${INSTANCE_FIELDS}`, call);
    const match = resources.find((r) => r.name === name);
    if (!match) {
      instanceGuids.delete(name);
      return null;
    }
    const instance = toInstance(match, included);
    instanceGuids.set(name, instance.guid);
    return instance;
  }

  async function findKey(instanceGuid: string, keyName: string, call: CallOptions): Promise<ServiceKeyBinding | null> {
    const {resources} = await list(`/v3/service_credential_bindings?type=key&names=${q(keyName)}&service_instance_guids=${instanceGuid}`, call);
    const match = resources.find((r) => r.name === keyName);
    return match ? toKey(match) : null;
  }

  /** A delete command; when cf removed something, waits until it is gone or its deletion failed. */
  async function deleteResource(args: string[], what: string, find: () => Promise<{lastOperation: LastOperation | null} | null>, call: CallOptions): Promise<{existed: boolean}> {
    if (options.dryRun) {
      const existing = await find();
      logCall(args, true);
      return {existed: existing !== null};
    }
    await target(call);
    const result = await run(args, {...call, write: true});
    const existed = !/does not exist|did not exist/i.test(result.stdout);
    if (existed) {
      const left = await poll(`Deleting ${what}`, find, goneOrDeleteFailed, call);
      if (left?.lastOperation) throw brokerFailure(`Deleting ${what}`, left.lastOperation, args);
    }
    return {existed};
  }

  /** Polls `read` until `done` holds, within the adapter's wait timeout. */
  async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, call: CallOptions): Promise<T> {
    const deadline = Date.now() + waitTimeout;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() + pollInterval > deadline) {
        throw cfError('timeout', `${what} did not finish within ${Math.round(waitTimeout / 1000)} s.`, {args: [], exitCode: null});
      }
      try {
        await sleep(pollInterval, undefined, {signal: call.signal});
      } catch {
        throw cancelled([]);
      }
    }
  }

  function brokerFailure(what: string, op: LastOperation, args: string[]): CfError {
    const description = op.description || 'The broker gave no reason.';
    return cfError('broker', `${what} failed: ${description}`, {args, exitCode: 0, brokerMessage: description});
  }

  async function waitForInstance(name: string, call: CallOptions): Promise<ServiceInstance | null> {
    return poll(`The operation on service instance ${name}`, () => findInstance(name, call), (instance) => instance === null || finished(instance.lastOperation), call);
  }

  const port: CfPort = {
    log,
    version,
    target,

    async hasPlan(offering, plan, call = {}) {
      const {space} = await target(call);
      const page = await curl(`/v3/service_plans?names=${q(plan)}&service_offering_names=${q(offering)}&space_guids=${space.guid}&available=true&per_page=1`, call);
      return Array.isArray(page.resources) && page.resources.length > 0;
    },

    findInstance,

    async listInstances(filter, call = {}) {
      const {org, space} = await target(call);
      const scope = filter.scope === 'org' ? `organization_guids=${org.guid}` : `space_guids=${space.guid}`;
      const plans = filter.planNames.length ? `service_plan_names=${filter.planNames.map(q).join(',')}&` : '';
      const {resources, included} = await list(`/v3/service_instances?${plans}${scope}&${INSTANCE_FIELDS}&per_page=${perPage}`, call);
      return resources.map((r) => toInstance(r, included));
    },

    instanceParameters: (guid, call = {}) => curl(`/v3/service_instances/${q(guid)}/parameters`, call),

    async createInstance(request, call = {}) {
      const args = ['create-service', request.offering, request.plan, request.name];
      if (options.dryRun) {
        const existing = await findInstance(request.name, call);
        logCall(args, true, request.parameters);
        if (existing) return {instance: existing, alreadyExisted: true};
        const {space} = await target(call);
        return {instance: {guid: DRY_RUN_GUID, name: request.name, spaceGuid: space.guid, planGuid: DRY_RUN_GUID, planName: request.plan, offeringName: request.offering, lastOperation: null}, alreadyExisted: false};
      }
      await target(call);
      const result = await run(args, {...call, write: true, parameters: request.parameters});
      const alreadyExisted = /already exists/i.test(result.stdout);
      const instance = await waitForInstance(request.name, call);
      if (!instance) throw cfError('bad-response', `cf reported service instance ${request.name} as created, but it cannot be found.`, {args, exitCode: 0});
      const op = instance.lastOperation;
      if (!alreadyExisted && op?.state === 'failed') throw brokerFailure(`Creating service instance ${request.name}`, op, args);
      return {instance, alreadyExisted};
    },

    async updateInstance(request, call = {}) {
      const args = ['update-service', request.name];
      if (options.dryRun) {
        const existing = await findInstance(request.name, call);
        logCall(args, true, request.parameters);
        if (!existing) throw cfError('not-found', `Service instance ${request.name} not found.`, {args, exitCode: null});
        return existing;
      }
      await target(call);
      await run(args, {...call, write: true, parameters: request.parameters});
      const instance = await waitForInstance(request.name, call);
      if (!instance) throw cfError('not-found', `Service instance ${request.name} disappeared during the update.`, {args, exitCode: 0});
      if (instance.lastOperation?.type === 'update' && instance.lastOperation.state === 'failed') throw brokerFailure(`Updating service instance ${request.name}`, instance.lastOperation, args);
      return instance;
    },

    deleteInstance: (name, call = {}) => deleteResource(['delete-service', name, '-f'], `service instance ${name}`, () => findInstance(name, call), call),

    async listKeys(instanceGuids, call = {}) {
      const unique = [...new Set(instanceGuids)];
      const keys: ServiceKeyBinding[] = [];
      for (let i = 0; i < unique.length; i += batchSize) {
        const batch = unique.slice(i, i + batchSize);
        const {resources} = await list(`/v3/service_credential_bindings?type=key&service_instance_guids=${batch.map(q).join(',')}&per_page=${perPage}`, call);
        keys.push(...resources.map(toKey));
      }
      return keys;
    },

    async keyCredentials(bindingGuid, call = {}): Promise<ServiceKeyCredentials> {
      const details = await curl(`/v3/service_credential_bindings/${q(bindingGuid)}/details`, call);
      const credentials = asObject(details.credentials);
      if (!credentials) throw cfError('bad-response', `The details of service key ${bindingGuid} hold no credentials.`, {args: ['curl'], exitCode: 0});
      return credentials;
    },

    async createKey(request, call = {}) {
      const args = ['create-service-key', request.instanceName, request.keyName];
      if (options.dryRun) {
        const instance = await findInstance(request.instanceName, call);
        const existing = instance ? await findKey(instance.guid, request.keyName, call) : null;
        logCall(args, true, request.parameters);
        if (existing) return {key: existing, alreadyExisted: true};
        return {key: {guid: DRY_RUN_GUID, name: request.keyName, instanceGuid: instance?.guid ?? DRY_RUN_GUID, lastOperation: null}, alreadyExisted: false};
      }
      await target(call);
      const result = await run(args, {...call, write: true, parameters: request.parameters});
      const alreadyExisted = /already exists/i.test(result.stdout);
      // cf succeeded, so the instance exists: a GUID learnt earlier in this run is still right.
      const instanceGuid = instanceGuids.get(request.instanceName) ?? (await findInstance(request.instanceName, call))?.guid;
      if (!instanceGuid) throw cfError('not-found', `Service instance ${request.instanceName} not found.`, {args, exitCode: 0});
      const key = await poll(`Creating service key ${request.keyName}`, () => findKey(instanceGuid, request.keyName, call), (k) => k === null || finished(k.lastOperation), call);
      if (!key) throw cfError('bad-response', `cf reported service key ${request.keyName} as created, but it cannot be found.`, {args, exitCode: 0});
      if (!alreadyExisted && key.lastOperation?.state === 'failed') throw brokerFailure(`Creating service key ${request.keyName}`, key.lastOperation, args);
      return {key, alreadyExisted};
    },

    deleteKey(instanceName, keyName, call = {}) {
      // The instance is looked up once: a key is polled by its instance's GUID.
      let instance: ServiceInstance | null = null;
      const find = async () => {
        instance ??= await findInstance(instanceName, call);
        return instance ? findKey(instance.guid, keyName, call) : null;
      };
      return deleteResource(['delete-service-key', instanceName, keyName, '-f'], `service key ${keyName}`, find, call);
    },
  };
  return port;
}
