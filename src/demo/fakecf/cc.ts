/**
 * The stand-in Cloud Controller: service operations with their jobs and last operations, and
 * the v3 routes `cf curl` reaches (cf-cli.md §8, §12.3). Commands and routes share the same
 * operations, so `cf create-service` and `cf curl -X POST /v3/service_instances` agree.
 */
import {BrokerError, brokerName, buildCredentials, offeringOf, planOf, validateInstanceParameters, validateKeyParameters} from './broker.js';
import {nextGuid, timestamp, type FaultSpec, type SimInstance, type SimJob, type SimKey, type SimLastOperation, type SimOffering, type SimPending, type SimPlan, type SimResource, type SimState} from './state.js';

export class CcError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly code: number,
    readonly detail: string,
  ) {
    super(detail);
  }

  body(): {errors: Array<{code: number; title: string; detail: string}>} {
    return {errors: [{code: this.code, title: this.title, detail: this.detail}]};
  }
}

export const notFound = (detail: string) => new CcError(404, 'CF-ResourceNotFound', 10010, detail);
const unprocessable = (detail: string) => new CcError(422, 'CF-UnprocessableEntity', 10008, detail);
const badQuery = (detail: string) => new CcError(400, 'CF-BadQueryParameter', 10005, `The query parameter is invalid: ${detail}`);
const inProgress = (name: string) => new CcError(409, 'CF-AsyncServiceInstanceOperationInProgress', 60016, `An operation for service instance ${name} is in progress.`);

interface OperationContext {
  state: SimState;
  /** A broker-error or async-fail fault for this call. */
  fault?: FaultSpec;
}

const SIMULATED_BROKER_FAILURE = 'Simulated broker failure.';
const SIMULATED_ASYNC_FAILURE = 'Simulated asynchronous failure.';

function operation(type: SimLastOperation['type'], state: SimLastOperation['state'], description = ''): SimLastOperation {
  const now = timestamp();
  return {type, state, description, created_at: now, updated_at: now};
}

function newJob(ctx: OperationContext, op: string, resource: SimJob['resource']): SimJob {
  const now = timestamp();
  const job: SimJob = {guid: nextGuid(ctx.state), operation: op, state: 'PROCESSING', resource, errors: [], warnings: [], created_at: now, updated_at: now};
  ctx.state.jobs.push(job);
  return job;
}

function failJob(job: SimJob, detail: string, code = 10009, title = 'CF-UnableToPerform'): void {
  job.state = 'FAILED';
  job.errors = [{code, title, detail}];
  job.updated_at = timestamp();
}

function completeJob(job: SimJob): void {
  job.state = 'COMPLETE';
  job.updated_at = timestamp();
}

/**
 * Asks the broker (or the broker-error fault); a rejection fails the resource's last operation
 * and the job with `<verb> could not be completed: Service broker error: <message>`.
 */
function brokerRejects(
  ctx: OperationContext,
  resource: SimResource,
  job: SimJob,
  type: SimLastOperation['type'],
  verb: string,
  check: () => void = () => undefined,
): boolean {
  let message: string;
  if (ctx.fault?.type === 'broker-error') message = ctx.fault.message ?? SIMULATED_BROKER_FAILURE;
  else {
    try {
      check();
      return false;
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      message = error.message;
    }
  }
  resource.last_operation = operation(type, 'failed', `Service broker error: ${message}`);
  failJob(job, `${verb} could not be completed: Service broker error: ${message}`);
  return true;
}

/** Async behaviour for this call: the operation the broker finishes after `polls` reads, or null when synchronous. */
function asyncPending(ctx: OperationContext, polls: number): SimPending | null {
  if (ctx.fault?.type === 'async-fail') return {pollsLeft: Math.max(polls, 1), outcome: 'failed', description: ctx.fault.message ?? SIMULATED_ASYNC_FAILURE};
  if (polls > 0) return {pollsLeft: polls, outcome: 'succeeded', description: ''};
  return null;
}

/** With `later` the broker still works and the job polls; otherwise `finish` applies the outcome now and the job completes. */
function settle(job: SimJob, resource: SimResource, later: SimPending | null, finish: () => void): SimJob {
  if (later) {
    resource.pending = later;
    job.state = 'POLLING';
  } else {
    finish();
    completeJob(job);
  }
  return job;
}

function operationRunning(op: SimLastOperation): boolean {
  return op.state === 'in progress' || op.state === 'initial';
}

// ---------------------------------------------------------------------------------------------
// Polling: each read of a resource is one poll of the broker

