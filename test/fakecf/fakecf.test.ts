import {X509Certificate, createPrivateKey} from 'node:crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {generateDemoClientCa} from '../../src/demo/fakecf/state.js';
import {makeLandscape, manyInstances, type Landscape} from './fixture.js';

const U = 'demo.user@example.com';
const WHERE = `in org demo-org / space dev as ${U}...`;
const PARAMS = JSON.stringify({roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials']});

let landscape: Landscape | undefined;
async function open(seed: Parameters<typeof makeLandscape>[0] = {}): Promise<Landscape> {
  landscape = await makeLandscape(seed);
  return landscape;
}
afterEach(async () => {
  await landscape?.dispose();
  landscape = undefined;
});

describe('output conventions and preconditions', () => {
  it('prints the version line', async () => {
    const l = await open();
    expect(await l.run(['version'])).toEqual({stdout: 'cf version 8.18.4+3fcd823.2026-06-29\n', stderr: '', exitCode: 0});
    expect((await l.run(['-v'])).stdout).toBe('cf version 8.18.4+3fcd823.2026-06-29\n');
    expect((await l.run(['version'], {env: {CF_SIM_VERSION: '7.7.0'}})).stdout).toMatch(/^cf version 7\.7\.0\+/);
  });

  it('shows the target table with padded keys', async () => {
    const l = await open();
    const result = await l.run(['target']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      ['API endpoint:   https://api.cf.eu10.hana.ondemand.com', 'API version:    3.180.0', `user:           ${U}`, 'org:            demo-org', 'space:          dev', ''].join('\n'),
    );
  });

  it('reports a missing target without failing and retargets', async () => {
    const l = await open({targeted: false, extraSpaces: ['test']});
    const none = await l.run(['target']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain("\nNo org or space targeted, use 'cf target -o ORG -s SPACE'\n");
    const orgOnly = await l.run(['target', '-o', 'demo-org']);
    expect(orgOnly.stdout).toContain("No space targeted, use 'cf target -s SPACE'");
    const missing = await l.run(['target', '-s', 'nope']);
    expect(missing).toEqual({stdout: 'FAILED\n', stderr: "Space 'nope' not found.\n", exitCode: 1});
    expect((await l.run(['target', '-s=test'])).stdout).toContain('space:          test\n');
  });

  it('checks API, login, expiry, org and space in that order', async () => {
    const noApi = await open({apiEndpoint: null});
    expect(await noApi.run(['services'])).toEqual({stdout: 'FAILED\n', stderr: "No API endpoint set. Use 'cf login' or 'cf api' to target an endpoint.\n", exitCode: 1});
    expect(await noApi.run(['api'])).toEqual({stdout: "No API endpoint set. Use 'cf api' to set an endpoint\n", stderr: '', exitCode: 0});
    await noApi.dispose();
    const loggedOut = await open({loggedIn: false});
    expect(await loggedOut.run(['target'])).toEqual({stdout: 'FAILED\n', stderr: "Not logged in. Use 'cf login' or 'cf login --sso' to log in.\n", exitCode: 1});
    expect((await loggedOut.run(['api'])).stdout).toBe(
      "API endpoint:   https://api.cf.eu10.hana.ondemand.com\nAPI version:    3.180.0\n\nNot logged in. Use 'cf login' or 'cf login --sso' to log in.\n",
    );
    await loggedOut.dispose();
    const noOrg = await open({targeted: false});
    expect((await noOrg.run(['services'])).stderr).toBe("No org targeted, use 'cf target -o ORG' to target an org.\n");
    await noOrg.dispose();
    const expiring = await open({faults: {services: {type: 'expire-login', once: true}}});
    const expired = await expiring.run(['services']);
    expect(expired.stderr).toBe('The token expired, was revoked, or the token ID is incorrect. Please log back in to re-authenticate.\n');
    expect(expired.exitCode).toBe(1);
    // The token stays expired after the one-off fault; logging in again fixes it.
    expect((await expiring.run(['service-keys', 'x'])).stderr).toContain('The token expired');
    expect((await expiring.run(['login', '-u', 'me', '-p', 'pw', '-o', 'demo-org', '-s', 'dev'])).exitCode).toBe(0);
    expect((await expiring.run(['services'])).stdout).toContain('No service instances found.');
  });

  it('answers usage errors on stderr with the help on stdout', async () => {
    const l = await open();
    const missing = await l.run(['create-service']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('Incorrect Usage: the required arguments `SERVICE_OFFERING`, `SERVICE_PLAN` and `SERVICE_INSTANCE` were not provided\n\n');
    expect(missing.stdout).toMatch(/^NAME:\n {3}create-service - /);
    expect((await l.run(['service-key', 'a'])).stderr).toBe('Incorrect Usage: the required argument `SERVICE_KEY` was not provided\n\n');
    expect((await l.run(['services', '-u'])).stderr).toBe("Incorrect Usage: unknown flag `u'\n\n");
    const extra = await l.run(['service', 'a', 'b']);
    expect(extra.stderr).toBe('Incorrect Usage: unexpected argument "b"\n\n');
    expect(extra.stdout).toMatch(/^FAILED\n\nNAME:/);
    expect((await l.run(['create-service', 'a', 'b', 'c', '-c'])).stderr).toBe("Incorrect Usage: expected argument for flag `-c'\n\n");
    expect(await l.run(['frobnicate'])).toEqual({stdout: '', stderr: "'frobnicate' is not registered command. See 'cf help -a'\n".replace('not registered', 'not a registered'), exitCode: 1});
  });

  it('colours OK and FAILED only with CF_COLOR=true, and traces with CF_TRACE=true', async () => {
    const l = await open();
    const coloured = await l.run(['create-service', 'postgresql-db', 'trial', 'db', '-b', 'postgres-broker'], {env: {CF_COLOR: 'true'}});
    expect(coloured.stdout).toContain('\x1b[32;1mOK\x1b[0m\n');
    const plain = await l.run(['service', 'missing'], {env: {CF_COLOR: 'false'}});
    expect(plain.stdout).not.toContain('\x1b[');
    expect((await l.run(['service', 'missing'], {env: {CF_COLOR: 'true'}})).stdout).toContain('\x1b[31;1mFAILED\x1b[0m');
    const traced = await l.run(['curl', '/v3/service_instances'], {env: {CF_TRACE: 'true'}});
    expect(traced.stdout).toMatch(/^REQUEST: \[/);
    expect(traced.stdout).toContain('RESPONSE: [');
  });
});

describe('create-service', () => {
  it('creates synchronously, then reports "already exists" with exit 0 and no plan check', async () => {
    const l = await open();
    const created = await l.run(['create-service', 'PostgreSQL-DB', 'trial', ' db ', '-b', 'postgres-broker', '-t', 'a, b']);
    expect(created).toEqual({stdout: `Creating service instance db ${WHERE}\n\nService instance db created.\nOK\n\n`, stderr: '', exitCode: 0});
    expect(l.state().instances.find((i) => i.name === 'db')?.tags).toEqual(['a', 'b']);
    const again = await l.run(['create-service', 'postgresql-db', 'standard', 'db', '-b', 'postgres-broker']);
    expect(again).toEqual({stdout: `Creating service instance db ${WHERE}\nOK\n\nService instance db already exists\n`, stderr: '', exitCode: 0});
  });

  it('reports unknown plans and ambiguous offerings', async () => {
    const l = await open();
    expect(await l.run(['create-service', 'it-rt', 'nope', 'x'])).toEqual({
      stdout: `Creating service instance x ${WHERE}\nFAILED\n`,
      stderr: "The plan 'nope' could not be found for service offering 'it-rt'.\n",
      exitCode: 1,
    });
    expect((await l.run(['create-service', 'it-rt', 'nope', 'x', '-b', 'b1'])).stderr).toBe("The plan 'nope' could not be found for service offering 'it-rt' and broker 'b1'.\n");
    expect((await l.run(['create-service', 'postgresql-db', 'trial', 'x'])).stderr).toBe(
      "Service offering 'postgresql-db' is provided by multiple service brokers. Specify a broker name by using the '-b' flag.\n",
    );
  });

  it('rejects a bad -c before sending anything', async () => {
    const l = await open();
    for (const bad of ['[1,2]', '"text"', '{not json']) {
      const result = await l.run(['create-service', 'it-rt', 'integration-flow', 'x', '-c', bad]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe('Incorrect Usage: Invalid configuration provided for -c flag. Please provide a valid JSON object or path to a file containing a valid JSON object.\n\n');
    }
    expect(l.state().instances).toHaveLength(0);
  });

  it('runs it-rt asynchronously: in progress, then succeeded after the configured polls; --wait prints one dot per poll', async () => {
    const l = await open({asyncPolls: 3});
    const created = await l.run(['create-service', 'it-rt', 'integration-flow', 'a', '-c', PARAMS]);
    expect(created.stdout).toBe(`Creating service instance a ${WHERE}\n\nCreate in progress. Use 'cf services' or 'cf service a' to check operation status.\nOK\n\n`);
    expect((await l.run(['service', 'a'])).stdout).toContain('   status:    create in progress\n');
    expect((await l.run(['service', 'a'])).stdout).toContain('   status:    create in progress\n');
    expect((await l.run(['service', 'a'])).stdout).toContain('   status:    create succeeded\n');
    const waited = await l.run(['create-service', 'it-rt', 'integration-flow', 'b', '-c', PARAMS, '--wait']);
    expect(waited.stdout).toBe(`Creating service instance b ${WHERE}\n\nWaiting for the operation to complete...\n\nService instance b created.\nOK\n\n`);
  });

  it('reports broker rejections as a failed job and keeps the failed instance', async () => {
    const l = await open();
    const bad = await l.run(['create-service', 'it-rt', 'integration-flow', 'x', '-c', '{"roles":["ESB Messaging"]}']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toBe(`Creating service instance x ${WHERE}\n\nFAILED\n`);
    expect(bad.stderr).toMatch(/^Job \([0-9a-f-]{36}\) failed: provision could not be completed: Service broker error: Invalid parameter "roles"/);
    const grant = await l.run(['create-service', 'it-rt', 'integration-flow', 'y', '-c', '{"grant-types":["magic"]}']);
    expect(grant.stderr).toContain('Service broker error: Invalid grant type "magic"');
    expect((await l.run(['service', 'x'])).stdout).toContain('   status:    create failed\n');
    expect(await l.run(['service', 'x', '--params'])).toEqual({stdout: 'FAILED\n', stderr: 'This service does not support fetching service instance parameters.\n', exitCode: 1});
  });

  it('fails the async operation with the fault description', async () => {
    const l = await open({faults: {'create-service': {type: 'async-fail', message: 'Quota exceeded for it-rt', once: true}}});
    expect((await l.run(['create-service', 'it-rt', 'integration-flow', 'a', '-c', PARAMS])).exitCode).toBe(0);
    const shown = await l.run(['service', 'a']);
    expect(shown.stdout).toContain('   status:    create failed\n   message:   Quota exceeded for it-rt\n');
    expect(l.state().faults).toEqual({});
  });
});

describe('service, update-service and the client_x509 rule', () => {
  it('prints parameters as sorted JSON ending in a blank line, and the guid alone', async () => {
    const l = await open({instances: [{name: 'si', guid: '11111111-2222-4333-8444-555555555555', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}}]});
    expect((await l.run(['service', 'si', '--params'])).stdout).toBe('{\n  "grant-types": [\n    "client_credentials"\n  ],\n  "redirect-uris": [],\n  "roles": [\n    "ESBMessaging.send"\n  ]\n}\n\n');
    expect(await l.run(['service', 'si', '--guid'])).toEqual({stdout: '11111111-2222-4333-8444-555555555555\n', stderr: '', exitCode: 0});
    expect(await l.run(['service', 'nope', '--guid'])).toEqual({stdout: 'FAILED\n', stderr: "Service instance 'nope' not found\n", exitCode: 1});
    const full = await l.run(['service', 'si']);
    expect(full.stdout).toContain('\nname:             si\nguid:             11111111-2222-4333-8444-555555555555\ntype:             managed\nbroker:           it-rt-broker\noffering:         it-rt\nplan:             integration-flow\n');
    expect(full.stdout).toContain('Showing upgrade status:\n   Upgrades are not supported by this broker.\n\n');
  });

  it('refuses keys and updates that keep client_x509, and accepts the fix', async () => {
    const l = await open({instances: [{name: 'old', parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_x509']}}]});
    const key = await l.run(['create-service-key', 'old', 'k']);
    expect(key.exitCode).toBe(1);
    expect(key.stderr).toMatch(/failed: bind could not be completed: Service broker error: The grant type client_x509 is deprecated/);
    const keep = await l.run(['update-service', 'old', '-c', '{"grant-types":["client_x509","client_credentials"]}']);
    expect(keep.stderr).toMatch(/update could not be completed: Service broker error: The grant type client_x509 is deprecated/);
    const fix = await l.run(['update-service', 'old', '-c', PARAMS, '--wait']);
    expect(fix.exitCode).toBe(0);
    expect(fix.stdout).toBe(`Updating service instance old ${WHERE}\n\nWaiting for the operation to complete.\n\nUpdate of service instance old complete.\nOK\n\n`);
    expect(JSON.parse((await l.run(['service', 'old', '--params'])).stdout)).toEqual(JSON.parse(PARAMS));
    expect((await l.run(['create-service-key', 'old', 'k2'])).exitCode).toBe(0);
  });
});

describe('service keys', () => {
  it('creates ClientId/Secret keys and prints them wrapped, as --json and in the v7 form', async () => {
    const l = await open({instances: [{name: 'si', parameters: JSON.parse(PARAMS)}]});
    expect(await l.run(['create-service-key', 'si', 'basic'])).toEqual({stdout: `Creating service key basic for service instance si as ${U}...\nOK\n\n`, stderr: '', exitCode: 0});
    expect(await l.run(['create-service-key', 'si', 'basic'])).toEqual({
      stdout: `Creating service key basic for service instance si as ${U}...\n\nService key basic already exists\nOK\n\n`,
      stderr: '',
      exitCode: 0,
    });
    const shown = await l.run(['service-key', 'si', 'basic']);
    expect(shown.stdout.startsWith(`Getting key basic for service instance si as ${U}...\n\n{\n  "credentials": {\n    "oauth": {\n`)).toBe(true);
    expect(shown.stdout.endsWith('}\n\n')).toBe(true);
    const creds = JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{'))).credentials.oauth;
    expect(Object.keys(creds).sort()).toEqual(['clientid', 'clientsecret', 'createdate', 'tokenurl', 'tokenvalidity', 'url']);
    expect(creds.url).toBe('https://demo.it-cpi001-rt.cfapps.eu10.hana.ondemand.com');
    expect(creds.tokenvalidity).toBe(3600);
    const json = await l.run(['service-key', 'si', 'basic', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({credentials: {oauth: creds}});
    expect(json.stdout.endsWith('}\n\n')).toBe(true);
    expect((await l.run(['service-key', 'si', 'basic', '--json'], {env: {CF_SIM_VERSION: '8.17.0'}})).stderr).toBe("Incorrect Usage: unknown flag `json'\n\n");
    const v7 = await l.run(['service-key', 'si', 'basic'], {env: {CF_SIM_VERSION: '7.7.0'}});
    expect(v7.stdout).toMatch(/^Getting key basic for service instance si as .*\.\.\.\n\n\{\n "oauth": \{\n {2}"clientid"/);
    expect((await l.run(['service-key', 'si', 'nope', '--guid'], {env: {CF_SIM_VERSION: '7.7.0'}}))).toEqual({stdout: '\n', stderr: '', exitCode: 0});
    expect(await l.run(['service-key', 'si', 'nope'])).toEqual({
      stdout: `Getting key nope for service instance si as ${U}...\n\nFAILED\n`,
      stderr: 'No service key nope found for service instance si\n',
      exitCode: 1,
    });
    expect((await l.run(['service-keys', 'si'])).stdout).toBe(`Getting keys for service instance si as ${U}...\n\nname    last operation     message\nbasic   create succeeded   \n`);
  });

  it('issues certificate keys from the client CA with clientAuth and a matching PKCS#1 key', async () => {
    const ca = generateDemoClientCa();
    const l = await open({sapClientCa: ca, instances: [{name: 'si', parameters: JSON.parse(PARAMS)}]});
    expect((await l.run(['create-service-key', 'si', 'cert', '-c', '{"key-type":"certificate","validity":30,"key-length":2048}'])).exitCode).toBe(0);
    const creds = JSON.parse((await l.run(['service-key', 'si', 'cert', '--json'])).stdout).credentials.oauth;
    const chain = creds.certificate.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
    expect(chain).toHaveLength(2);
    const leaf = new X509Certificate(chain[0]);
    const caCert = new X509Certificate(ca.certPem);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(creds.key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(leaf.checkPrivateKey(createPrivateKey(creds.key))).toBe(true);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    expect(creds.certificatedetails.serialnumber).toBe(leaf.serialNumber.toUpperCase());
    expect(creds.certificatedetails.issuerdn).toBe('CN=SAP PKI Certificate Service Client CA (demo),OU=SAP BTP Clients,O=SAP SE,L=cf-eu10,C=DE');
    const bad = await l.run(['create-service-key', 'si', 'long', '-c', '{"key-type":"certificate","validity":400}']);
    expect(bad.stderr).toContain('Service broker error: Invalid parameter "validity"');
  });

  it('accepts exactly one external certificate and refuses chains and garbage', async () => {
    const l = await open({instances: [{name: 'si', parameters: JSON.parse(PARAMS)}], duplicateCertificate: 'reject'});
    const other = generateDemoClientCa();
    const single = JSON.stringify({'key-type': 'certificate_external', 'X.509': other.certPem});
    expect((await l.run(['create-service-key', 'si', 'ext', '-c', single])).exitCode).toBe(0);
    const creds = JSON.parse((await l.run(['service-key', 'si', 'ext', '--json'])).stdout).credentials.oauth;
    expect(new X509Certificate(creds.certificate).fingerprint256).toBe(new X509Certificate(other.certPem).fingerprint256);
    expect(creds.key).toBeUndefined();
    expect(creds.certificatedetails.subjectdn).toContain('CN=SAP PKI Certificate Service Client CA (demo)');
    const chain = JSON.stringify({'key-type': 'certificate_external', 'X.509': other.certPem + other.certPem});
    expect((await l.run(['create-service-key', 'si', 'chain', '-c', chain])).stderr).toContain('found 2 certificates. Provide only the client certificate');
    const garbage = JSON.stringify({'key-type': 'certificate_external', 'X.509': 'hello'});
    expect((await l.run(['create-service-key', 'si', 'junk', '-c', garbage])).stderr).toContain('is not a PEM-encoded X.509 certificate');
    const duplicate = await l.run(['create-service-key', 'si', 'dup', '-c', single]);
    expect(duplicate.stderr).toContain('already used in another service key');
  });

  it('deletes keys and instances idempotently; a prompt answered by EOF cancels', async () => {
    const l = await open({instances: [{name: 'si', parameters: JSON.parse(PARAMS)}], keys: [{instance: 'si', name: 'k'}]});
    expect(await l.run(['delete-service-key', 'si', 'k'])).toEqual({stdout: 'Really delete the service key k? [yN]: \nDelete cancelled\n', stderr: '', exitCode: 0});
    expect(l.state().keys).toHaveLength(1);
    expect((await l.run(['delete-service-key', 'si', 'k'], {input: 'y\n'})).stdout).toContain(`Deleting key k for service instance si as ${U}...\nOK\n\n`);
    expect(await l.run(['delete-service-key', 'si', 'k', '-f'])).toEqual({
      stdout: `Deleting key k for service instance si as ${U}...\n\nService key k does not exist for service instance si.\nOK\n\n`,
      stderr: '',
      exitCode: 0,
    });
    expect((await l.run(['delete-service-key', 'nope', 'k', '-f'])).stderr).toBe("Service instance 'nope' not found\n");
    const deleted = await l.run(['delete-service', 'si', '-f', '--wait']);
    expect(deleted.stdout).toBe(`Deleting service instance si ${WHERE}\n\nWaiting for the operation to complete.\n\nService instance si deleted.\nOK\n\n`);
    expect(await l.run(['delete-service', 'si', '-f'])).toEqual({stdout: `Deleting service instance si ${WHERE}\n\nService instance si did not exist.\nOK\n\n`, stderr: '', exitCode: 0});
  });
});

describe('cf curl', () => {
  it('paginates with full hrefs honouring per_page and filters', async () => {
    const l = await open({instances: manyInstances(5)});
    const first = JSON.parse((await l.run(['curl', '/v3/service_instances?service_plan_names=integration-flow&per_page=2'])).stdout);
    expect(first.pagination.total_results).toBe(5);
    expect(first.pagination.total_pages).toBe(3);
    expect(first.resources.map((r: {name: string}) => r.name)).toEqual(['iflow-1', 'iflow-2']);
    expect(first.pagination.next.href).toBe('https://api.cf.eu10.hana.ondemand.com/v3/service_instances?service_plan_names=integration-flow&page=2&per_page=2');
    const names: string[] = [];
    let next: string | null = '/v3/service_instances?service_plan_names=integration-flow&per_page=2';
    let pages = 0;
    while (next) {
      const page: {resources: Array<{name: string}>; pagination: {next: {href: string} | null}} = JSON.parse((await l.run(['curl', next])).stdout);
      names.push(...page.resources.map((r) => r.name));
      next = page.pagination.next ? new URL(page.pagination.next.href).pathname + new URL(page.pagination.next.href).search : null;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['iflow-1', 'iflow-2', 'iflow-3', 'iflow-4', 'iflow-5']);
    expect(JSON.parse((await l.run(['curl', '/v3/service_instances?service_plan_names=api'])).stdout).resources).toEqual([]);
  });

  it('includes plans and offerings on request, and keys of several instances in one query', async () => {
    const l = await open({instances: manyInstances(3), keys: [{instance: 'iflow-1', name: 'a'}, {instance: 'iflow-3', name: 'b'}, {instance: 'iflow-2', name: 'c'}]});
    const page = JSON.parse((await l.run(['curl', '/v3/service_instances?names=iflow-2&fields[service_plan]=guid,name,relationships.service_offering&fields[service_plan.service_offering]=guid,name'])).stdout);
    expect(page.included.service_plans).toEqual([{guid: expect.any(String), name: 'integration-flow', relationships: {service_offering: {data: {guid: expect.any(String)}}}}]);
    expect(page.included.service_offerings).toEqual([{guid: page.included.service_plans[0].relationships.service_offering.data.guid, name: 'it-rt'}]);
    const guids = l.state().instances.filter((i) => i.name !== 'iflow-2').map((i) => i.guid);
    const keys = JSON.parse((await l.run(['curl', `/v3/service_credential_bindings?type=key&service_instance_guids=${guids.join(',')}`])).stdout);
    expect(keys.resources.map((k: {name: string}) => k.name)).toEqual(['a', 'b']);
    const details = JSON.parse((await l.run(['curl', `/v3/service_credential_bindings/${keys.resources[0].guid}/details`])).stdout);
    expect(Object.keys(details)).toEqual(['credentials']);
  });

  it('exits 0 on HTTP errors with the errors array, 22 with --fail, and shows headers with -i', async () => {
    const l = await open();
    expect(await l.run(['curl', '/v3/nothing'])).toEqual({stdout: '{"errors":[{"code":10000,"title":"CF-NotFound","detail":"Unknown request"}]}\n', stderr: '', exitCode: 0});
    expect(await l.run(['curl', '/v3/nothing', '--fail'])).toEqual({stdout: 'FAILED\n', stderr: 'The requested URL returned error: 404\n', exitCode: 22});
    const bad = JSON.parse((await l.run(['curl', '/v3/service_instances?colour=blue'])).stdout);
    expect(bad.errors[0].title).toBe('CF-BadQueryParameter');
    expect(bad.errors[0].detail).toContain("Unknown query parameter(s): 'colour'");
    const headers = await l.run(['curl', '-i', '/v3/service_instances']);
    expect(headers.stdout).toMatch(/^HTTP\/1\.1 200 OK\nContent-Type: application\/json;charset=utf-8\nX-Vcap-Request-Id: [0-9a-f-]+\n\n\{/);
    const loggedOut = await makeLandscape({loggedIn: false});
    try {
      expect(JSON.parse((await loggedOut.run(['curl', '/v3/service_instances'])).stdout).errors[0].title).toBe('CF-NotAuthenticated');
    } finally {
      await loggedOut.dispose();
    }
  });

  it('pretty-prints with three spaces on v7 and prints nothing for an expired token', async () => {
    const l = await open();
    expect((await l.run(['curl', '/v3/organizations?names=demo-org'], {env: {CF_SIM_VERSION: '7.7.0'}})).stdout).toMatch(/^\{\n {3}"pagination": \{\n {6}"total_results": 1/);
    const expired = await l.run(['curl', '/v3/organizations'], {env: {CF_SIM_FAULTS: JSON.stringify({curl: {type: 'expire-login'}})}});
    expect(expired).toEqual({stdout: '', stderr: '', exitCode: 0});
  });
});

describe('faults', () => {
  it('crashes with a panic dump and exit 2, warns on stderr while succeeding', async () => {
    const l = await open({faults: {services: {type: 'crash', once: true}, 'service-keys': {type: 'warn', message: 'Warning: the broker is slow today.'}}});
    const crashed = await l.run(['services']);
    expect(crashed.exitCode).toBe(2);
    expect(crashed.stderr).toMatch(/^panic: runtime error/);
    expect((await l.run(['services'])).exitCode).toBe(0);
    const warned = await l.run(['service-keys', 'nope']);
    expect(warned.stderr.startsWith('Warning: the broker is slow today.\n')).toBe(true);
  });

  it('makes sync broker errors from the fault table and from CF_SIM_FAULTS', async () => {
    const l = await open({instances: [{name: 'si', parameters: JSON.parse(PARAMS)}]});
    const env = {CF_SIM_FAULTS: JSON.stringify({'create-service-key': {type: 'broker-error', message: 'Backend unavailable', once: true}})};
    const failed = await l.run(['create-service-key', 'si', 'k'], {env});
    expect(failed.stderr).toMatch(/^Job \([0-9a-f-]+\) failed: bind could not be completed: Service broker error: Backend unavailable\n$/);
    // once: the same env fault does not fire twice.
    expect((await l.run(['create-service-key', 'si', 'k2'], {env})).exitCode).toBe(0);
  });
});
