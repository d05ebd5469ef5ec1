/**
 * Terraform configuration for what a setup created, for the Cloud Foundry provider
 * (cloudfoundry/cloudfoundry 1.x): data sources for org, space and the it-rt plan, the service
 * instance with exactly the parameters the setup used, the service key, variables for the names,
 * and `import` blocks (Terraform >= 1.5) that adopt the existing instance and key by GUID.
 *
 * One model, two syntaxes: `tfJson` is Terraform's JSON syntax in the shape an HCL parser gives
 * for `renderHcl` (blocks as arrays, expressions as "${...}"), except `import.to`, which the JSON
 * syntax takes as a bare address.
 */
import type {FlowState} from '../../flows/types.js';
import type {AuditData} from '../lifecycle/audit.js';

export interface TfKey {
  name: string;
  guid?: string;
  kind: 'external' | 'sap-generated';
  /** External: the leaf PEM file beside the configuration. */
  certificateFile?: string;
  /** SAP-generated: validity and key length. */
  parameters?: Record<string, unknown>;
}

export interface TfInstance {
  name: string;
  guid?: string;
  planName: string;
  parameters: Record<string, unknown>;
  keys: TfKey[];
}

export interface TfModel {
  org: string;
  space: string;
  instances: TfInstance[];
}

/** A Terraform identifier from a cf name. */
export function tfLabel(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(label) ? label : `_${label}`;
}

/** A JSON value as HCL expression text: JSON with `:` is valid HCL; template markers are escaped. */
function hclValue(value: unknown): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

const PROVIDER = {source: 'cloudfoundry/cloudfoundry', version: '~> 1.0'};

/** The model of a finished setup: the instance and key it created or reused. */
export function modelOfSetup(state: FlowState, leafFile = 'client-leaf.pem'): TfModel | undefined {
  const {instance, key, target} = state.facts;
  if (!instance || !target || !instance.parameters) return undefined;
  const keys: TfKey[] = [];
  if (key) {
    if (state.answers.certificateSource === 'sap-generated') keys.push({name: key.name, guid: key.guid, kind: 'sap-generated', parameters: {'key-type': 'certificate', ...(state.answers.sapKey ? {validity: state.answers.sapKey.validityDays, 'key-length': state.answers.sapKey.keyLength} : {})}});
    else if (state.answers.certificateSource === 'external') keys.push({name: key.name, guid: key.guid, kind: 'external', certificateFile: leafFile});
  }
  return {org: target.org.name, space: target.space.name, instances: [{name: instance.name, guid: instance.guid, planName: instance.planName ?? 'integration-flow', parameters: instance.parameters, keys}]};
}

/**
 * The model of a landscape as the audit read it. `parameters` and `leaves` (PEM) are what the
 * reads returned, by GUID. Left out, with the reason: instances whose parameters could not be
 * read (Terraform would overwrite them) and keys without a certificate.
 */
export function modelOfAudit(data: AuditData, parameters: ReadonlyMap<string, Record<string, unknown>>, leaves: ReadonlyMap<string, string>): {model: TfModel; pems: Record<string, string>; skipped: string[]} {
  const pems: Record<string, string> = {};
  const skipped: string[] = [];
  const instances: TfInstance[] = [];
  for (const i of data.instances) {
    const params = parameters.get(i.guid);
    if (!params) {
      skipped.push(`${i.name}: its parameters could not be read${i.parametersError ? ` (${i.parametersError})` : ''}`);
      continue;
    }
    const keys: TfKey[] = [];
    for (const k of i.keys) {
      const leaf = leaves.get(k.guid);
      if (k.type === 'external-certificate' && leaf) {
        const certificateFile = `${tfLabel(i.name)}__${tfLabel(k.name)}.pem`;
        pems[certificateFile] = leaf;
        keys.push({name: k.name, guid: k.guid, kind: 'external', certificateFile});
      } else if (k.type === 'sap-generated-certificate') keys.push({name: k.name, guid: k.guid, kind: 'sap-generated'});
      else skipped.push(`${i.name}/${k.name}: ${k.type === 'client-secret' ? 'a ClientId/Secret key' : (k.error ?? 'no certificate')}`);
    }
    instances.push({name: i.name, guid: i.guid, planName: i.planName, parameters: params, keys});
  }
  return {model: {org: data.target.org, space: data.target.space, instances}, pems, skipped};
}