/** Advances a pending operation by one poll; returns it when this poll finished it. */
function advance(state: SimState, resource: SimResource): SimPending | null {
  const pending = resource.pending;
  const op = resource.last_operation;
  if (!pending) return null;
  pending.pollsLeft -= 1;
  if (pending.pollsLeft > 0) return null;
  resource.pending = null;
  op.state = pending.outcome;
  op.description = pending.description;
  op.updated_at = timestamp();
  resource.updated_at = op.updated_at;
  for (const job of state.jobs) {
    if (job.resource.guid !== resource.guid || (job.state !== 'POLLING' && job.state !== 'PROCESSING')) continue;
    if (pending.outcome === 'succeeded') completeJob(job);
    else failJob(job, 'An unknown error occurred.', 10001, 'UnknownError');
  }
  return pending;
}

/** Advances a pending instance operation by one poll. Returns false when the instance is gone. */
export function pollInstance(state: SimState, instance: SimInstance): boolean {
  const finished = advance(state, instance);
  if (finished?.outcome !== 'succeeded') return true;
  const type = instance.last_operation.type;
  if (type === 'update' && finished.parameters) instance.parameters = finished.parameters;
  if (type !== 'delete') return true;
  removeInstance(state, instance);
  return false;
}

export function pollKey(state: SimState, key: SimKey): boolean {
  if (advance(state, key)?.outcome !== 'succeeded' || key.last_operation.type !== 'delete') return true;
  state.keys = state.keys.filter((k) => k.guid !== key.guid);
  return false;
}

export function pollJob(state: SimState, job: SimJob): void {
  if (job.state !== 'POLLING') return;
  if (job.resource.kind === 'service_instances') {
    const instance = state.instances.find((i) => i.guid === job.resource.guid);
    if (instance) pollInstance(state, instance);
  } else {
    const key = state.keys.find((k) => k.guid === job.resource.guid);
    if (key) pollKey(state, key);
  }
}

function removeInstance(state: SimState, instance: SimInstance): void {
  state.instances = state.instances.filter((i) => i.guid !== instance.guid);
  state.keys = state.keys.filter((k) => k.instance_guid !== instance.guid);
}

// ---------------------------------------------------------------------------------------------
// Operations

export function createInstance(
  ctx: OperationContext,
  request: {name: string; spaceGuid: string; plan: SimPlan; parameters: Record<string, unknown>; tags: string[]},
): SimJob {
  const {state} = ctx;
  if (state.instances.some((i) => i.name === request.name && i.space_guid === request.spaceGuid)) {
    throw unprocessable(`The service instance name is taken: ${request.name}.`);
  }
  const now = timestamp();
  const instance: SimInstance = {
    guid: nextGuid(state),
    name: request.name,
    space_guid: request.spaceGuid,
    plan_guid: request.plan.guid,
    tags: request.tags,
    parameters: request.parameters,
    last_operation: operation('create', 'in progress'),
    pending: null,
    created_at: now,
    updated_at: now,
  };
  state.instances.push(instance);
  const job = newJob(ctx, 'service_instance.create', {kind: 'service_instances', guid: instance.guid});
  const offering = offeringOf(state, request.plan);
  if (brokerRejects(ctx, instance, job, 'create', 'provision', () => validateInstanceParameters(state, request.plan, request.parameters))) return job;
  return settle(job, instance, asyncPending(ctx, offering.async_polls), () => {
    instance.last_operation = operation('create', 'succeeded');
  });
}

export function updateInstance(ctx: OperationContext, instance: SimInstance, request: {parameters?: Record<string, unknown>; tags?: string[]}): SimJob {
  const {state} = ctx;
  if (operationRunning(instance.last_operation)) throw inProgress(instance.name);
  const plan = planOf(state, instance);
  // `-c` replaces the parameters; whether SAP's broker merges them instead is unconfirmed.
  const parameters = request.parameters ?? instance.parameters;
  const job = newJob(ctx, 'service_instance.update', {kind: 'service_instances', guid: instance.guid});
  if (brokerRejects(ctx, instance, job, 'update', 'update', () => validateInstanceParameters(state, plan, request.parameters ?? {}, instance))) return job;
  if (request.tags) instance.tags = request.tags;
  const later = asyncPending(ctx, offeringOf(state, plan).async_polls);
  instance.last_operation = operation('update', 'in progress');
  settle(job, instance, later && {...later, parameters}, () => {
    instance.parameters = parameters;
    instance.last_operation = operation('update', 'succeeded');
  });
  instance.updated_at = timestamp();
  return job;
}

export function deleteInstance(ctx: OperationContext, instance: SimInstance): SimJob {
  const {state} = ctx;
  if (operationRunning(instance.last_operation) && instance.last_operation.type !== 'create') throw inProgress(instance.name);
  const job = newJob(ctx, 'service_instance.delete', {kind: 'service_instances', guid: instance.guid});
  if (brokerRejects(ctx, instance, job, 'delete', 'deprovision')) return job;
  // CC v3 removes the keys before it deprovisions.
  state.keys = state.keys.filter((k) => k.instance_guid !== instance.guid);
  const later = asyncPending(ctx, offeringOf(state, planOf(state, instance)).async_polls);
  if (later) instance.last_operation = operation('delete', 'in progress');
  return settle(job, instance, later, () => removeInstance(state, instance));
}

