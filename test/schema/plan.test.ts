import {readFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {answersToPlan, planSchemaModeline} from '../../src/plan.js';
import {planSchema} from '../../src/schema/plan.js';
import {validate} from '../../src/schema/problems.js';

// The setup plan is validated by the zod schema in src/schema/plan.ts; the messages are the ones
// users know from the hand-written checks it replaced, each named by its field path.

const lines = (raw: unknown) => validate(planSchema, raw).map(p => `${p.path}: ${p.message}`);

describe('plan schema', () => {
  it('names every problem by field path, unknown fields and rules between fields included', () => {
    expect(
      lines({
        version: 2,
        option: 'certificate-in-iflow',
        role: 'X',
        target: {org: 1, confirm: 'y', bad: 1},
        instance: {name: 3, update: 'no', x: 1},
        certificate: {source: 'sap-generated', validityDays: 400, keyLength: 1024, keyType: 'dsa', acceptIncompleteChain: 1},
        liveTest: {run: true, method: 'PUT', extra: 1},
        trustedRoots: ['a', 2],
        exportPkcs12: 'x',
        onFailure: 'y',
        tenantChecks: {mode: 'file', z: 1},
        output: 5,
      }).sort(),
    ).toEqual(
      [
        'version: expected 1',
        'target.bad: unknown field; expected one of confirm, org, space',
        'target.confirm: expected true or false, got "y"',
        'target.org: expected a string, got 1',
        'role: Option 2 uses no role: remove this field',
        'instance.x: unknown field; expected one of name, update',
        'instance.name: expected a string, got 3',
        'instance.update: expected true or false, got "no"',
        'certificate.acceptIncompleteChain: expected true or false, got 1',
        'certificate.keyType: expected rsa-2048, rsa-3072, rsa-4096 or ec-p256',
        'certificate.source: Option 2 needs the certificate file to upload in the sender channel: use "external"',
        'certificate.validityDays: expected a whole number of days from 1 to 365',
        'certificate.keyLength: expected 2048 or 4096',
        'key: expected a mapping with name (the service key name)',
        'liveTest.extra: unknown field; expected one of run, path, method, privateKeyFile, compareBasic',
        'liveTest.path: required when run is true: the endpoint path, e.g. /http/orders',
        'liveTest.method: expected GET or POST',
        'output: expected a string, got 5',
        'trustedRoots[1]: expected a string, got 2',
        'exportPkcs12: expected "modern", "legacy" or "skip"',
        'onFailure: expected "keep" or "remove"',
        'tenantChecks.z: unknown field; expected one of mode, apiKeyFile, keepApiInstance',
        'tenantChecks.apiKeyFile: required for mode file: path of an api-plan service key JSON',
      ].sort(),
    );
  });

  it('reports required fields and the name rules of the wizard', () => {
    expect(lines({})).toEqual(
      expect.arrayContaining([
        'instance: expected a mapping with name (the service instance name)',
        'certificate: expected a mapping with source and file (external) or validityDays (sap-generated)',
        'key: expected a mapping with name (the service key name)',
      ]),
    );
    expect(lines({option: 'role-base', instance: {name: 'has space'}, certificate: {source: 'external'}, key: {}, foo: 1}).sort()).toEqual(
      [
        'foo: unknown field; expected one of version, option, target, role, instance, certificate, key, liveTest, output, onFailure, tenantChecks, exportPkcs12, trustedRoots',
        'option: expected "role-based" (Option 1) or "certificate-in-iflow" (Option 2)',
        'instance.name: Use only letters, digits, ".", "_" and "-" (no spaces).',
        'certificate.file: required for source external: path of the client certificate (PEM, DER or PKCS#12)',
        'key.name: required: the service key name',
      ].sort(),
    );
    expect(lines({instance: {name: '-rf'}, certificate: {source: 'new-csr'}, role: 'a b', liveTest: {path: 'x y'}})).toEqual(
      expect.arrayContaining(['instance.name: "-rf" starts with "-": cf would read it as an option. Start the name with a letter or digit.', 'certificate.commonName: required for source new-csr: the CN of the sender system']),
    );
    expect(lines(null)).toEqual(['(root): expected a mapping (YAML) or object (JSON) with fields such as option, role, instance, certificate']);
  });

  it('accepts every example of the README and the plan the wizard saves', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Plan files'), readme.indexOf('\n## ', readme.indexOf('## Plan files') + 1));
    const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => parse(m[1])).filter(example => example !== null); // the editor line alone is a comment
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) expect(validate(planSchema, example)).toEqual([]);
    const saved = answersToPlan(
      {option: 'role-based', roleChoice: 'ESBMessaging.send', instanceName: 'cpi-inbound-mtls', certificateSource: 'sap-generated', sapKey: {validityDays: 90, keyLength: 4096}, keyName: 'k1', liveTest: {run: true, path: 'https://t.example/http/orders'}},
      '/tmp/out',
    );
    expect(validate(planSchema, JSON.parse(JSON.stringify(saved)))).toEqual([]);
  });

  it('a saved plan names the installed package\'s schema file for editors', async () => {
    const line = planSchemaModeline();
    expect(line).toMatch(/^# yaml-language-server: \$schema=\/.*\/schema\/plan\.schema\.json$/);
    const file = line.slice(line.indexOf('=') + 1);
    expect(await readFile(file, 'utf8')).toBe(await readFile(new URL('../../schema/plan.schema.json', import.meta.url), 'utf8'));
  });
});