function labels(model: TfModel) {
  const single = model.instances.length === 1;
  return {
    instance: (i: TfInstance) => tfLabel(i.name),
    key: (i: TfInstance, k: TfKey) => (single ? tfLabel(k.name) : `${tfLabel(i.name)}__${tfLabel(k.name)}`),
  };
}

function keyParametersHcl(k: TfKey): string {
  if (k.kind === 'external') return `jsonencode({"key-type": "certificate_external", "X.509": file("\${path.module}/${k.certificateFile ?? 'client-leaf.pem'}")})`;
  return `jsonencode(${hclValue(k.parameters ?? {'key-type': 'certificate'})})`;
}

/** Terraform's JSON syntax (`main.tf.json`). */
export function tfJson(model: TfModel): Record<string, unknown> {
  const l = labels(model);
  const variable: Record<string, unknown[]> = {
    org_name: [{description: 'Cloud Foundry org', default: model.org}],
    space_name: [{description: 'Cloud Foundry space', default: model.space}],
  };
  const plans = [...new Set(model.instances.map(i => i.planName))];
  const instances: Record<string, unknown[]> = {};
  const bindings: Record<string, unknown[]> = {};
  const imports: unknown[] = [];
  for (const i of model.instances) {
    const il = l.instance(i);
    variable[`${il}_name`] = [{description: `Name of the ${i.planName} instance`, default: i.name}];
    instances[il] = [{name: `\${var.${il}_name}`, type: 'managed', space: '${data.cloudfoundry_space.this.id}', service_plan: `\${data.cloudfoundry_service_plan.${tfLabel(i.planName)}.id}`, parameters: `\${jsonencode(${hclValue(i.parameters)})}`}];
    if (i.guid) imports.push({to: `cloudfoundry_service_instance.${il}`, id: i.guid});
    for (const k of i.keys) {
      const kl = l.key(i, k);
      variable[`${kl}_key_name`] = [{description: `Name of the service key (${k.kind} certificate)`, default: k.name}];
      bindings[kl] = [{type: 'key', name: `\${var.${kl}_key_name}`, service_instance: `\${cloudfoundry_service_instance.${il}.id}`, parameters: `\${${keyParametersHcl(k)}}`}];
      if (k.guid && k.kind === 'external') imports.push({to: `cloudfoundry_service_credential_binding.${kl}`, id: k.guid});
    }
  }
  const json: Record<string, unknown> = {
    terraform: [{required_version: '>= 1.5', required_providers: [{cloudfoundry: PROVIDER}]}],
    variable,
    data: {
      cloudfoundry_org: {this: [{name: '${var.org_name}'}]},
      cloudfoundry_space: {this: [{name: '${var.space_name}', org: '${data.cloudfoundry_org.this.id}'}]},
      cloudfoundry_service_plan: Object.fromEntries(plans.map(p => [tfLabel(p), [{name: p, service_offering_name: 'it-rt'}]])),
    },
    resource: {
      cloudfoundry_service_instance: instances,
      ...(Object.keys(bindings).length ? {cloudfoundry_service_credential_binding: bindings} : {}),
    },
  };
  if (imports.length) json.import = imports;
  return json;
}