export function createKey(ctx: OperationContext, instance: SimInstance, request: {name: string; parameters: Record<string, unknown>}): SimJob {
  const {state} = ctx;
  if (operationRunning(instance.last_operation)) throw unprocessable('There is an operation in progress for the service instance.');
  if (state.keys.some((k) => k.instance_guid === instance.guid && k.name === request.name)) {
    throw unprocessable(`The binding name is invalid. Key binding names must be unique. The service instance already has a key binding with name '${request.name}'.`);
  }
  const now = timestamp();
  const key: SimKey = {
    guid: nextGuid(state),
    name: request.name,
    instance_guid: instance.guid,
    parameters: request.parameters,
    credentials: {},
    last_operation: operation('create', 'in progress'),
    pending: null,
    created_at: now,
    updated_at: now,
  };
  const job = newJob(ctx, 'service_keys.create', {kind: 'service_credential_bindings', guid: key.guid});
  const rejected = brokerRejects(ctx, key, job, 'create', 'bind', () => validateKeyParameters(state, instance, request.parameters));
  state.keys.push(key);
  if (rejected) return job;
  key.credentials = buildCredentials(state, instance, key, request.parameters);
  return settle(job, key, asyncPending(ctx, 0), () => {
    key.last_operation = operation('create', 'succeeded');
  });
}

export function deleteKey(ctx: OperationContext, key: SimKey): SimJob {
  const {state} = ctx;
  const job = newJob(ctx, 'service_keys.delete', {kind: 'service_credential_bindings', guid: key.guid});
  if (brokerRejects(ctx, key, job, 'delete', 'unbind')) return job;
  const later = asyncPending(ctx, 0);
  if (later) key.last_operation = operation('delete', 'in progress');
  return settle(job, key, later, () => {
    state.keys = state.keys.filter((k) => k.guid !== key.guid);
  });
}

/** Details of a key, or the CC 404 texts when it is not ready. */
export function keyDetails(key: SimKey): Record<string, unknown> {
  const op = key.last_operation;
  if (!(op.type === 'create' && op.state === 'succeeded')) {
    if (op.type === 'create' && op.state === 'failed') throw notFound('Creation of service key failed');
    if (op.type === 'create') throw notFound('Creation of service key in progress');
    if (op.type === 'delete' && op.state === 'failed') throw notFound('Deletion of service key failed');
    if (op.type === 'delete') throw notFound('Deletion of service key in progress');
  }
  return {credentials: key.credentials};
}

export function instanceParameters(state: SimState, instance: SimInstance): Record<string, unknown> {
  if (!offeringOf(state, planOf(state, instance)).instances_retrievable) {
    throw new CcError(400, 'CF-ServiceFetchInstanceParametersNotSupported', 120004, 'This service does not support fetching service instance parameters.');
  }
  const op = instance.last_operation;
  if (op.type === 'create' && op.state === 'failed') throw notFound('Service instance not found');
  if (operationRunning(op)) throw inProgress(instance.name);
  return instance.parameters;
}

// ---------------------------------------------------------------------------------------------
// Rendering (CC v3 JSON)

function href(state: SimState, path: string): {href: string} {
  return {href: `${state.api?.target ?? ''}${path}`};
}

const EMPTY_METADATA = () => ({labels: {}, annotations: {}});

function renderInstance(state: SimState, instance: SimInstance): Record<string, unknown> {
  const plan = planOf(state, instance);
  const base = `/v3/service_instances/${instance.guid}`;
  return {
    guid: instance.guid,
    created_at: instance.created_at,
    updated_at: instance.updated_at,
    name: instance.name,
    tags: instance.tags,
    type: 'managed',
    last_operation: instance.last_operation,
    metadata: EMPTY_METADATA(),
    maintenance_info: plan.maintenance_info ? {version: plan.maintenance_info.version} : {},
    upgrade_available: false,
    dashboard_url: null,
    relationships: {service_plan: {data: {guid: instance.plan_guid}}, space: {data: {guid: instance.space_guid}}},
    links: {
      self: href(state, base),
      service_plan: href(state, `/v3/service_plans/${instance.plan_guid}`),
      space: href(state, `/v3/spaces/${instance.space_guid}`),
      parameters: href(state, `${base}/parameters`),
      shared_spaces: href(state, `${base}/relationships/shared_spaces`),
      service_credential_bindings: href(state, `/v3/service_credential_bindings?service_instance_guids=${instance.guid}`),
      service_route_bindings: href(state, `/v3/service_route_bindings?service_instance_guids=${instance.guid}`),
    },
  };
}

