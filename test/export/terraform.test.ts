import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {parse} from '@cdktf/hcl2json';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {renderHcl, tfJson, type TfModel} from '../../src/export/terraform.js';
import {CLI} from '../helpers/pty.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-tf-'));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Terraform's JSON syntax takes import.to as a bare address; an HCL parser gives it as "${...}". */
function asTerraformJson(parsed: Record<string, any>): Record<string, any> {
  const copy = structuredClone(parsed);
  for (const block of copy.import ?? []) block.to = String(block.to).replace(/^\$\{(.*)\}$/, '$1');
  return copy;
}

const MODEL: TfModel = {
  org: 'acme-dev',
  space: 'integration',
  instances: [
    {
      name: 'cpi-inbound-mtls',
      guid: '11111111-2222-3333-4444-555555555555',
      planName: 'integration-flow',
      parameters: {roles: ['Orders.send'], 'grant-types': ['client_credentials'], 'redirect-uris': [], note: 'a ${literal} "quoted"'},
      keys: [
        {name: 's4hana-sender', guid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', kind: 'external', certificateFile: 'client-leaf.pem'},
        {name: 'sap-generated-orders', guid: 'ffffffff-0000-1111-2222-333333333333', kind: 'sap-generated', parameters: {'key-type': 'certificate', validity: 365, 'key-length': 2048}},
      ],
    },
  ],
};

describe('Terraform export', () => {
  it('HCL parses to the resources, parameters and import ids, and equals the JSON syntax', async () => {
    const hcl = renderHcl(MODEL);
    const parsed = await parse('main.tf', hcl);
    expect(asTerraformJson(parsed)).toEqual(tfJson(MODEL));

    expect(parsed.data.cloudfoundry_service_plan.integration_flow[0]).toEqual({name: 'integration-flow', service_offering_name: 'it-rt'});
    const instance = parsed.resource.cloudfoundry_service_instance.cpi_inbound_mtls[0];
    expect(instance).toMatchObject({type: 'managed', space: '${data.cloudfoundry_space.this.id}', service_plan: '${data.cloudfoundry_service_plan.integration_flow.id}'});
    // The jsonencode argument is JSON: it reads back as exactly the parameters.
    const argument = (expr: string) => expr.replace(/^\$\{jsonencode\(/, '').replace(/\)\}$/, '');
    expect(JSON.parse(argument(instance.parameters).replace(/\$\$\{/g, '${'))).toEqual(MODEL.instances[0]!.parameters);
    const keys = parsed.resource.cloudfoundry_service_credential_binding;
    expect(keys.s4hana_sender[0]).toMatchObject({type: 'key', service_instance: '${cloudfoundry_service_instance.cpi_inbound_mtls.id}'});
    expect(keys.s4hana_sender[0].parameters).toBe('${jsonencode({"key-type": "certificate_external", "X.509": file("${path.module}/client-leaf.pem")})}');
    expect(JSON.parse(argument(keys.sap_generated_orders[0].parameters))).toEqual({'key-type': 'certificate', validity: 365, 'key-length': 2048});
    // The instance and the external key are adopted; the SAP-generated key is not (new certificate).
    expect(parsed.import.map((i: {to: string; id: string}) => `${i.to} ${i.id}`)).toEqual([
      '${cloudfoundry_service_instance.cpi_inbound_mtls} 11111111-2222-3333-4444-555555555555',
      '${cloudfoundry_service_credential_binding.s4hana_sender} aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    ]);
    expect(hcl).toMatch(/creates a NEW key with a NEW certificate/);
  });

  it('a demo apply writes terraform/ naming the instance and key it created, with the broker-stored parameters', {timeout: 120_000}, async () => {
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
`,
    );
    const env = {...process.env, CPI_MTLS_DEMO_HOME: home};
    delete (env as Record<string, string | undefined>).CI;
    const run = await execa(process.execPath, [CLI, 'apply', '--plan', plan, '--demo'], {reject: false, env, stdin: 'ignore'});
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);

    const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8'));
    const instance = state.instances.find((i: {name: string}) => i.name === 'cpi-inbound-mtls');
    const key = state.keys.find((k: {name: string}) => k.name === 's4hana-sender');
    const parsed = await parse('main.tf', await readFile(path.join(out, 'terraform/main.tf'), 'utf8'));
    expect(parsed.variable.cpi_inbound_mtls_name[0].default).toBe('cpi-inbound-mtls');
    expect(parsed.variable.s4hana_sender_key_name[0].default).toBe('s4hana-sender');
    expect(parsed.import.map((i: {to: string; id: string}) => `${i.to} ${i.id}`)).toEqual([
      `\${cloudfoundry_service_instance.cpi_inbound_mtls} ${instance.guid}`,
      `\${cloudfoundry_service_credential_binding.s4hana_sender} ${key.guid}`,
    ]);
    const stored = JSON.parse(await readFile(path.join(out, 'instance-parameters.json'), 'utf8'));
    expect(stored).toEqual(instance.parameters);
    const expression: string = parsed.resource.cloudfoundry_service_instance.cpi_inbound_mtls[0].parameters;
    expect(JSON.parse(expression.replace(/^\$\{jsonencode\(/, '').replace(/\)\}$/, ''))).toEqual(stored);
    // The leaf the key holds is the file the configuration reads.
    expect((await readFile(path.join(out, 'terraform/client-leaf.pem'), 'utf8')).trim()).toBe((await readFile(path.join(out, 'client-leaf.pem'), 'utf8')).trim());
  });
});