/** The same configuration in HCL (`main.tf`), with the comments JSON cannot carry. */
export function renderHcl(model: TfModel): string {
  const l = labels(model);
  const out: string[] = [
    '# Generated by cpi-mtls: SAP Cloud Integration inbound access (it-rt instances and service keys)',
    '# for the Cloud Foundry Terraform provider. `terraform plan` adopts the existing instances and',
    '# external-certificate keys (import blocks) and should show no change.',
    '',
    'terraform {',
    '  required_version = ">= 1.5"',
    '  required_providers {',
    `    cloudfoundry = {source = ${hclValue(PROVIDER.source)}, version = ${hclValue(PROVIDER.version)}}`,
    '  }',
    '}',
    '',
  ];
  const variable = (name: string, description: string, value: string) => out.push(`variable "${name}" {`, `  description = ${hclValue(description)}`, `  default     = ${hclValue(value)}`, '}', '');
  variable('org_name', 'Cloud Foundry org', model.org);
  variable('space_name', 'Cloud Foundry space', model.space);
  for (const i of model.instances) {
    variable(`${l.instance(i)}_name`, `Name of the ${i.planName} instance`, i.name);
    for (const k of i.keys) variable(`${l.key(i, k)}_key_name`, `Name of the service key (${k.kind} certificate)`, k.name);
  }
  out.push('data "cloudfoundry_org" "this" {', '  name = var.org_name', '}', '', 'data "cloudfoundry_space" "this" {', '  name = var.space_name', '  org  = data.cloudfoundry_org.this.id', '}', '');
  for (const p of [...new Set(model.instances.map(i => i.planName))]) {
    out.push(`data "cloudfoundry_service_plan" "${tfLabel(p)}" {`, `  name                  = ${hclValue(p)}`, '  service_offering_name = "it-rt"', '}', '');
  }
  for (const i of model.instances) {
    const il = l.instance(i);
    out.push(
      '# Parameters exactly as the service broker stored them (roles, grant types).',
      `resource "cloudfoundry_service_instance" "${il}" {`,
      `  name         = var.${il}_name`,
      '  type         = "managed"',
      '  space        = data.cloudfoundry_space.this.id',
      `  service_plan = data.cloudfoundry_service_plan.${tfLabel(i.planName)}.id`,
      `  parameters   = jsonencode(${hclValue(i.parameters)})`,
      '}',
      '',
    );
    for (const k of i.keys) {
      const kl = l.key(i, k);
      if (k.kind === 'sap-generated') {
        out.push(
          '# SAP-generated certificate: Terraform cannot adopt the existing secret. Applying this',
          '# resource creates a NEW key with a NEW certificate and private key, and the key\'s',
          '# credentials (private key included) land in the Terraform state: protect the state.',
          '# The existing key is therefore not imported.',
        );
      } else {
        out.push('# One certificate in one key across the tenant: never declare the same X.509 twice (401 at runtime).');
      }
      out.push(
        `resource "cloudfoundry_service_credential_binding" "${kl}" {`,
        '  type             = "key"',
        `  name             = var.${kl}_key_name`,
        `  service_instance = cloudfoundry_service_instance.${il}.id`,
        `  parameters       = ${keyParametersHcl(k)}`,
        '}',
        '',
      );
    }
  }
  for (const i of model.instances) {
    const il = l.instance(i);
    if (i.guid) out.push(`import {`, `  to = cloudfoundry_service_instance.${il}`, `  id = ${hclValue(i.guid)}`, '}', '');
    for (const k of i.keys) {
      if (k.guid && k.kind === 'external') out.push('import {', `  to = cloudfoundry_service_credential_binding.${l.key(i, k)}`, `  id = ${hclValue(k.guid)}`, '}', '');
    }
  }
  return out.join('\n');
}

export const TERRAFORM_README = `# Terraform configuration

Generated by cpi-mtls for the Cloud Foundry provider (cloudfoundry/cloudfoundry 1.x), Terraform >= 1.5:
main.tf (HCL) or main.tf.json (Terraform's JSON syntax). Copy the .pem files along with it: each
external key's X.509 parameter reads its file. cpi-mtls-model.json is what
\`cpi-mtls export terraform\` reads to write this again; Terraform ignores it.

    terraform init
    terraform plan     # adopts the existing instances and keys (import blocks): no change expected

Credentials of service keys are stored in the Terraform state. A SAP-generated key is not
adopted: applying its resource would create a new key with a new certificate and private key.
`;