function renderKey(state: SimState, key: SimKey): Record<string, unknown> {
  const base = `/v3/service_credential_bindings/${key.guid}`;
  return {
    guid: key.guid,
    created_at: key.created_at,
    updated_at: key.updated_at,
    name: key.name,
    type: 'key',
    last_operation: key.last_operation,
    metadata: EMPTY_METADATA(),
    relationships: {service_instance: {data: {guid: key.instance_guid}}},
    links: {
      self: href(state, base),
      details: href(state, `${base}/details`),
      parameters: href(state, `${base}/parameters`),
      service_instance: href(state, `/v3/service_instances/${key.instance_guid}`),
    },
  };
}

function renderPlan(state: SimState, plan: SimPlan): Record<string, unknown> {
  return {
    guid: plan.guid,
    created_at: plan.created_at,
    updated_at: plan.created_at,
    name: plan.name,
    description: plan.description,
    visibility_type: 'public',
    available: true,
    free: plan.free,
    costs: plan.costs,
    maintenance_info: plan.maintenance_info ?? {},
    broker_catalog: {id: `${plan.guid}-catalog`, metadata: {}, maximum_polling_duration: null, features: {plan_updateable: true, bindable: true}},
    schemas: {service_instance: {create: {parameters: {}}, update: {parameters: {}}}, service_binding: {create: {parameters: {}}}},
    relationships: {service_offering: {data: {guid: plan.offering_guid}}},
    metadata: EMPTY_METADATA(),
    links: {self: href(state, `/v3/service_plans/${plan.guid}`), service_offering: href(state, `/v3/service_offerings/${plan.offering_guid}`), visibility: href(state, `/v3/service_plans/${plan.guid}/visibility`)},
  };
}

function renderOffering(state: SimState, offering: SimOffering): Record<string, unknown> {
  return {
    guid: offering.guid,
    created_at: offering.created_at,
    updated_at: offering.created_at,
    name: offering.name,
    description: offering.description,
    available: true,
    tags: offering.tags,
    requires: [],
    shareable: false,
    documentation_url: offering.documentation_url,
    broker_catalog: {
      id: `${offering.guid}-catalog`,
      metadata: {},
      features: {
        plan_updateable: true,
        bindable: true,
        instances_retrievable: offering.instances_retrievable,
        bindings_retrievable: offering.bindings_retrievable,
        allow_context_updates: false,
      },
    },
    relationships: {service_broker: {data: {guid: offering.broker_guid}}},
    metadata: EMPTY_METADATA(),
    links: {self: href(state, `/v3/service_offerings/${offering.guid}`), service_plans: href(state, `/v3/service_plans?service_offering_guids=${offering.guid}`), service_broker: href(state, `/v3/service_brokers/${offering.broker_guid}`)},
  };
}

function renderJob(state: SimState, job: SimJob): Record<string, unknown> {
  const {kind, guid} = job.resource;
  const links = {self: href(state, `/v3/jobs/${job.guid}`), [kind]: href(state, `/v3/${kind}/${guid}`)};
  return {guid: job.guid, created_at: job.created_at, updated_at: job.updated_at, operation: job.operation, state: job.state, links, errors: job.errors, warnings: job.warnings};
}

// ---------------------------------------------------------------------------------------------
// Routes

interface CcResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Query = Map<string, string>;

function checkQuery(query: Query, allowed: string[]): void {
  const all = [...allowed, 'page', 'per_page', 'order_by'];
  const unknown = [...query.keys()].filter((key) => !all.includes(key));
  if (unknown.length) {
    throw badQuery(`Unknown query parameter(s): ${unknown.map((k) => `'${k}'`).join(', ')}. Valid parameters are: ${all.map((k) => `'${k}'`).join(', ')}`);
  }
}

function listParam(query: Query, name: string): string[] | undefined {
  const value = query.get(name);
  if (value === undefined) return undefined;
  return value.split(',').filter((item) => item !== '');
}

/** Whether `actual` passes the list filter `name` of the query; an absent filter passes everything. */
function matches(query: Query, name: string, actual: string | undefined, caseInsensitive = false): boolean {
  const values = listParam(query, name);
  if (values === undefined) return true;
  if (actual === undefined) return false;
  return caseInsensitive ? values.some((v) => v.toLowerCase() === actual.toLowerCase()) : values.includes(actual);
}

/** The `include` list, each item one of `valid`. */
function includeParam(query: Query, valid: string[]): string[] {
  const include = listParam(query, 'include') ?? [];
  for (const item of include) {
    if (!valid.includes(item)) throw badQuery(`Invalid included resource: '${item}'. Valid included resources are: ${valid.map((v) => `'${v}'`).join(', ')}`);
  }
  return include;
}

