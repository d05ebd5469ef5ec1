import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {parse} from '@cdktf/hcl2json';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {renderHcl, tfJson, tfLabel, type TfModel} from '../../src/export/terraform.js';
import {applyDemoOption1} from '../helpers/demo-apply.js';
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
    const {home, out, run} = await applyDemoOption1(dir);
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

    // export terraform --from writes the same configuration again, offline, here as tf-json.
    const again = await execa(process.execPath, [CLI, 'export', 'terraform', '--from', out, '--format', 'tf-json', '--out', path.join(dir, 'again')], {reject: false, stdin: 'ignore'});
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'again/main.tf.json'), 'utf8'))).toEqual(asTerraformJson(parsed));
  });

  it('export terraform --from-audit writes every instance and key the stand-in cf holds; tf-json parses alike', {timeout: 120_000}, async () => {
    const home = path.join(dir, 'land-audit');
    const env = {...process.env, CPI_MTLS_DEMO_HOME: home};
    const exportTo = (out: string, ...extra: string[]) => execa(process.execPath, [CLI, 'export', 'terraform', '--from-audit', '--demo', 'expiring', '--out', out, '--json', ...extra], {reject: false, env, stdin: 'ignore'});
    const hclOut = path.join(dir, 'tf-hcl');
    const run = await exportTo(hclOut);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({outcome: 'complete', instances: 2, keys: 2, imported: 3, skipped: []});

    const state = JSON.parse(await readFile(path.join(home, 'cf-home/.cf/sim-state.json'), 'utf8'));
    const parsed = await parse('main.tf', await readFile(path.join(hclOut, 'main.tf'), 'utf8'));
    const argument = (expr: string) => JSON.parse(expr.replace(/^\$\{jsonencode\(/, '').replace(/\)\}$/, ''));
    const expectedImports: string[] = [];
    for (const instance of state.instances) {
      const il = tfLabel(instance.name);
      expect(parsed.variable[`${il}_name`][0].default).toBe(instance.name);
      expect(argument(parsed.resource.cloudfoundry_service_instance[il][0].parameters)).toEqual(instance.parameters);
      expectedImports.push(`\${cloudfoundry_service_instance.${il}} ${instance.guid}`);
      for (const key of state.keys.filter((k: {instance_guid: string}) => k.instance_guid === instance.guid)) {
        const kl = `${il}__${tfLabel(key.name)}`;
        const binding = parsed.resource.cloudfoundry_service_credential_binding[kl][0];
        expect(parsed.variable[`${kl}_key_name`][0].default).toBe(key.name);
        expect(binding.service_instance).toBe(`\${cloudfoundry_service_instance.${il}.id}`);
        if (key.parameters['key-type'] === 'certificate_external') {
          // The leaf the key holds is the file the configuration reads, and the key is adopted.
          expect(binding.parameters).toBe(`\${jsonencode({"key-type": "certificate_external", "X.509": file("\${path.module}/${kl}.pem")})}`);
          expect((await readFile(path.join(hclOut, `${kl}.pem`), 'utf8')).trim()).toBe(key.parameters['X.509'].replace(/\r\n/g, '\n').trim());
          expectedImports.push(`\${cloudfoundry_service_credential_binding.${kl}} ${key.guid}`);
        } else expect(argument(binding.parameters)).toEqual({'key-type': 'certificate'});
      }
    }
    expect(state.keys).toHaveLength(2);
    expect(parsed.import.map((i: {to: string; id: string}) => `${i.to} ${i.id}`).sort()).toEqual(expectedImports.sort());

    const jsonOut = path.join(dir, 'tf-json');
    const json = await exportTo(jsonOut, '--format', 'tf-json');
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(await readFile(path.join(jsonOut, 'main.tf.json'), 'utf8'))).toEqual(asTerraformJson(parsed));

    // A folder with files export did not write is never written into.
    await writeFile(path.join(jsonOut, 'notes.txt'), 'mine');
    const refused = await exportTo(jsonOut);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('notes.txt');
  });

  it('export terraform --help shows examples; a wrong export or format is a usage error', async () => {
    const help = await execa(process.execPath, [CLI, 'export', 'terraform', '--help'], {reject: false});
    expect(help.exitCode).toBe(0);
    expect(help.stdout.split('Examples:\n')[1]!.split('\n\n')[0]!.split('\n').filter(line => line.includes('cpi-mtls export terraform'))).toHaveLength(3);
    for (const args of [['export', 'ansible'], ['export', 'terraform', '--format', 'yaml']]) {
      const wrong = await execa(process.execPath, [CLI, ...args], {reject: false});
      expect(wrong.exitCode).toBe(2);
      expect(wrong.stderr).toMatch(/^✖ .*\n {2}→ /);
    }
  });
});