interface Sortable {
  name?: string;
  created_at: string;
  updated_at?: string;
}

function paginate<T extends Sortable, R>(state: SimState, path: string, query: Query, items: T[], render: (item: T) => R): {pagination: unknown; resources: R[]} {
  const perPage = query.has('per_page') ? Number(query.get('per_page')) : 50;
  const page = query.has('page') ? Number(query.get('page')) : 1;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 5000) throw badQuery('Per page must be between 1 and 5000');
  if (!Number.isInteger(page) || page < 1) throw badQuery('Page must be greater than 0');
  const orderBy = query.get('order_by');
  let sorted = items;
  if (orderBy) {
    const descending = orderBy.startsWith('-');
    const field = orderBy.replace(/^[-+]/, '') as keyof Sortable;
    if (!['name', 'created_at', 'updated_at'].includes(field)) throw badQuery(`Order by can only be: 'created_at', 'updated_at', 'name'`);
    sorted = [...items].sort((a, b) => String(a[field] ?? '').localeCompare(String(b[field] ?? '')) * (descending ? -1 : 1));
  }
  const totalPages = Math.max(1, Math.ceil(sorted.length / perPage));
  const link = (n: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of query) if (key !== 'page' && key !== 'per_page') params.set(key, value);
    params.set('page', String(n));
    params.set('per_page', String(perPage));
    return href(state, `${path}?${params.toString()}`);
  };
  return {
    pagination: {
      total_results: sorted.length,
      total_pages: totalPages,
      first: link(1),
      last: link(totalPages),
      next: page < totalPages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
    },
    resources: sorted.slice((page - 1) * perPage, page * perPage).map(render),
  };
}

/** Keeps only the requested fields; `relationships.x` keeps that relationship. */
function project(object: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.startsWith('relationships.')) {
      const name = field.slice('relationships.'.length);
      const relationships = (object.relationships ?? {}) as Record<string, unknown>;
      result.relationships = {...((result.relationships as object) ?? {}), [name]: relationships[name]};
    } else if (field in object) {
      result[field] = object[field];
    }
  }
  return result;
}

function fieldsParam(query: Query, key: string, allowed: string[]): string[] | undefined {
  const value = query.get(`fields[${key}]`);
  if (value === undefined) return undefined;
  const fields = value.split(',').filter(Boolean);
  const bad = fields.filter((f) => !allowed.includes(f));
  if (bad.length) throw badQuery(`The valid keys for 'fields[${key}]' are: ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return fields;
}

function uniqueBy<T extends {guid: string}>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(item.guid) ? false : (seen.add(item.guid), true)));
}

function allSpaces(state: SimState) {
  return state.orgs.flatMap((org) => org.spaces.map((space) => ({...space, org_guid: org.guid})));
}

/** Organizations and spaces carry no dates in the state: CC's fixed creation date stands in. */
const ORG_CREATED_AT = '2020-01-01T00:00:00Z';

function renderOrg(state: SimState, org: {guid: string; name: string}): Record<string, unknown> {
  return {
    guid: org.guid,
    created_at: ORG_CREATED_AT,
    updated_at: ORG_CREATED_AT,
    name: org.name,
    suspended: false,
    relationships: {quota: {data: null}},
    metadata: EMPTY_METADATA(),
    links: {self: href(state, `/v3/organizations/${org.guid}`)},
  };
}

function listOrganizations(state: SimState, path: string, query: Query) {
  checkQuery(query, ['names', 'guids']);
  const orgs = state.orgs
    .filter((org) => matches(query, 'names', org.name) && matches(query, 'guids', org.guid))
    .map((org) => ({...org, created_at: ORG_CREATED_AT}));
  return paginate(state, path, query, orgs, (org) => renderOrg(state, org));
}

function listSpaces(state: SimState, path: string, query: Query) {
  checkQuery(query, ['names', 'guids', 'organization_guids', 'include']);
  const include = includeParam(query, ['organization']);
  const spaces = allSpaces(state)
    .filter((s) => matches(query, 'names', s.name) && matches(query, 'guids', s.guid) && matches(query, 'organization_guids', s.org_guid))
    .map((s) => ({...s, created_at: ORG_CREATED_AT}));
  const page = paginate(state, path, query, spaces, (space) => ({
    guid: space.guid,
    created_at: space.created_at,
    updated_at: space.created_at,
    name: space.name,
    relationships: {organization: {data: {guid: space.org_guid}}, quota: {data: null}},
    metadata: EMPTY_METADATA(),
    links: {self: href(state, `/v3/spaces/${space.guid}`), organization: href(state, `/v3/organizations/${space.org_guid}`)},
  }));
  // As CC does: the organizations of the spaces on this page, once each.
  const orgGuids = new Set(page.resources.map((space) => space.relationships.organization.data.guid));
  const orgs = [...orgGuids].map((guid) => state.orgs.find((o) => o.guid === guid)).filter((o) => o !== undefined);
  return withIncluded(page, {organizations: include.includes('organization') ? orgs.map((o) => renderOrg(state, o)) : undefined});
}

/** The page with the `included` lists that were asked for (undefined = not asked); none asked, no `included`. */
function withIncluded<P extends object>(page: P, lists: Record<string, unknown[] | undefined>): P | (P & {included: object}) {
  const included = Object.fromEntries(Object.entries(lists).filter(([, list]) => list !== undefined));
  return Object.keys(included).length ? {...page, included} : page;
}

/** The brokers of these offerings, once each, with the requested fields. */
function includedBrokers(state: SimState, offerings: SimOffering[], fields: string[]): Array<Record<string, unknown>> {
  return uniqueBy(offerings.map((o) => state.brokers.find((b) => b.guid === o.broker_guid)!)).map((b) => project({guid: b.guid, name: b.name}, fields));
}

function listOfferings(state: SimState, path: string, query: Query) {
  checkQuery(query, ['names', 'available', 'service_broker_names', 'service_broker_guids', 'space_guids', 'organization_guids', 'guids', 'fields[service_broker]']);
  const brokerFields = fieldsParam(query, 'service_broker', ['guid', 'name']);
  const offerings = state.offerings.filter(
    (o) =>
      matches(query, 'names', o.name, true) &&
      matches(query, 'service_broker_names', brokerName(state, o)) &&
      matches(query, 'service_broker_guids', o.broker_guid) &&
      matches(query, 'guids', o.guid),
  );
  return withIncluded(paginate(state, path, query, offerings, (o) => renderOffering(state, o)), {
    service_brokers: brokerFields && includedBrokers(state, offerings, brokerFields),
  });
}

function listPlans(state: SimState, path: string, query: Query) {
  checkQuery(query, ['names', 'available', 'service_offering_names', 'service_offering_guids', 'service_broker_names', 'service_broker_guids', 'space_guids', 'organization_guids', 'guids', 'service_instance_guids', 'include', 'fields[service_offering.service_broker]']);
  const available = query.get('available');
  const instanceGuids = listParam(query, 'service_instance_guids');
  const include = includeParam(query, ['space.organization', 'service_offering']);
  const brokerFields = fieldsParam(query, 'service_offering.service_broker', ['guid', 'name']);
  const plans = state.plans.filter((plan) => {
    const offering = offeringOf(state, plan);
    return (
      matches(query, 'names', plan.name) &&
      matches(query, 'service_offering_names', offering.name, true) &&
      matches(query, 'service_offering_guids', offering.guid) &&
      matches(query, 'service_broker_names', brokerName(state, offering)) &&
      matches(query, 'guids', plan.guid) &&
      (instanceGuids === undefined || state.instances.some((i) => instanceGuids.includes(i.guid) && i.plan_guid === plan.guid)) &&
      (available === undefined || available === 'true')
    );
  });
  const offerings = uniqueBy(plans.map((plan) => offeringOf(state, plan)));
  return withIncluded(paginate(state, path, query, plans, (plan) => renderPlan(state, plan)), {
    service_offerings: include.includes('service_offering') ? offerings.map((o) => renderOffering(state, o)) : undefined,
    service_brokers: brokerFields && includedBrokers(state, offerings, brokerFields),
  });
}

function listInstances(state: SimState, path: string, query: Query) {
  checkQuery(query, [
    'names',
    'guids',
    'type',
    'space_guids',
    'organization_guids',
    'service_plan_names',
    'service_plan_guids',
    'fields[space]',
    'fields[space.organization]',
    'fields[service_plan]',
    'fields[service_plan.service_offering]',
    'fields[service_plan.service_offering.service_broker]',
  ]);
  const spaceFields = fieldsParam(query, 'space', ['guid', 'name', 'relationships.organization']);
  const orgFields = fieldsParam(query, 'space.organization', ['guid', 'name']);
  const planFields = fieldsParam(query, 'service_plan', ['guid', 'name', 'relationships.service_offering']);
  const offeringFields = fieldsParam(query, 'service_plan.service_offering', ['guid', 'name', 'description', 'documentation_url', 'tags', 'relationships.service_broker']);
  const brokerFields = fieldsParam(query, 'service_plan.service_offering.service_broker', ['guid', 'name']);
  const spaces = allSpaces(state);
  const candidates = state.instances.filter((instance) => {
    const plan = planOf(state, instance);
    const space = spaces.find((s) => s.guid === instance.space_guid);
    return (
      matches(query, 'names', instance.name) &&
      matches(query, 'guids', instance.guid) &&
      matches(query, 'type', 'managed') &&
      matches(query, 'space_guids', instance.space_guid) &&
      matches(query, 'organization_guids', space?.org_guid) &&
      matches(query, 'service_plan_names', plan.name, true) &&
      matches(query, 'service_plan_guids', plan.guid)
    );
  });
  const instances = candidates.filter((instance) => pollInstance(state, instance));
  const page = paginate(state, path, query, instances, (instance) => renderInstance(state, instance));
  const usedSpaces = uniqueBy(instances.map((i) => spaces.find((s) => s.guid === i.space_guid)).filter((s) => s !== undefined));
  const usedOrgs = uniqueBy(usedSpaces.map((s) => state.orgs.find((o) => o.guid === s.org_guid)!));
  const plans = uniqueBy(instances.map((i) => planOf(state, i)));
  const offerings = uniqueBy(plans.map((p) => offeringOf(state, p)));
  return withIncluded(page, {
    spaces: spaceFields && usedSpaces.map((s) => project({guid: s.guid, name: s.name, relationships: {organization: {data: {guid: s.org_guid}}}}, spaceFields)),
    organizations: orgFields && usedOrgs.map((o) => project({guid: o.guid, name: o.name}, orgFields)),
    service_plans: planFields && plans.map((p) => project(renderPlan(state, p), planFields)),
    service_offerings: offeringFields && offerings.map((o) => project(renderOffering(state, o), offeringFields)),
    service_brokers: brokerFields && includedBrokers(state, offerings, brokerFields),
  });
}

function listKeys(state: SimState, path: string, query: Query) {
  checkQuery(query, ['names', 'guids', 'type', 'service_instance_guids', 'service_instance_names', 'app_guids', 'app_names', 'service_plan_guids', 'service_plan_names', 'service_offering_guids', 'service_offering_names', 'include']);
  // The stand-in has no apps: a filter by app matches no key.
  const appFilter = query.has('app_guids') || query.has('app_names');
  const include = includeParam(query, ['app', 'service_instance']);
  const candidates = state.keys.filter((key) => {
    const instance = state.instances.find((i) => i.guid === key.instance_guid);
    const plan = instance ? planOf(state, instance) : undefined;
    return (
      !appFilter &&
      matches(query, 'names', key.name) &&
      matches(query, 'guids', key.guid) &&
      matches(query, 'type', 'key') &&
      matches(query, 'service_instance_guids', key.instance_guid) &&
      matches(query, 'service_instance_names', instance?.name) &&
      matches(query, 'service_plan_names', plan?.name, true) &&
      matches(query, 'service_offering_names', plan ? offeringOf(state, plan).name : undefined, true)
    );
  });
  const keys = candidates.filter((key) => pollKey(state, key));
  const instances = uniqueBy(keys.map((k) => state.instances.find((i) => i.guid === k.instance_guid)).filter((i) => i !== undefined));
  return withIncluded(paginate(state, path, query, keys, (key) => renderKey(state, key)), {
    apps: include.includes('app') ? [] : undefined,
    service_instances: include.includes('service_instance') ? instances.map((i) => renderInstance(state, i)) : undefined,
  });
}

function parseBody(body: string | undefined): Record<string, unknown> {
  if (!body) return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new CcError(400, 'CF-MessageParseError', 1001, 'Request invalid due to parse error: invalid request body');
}

function relationshipGuid(body: Record<string, unknown>, name: string): string | undefined {
  const relationships = body.relationships as Record<string, {data?: {guid?: string}}> | undefined;
  return relationships?.[name]?.data?.guid;
}

function accepted(state: SimState, job: SimJob): CcResponse {
  return {status: 202, body: null, headers: {Location: `${state.api?.target ?? ''}/v3/jobs/${job.guid}`}};
}

const LISTS: Record<string, (state: SimState, path: string, query: Query) => unknown> = {
  organizations: listOrganizations,
  spaces: listSpaces,
  service_offerings: listOfferings,
  service_plans: listPlans,
  service_instances: listInstances,
  service_credential_bindings: listKeys,
};

/**
 * Answers one Cloud Controller request. `fault` is a broker-error/async-fail fault that applies
 * to writes made through this request.
 */
export function handleRequest(state: SimState, method: string, rawPath: string, body?: string, fault?: FaultSpec): CcResponse {
  try {
    return route(state, method.toUpperCase(), rawPath, body, fault);
  } catch (error) {
    if (error instanceof CcError) return {status: error.status, body: error.body(), headers: {}};
    throw error;
  }
}

function route(state: SimState, method: string, rawPath: string, body: string | undefined, fault: FaultSpec | undefined): CcResponse {
  const withoutHost = rawPath.replace(/^https?:\/\/[^/]+/, '');
  const [pathPart = '', search = ''] = withoutHost.split('?', 2);
  const path = '/' + pathPart.replace(/^\/+/, '').replace(/\/+$/, '');
  const query: Query = new Map(new URLSearchParams(search));
  const ok = (value: unknown): CcResponse => ({status: 200, body: value, headers: {}});
  const ctx: OperationContext = {state, fault};
  const segments = path.split('/').filter(Boolean);
  if (!state.auth) throw new CcError(401, 'CF-NotAuthenticated', 10002, 'Authentication error');
  if (segments[0] !== 'v3') throw new CcError(404, 'CF-NotFound', 10000, 'Unknown request');
  const [, collection, guid, sub] = segments;
  const get = method === 'GET';

  if (segments.length === 2 && get && Object.hasOwn(LISTS, collection!)) return ok(LISTS[collection!]!(state, path, query));

  if (collection === 'service_instances') {
    if (segments.length === 2 && method === 'POST') {
      const request = parseBody(body);
      if (request.type !== 'managed') throw unprocessable('Type must be one of \'managed\', \'user-provided\'; only managed instances are simulated.');
      const spaceGuid = relationshipGuid(request, 'space');
      const planGuid = relationshipGuid(request, 'service_plan');
      const plan = state.plans.find((p) => p.guid === planGuid);
      if (!spaceGuid || !allSpaces(state).some((s) => s.guid === spaceGuid)) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
      if (!plan) throw unprocessable('Invalid service plan. Ensure that the service plan exists, is available, and you have access to it.');
      if (typeof request.name !== 'string' || !request.name) throw unprocessable('Name must be a string');
      const parameters = (request.parameters as Record<string, unknown>) ?? {};
      return accepted(state, createInstance(ctx, {name: request.name, spaceGuid, plan, parameters, tags: (request.tags as string[]) ?? []}));
    }
    const instance = guid ? state.instances.find((i) => i.guid === guid) : undefined;
    if (segments.length >= 3 && (!instance || !pollInstance(state, instance))) throw notFound('Service instance not found');
    if (instance && segments.length === 3) {
      if (get) return ok(renderInstance(state, instance));
      if (method === 'DELETE') return accepted(state, deleteInstance(ctx, instance));
      if (method === 'PATCH') {
        const request = parseBody(body);
        return accepted(state, updateInstance(ctx, instance, {parameters: request.parameters as Record<string, unknown> | undefined, tags: request.tags as string[] | undefined}));
      }
    }
    if (instance && segments.length === 4 && sub === 'parameters' && get) return ok(instanceParameters(state, instance));
  }

  if (collection === 'service_credential_bindings') {
    if (segments.length === 2 && method === 'POST') {
      const request = parseBody(body);
      if (request.type !== 'key') throw unprocessable('Only bindings of type key are simulated.');
      const instance = state.instances.find((i) => i.guid === relationshipGuid(request, 'service_instance'));
      if (!instance) throw unprocessable('The service instance could not be found.');
      if (typeof request.name !== 'string' || !request.name) throw unprocessable('Name must be a string');
      return accepted(state, createKey(ctx, instance, {name: request.name, parameters: (request.parameters as Record<string, unknown>) ?? {}}));
    }
    const key = guid ? state.keys.find((k) => k.guid === guid) : undefined;
    if (segments.length >= 3 && (!key || !pollKey(state, key))) throw notFound('Service credential binding not found');
    if (key && segments.length === 3) {
      if (get) return ok(renderKey(state, key));
      if (method === 'DELETE') return accepted(state, deleteKey(ctx, key));
    }
    if (key && segments.length === 4 && get) {
      if (sub === 'details') return ok(keyDetails(key));
      if (sub === 'parameters') {
        const instance = state.instances.find((i) => i.guid === key.instance_guid)!;
        if (!offeringOf(state, planOf(state, instance)).bindings_retrievable) {
          throw new CcError(502, 'CF-ServiceFetchBindingParametersNotSupported', 120005, 'This service does not support fetching service binding parameters.');
        }
        return ok(key.parameters);
      }
    }
  }

  if (segments.length === 3 && get) {
    const found = <T extends {guid: string}>(items: T[], detail: string): T => {
      const item = items.find((i) => i.guid === guid);
      if (!item) throw notFound(detail);
      return item;
    };
    if (collection === 'jobs') {
      const job = found(state.jobs, 'Job not found');
      pollJob(state, job);
      return ok(renderJob(state, job));
    }
    if (collection === 'service_plans') return ok(renderPlan(state, found(state.plans, 'Service plan not found')));
    if (collection === 'service_offerings') return ok(renderOffering(state, found(state.offerings, 'Service offering not found')));
  }
  throw new CcError(404, 'CF-NotFound', 10000, 'Unknown request');
}
