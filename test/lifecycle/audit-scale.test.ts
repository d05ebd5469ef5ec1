/**
 * How the audit's cost grows: cf calls must be pages + instances + keys, never a listing per
 * instance. By default a small landscape (20 instances, 100 keys); the full measurement
 * (200 instances, 1,000 keys) runs with CPI_MTLS_SCALE=1:
 *
 *   CPI_MTLS_SCALE=1 npx vitest run test/lifecycle/audit-scale.test.ts
 */
import {afterAll, describe, expect, it} from 'vitest';
import {createCfAdapter} from '../../src/cf/adapter.js';
import {analyseAudit, collectAudit} from '../../src/lifecycle/audit.js';
import {createDemoPki, signDemoCertificate} from '../../src/demo/pki.js';
import {makeLandscape, type Landscape} from '../fakecf/fixture.js';

const FULL = process.env.CPI_MTLS_SCALE === '1';
const INSTANCES = FULL ? 200 : 20;
const KEYS = FULL ? 1000 : 100;
const PER_PAGE = FULL ? 500 : 30;
const BATCH = 50;
const PARALLEL = Number(process.env.CPI_MTLS_SCALE_PARALLEL ?? 8);
const DAY = 24 * 3600 * 1000;

let landscape: Landscape | undefined;
afterAll(async () => landscape?.dispose());

describe(`audit of ${INSTANCES} instances with ${KEYS} keys`, () => {
  it('costs pages + instances + keys cf calls', async () => {
    const pki = await createDemoPki();
    const now = Date.now();
    const instances = Array.from({length: INSTANCES}, (_, i) => ({name: `iflow-${String(i + 1).padStart(3, '0')}`, parameters: {roles: ['ESBMessaging.send'], 'grant-types': ['client_credentials'], 'redirect-uris': []}}));
    const keys = Array.from({length: KEYS}, (_, i) => {
      // Every 50th certificate expires within the window.
      const notAfter = new Date(now + (i % 50 === 0 ? 10 : 200 + i) * DAY);
      const pem = signDemoCertificate({subject: {C: 'DE', O: 'Scale', CN: `sender-${i}`}, keyOf: pki.clientLeaf, issuer: pki.clientIntermediate, notBefore: new Date(now - DAY), notAfter, extendedKeyUsage: ['clientAuth']});
      return {instance: instances[i % INSTANCES]!.name, name: `key-${i}`, parameters: {'key-type': 'certificate_external', 'X.509': pem}};
    });
    const seedStarted = Date.now();
    landscape = await makeLandscape({instances, keys});
    const seedMs = Date.now() - seedStarted;

    const cf = createCfAdapter({binary: landscape.cf, env: {CF_HOME: landscape.home}, perPage: PER_PAGE, guidBatchSize: BATCH, defaultTimeoutMs: 120_000});
    const started = Date.now();
    const data = await collectAudit(cf, {parallel: PARALLEL});
    const wallMs = Date.now() - started;
    const report = analyseAudit(data, {days: 30});

    expect(data.stats).toMatchObject({instances: INSTANCES, keys: KEYS});
    expect(report.findings.filter(f => f.id === 'expiring')).toHaveLength(KEYS / 50);
    const curls = cf.log.filter(e => e.args[0] === 'curl').map(e => e.args[1]!);
    const instancePages = curls.filter(p => p.startsWith('/v3/service_instances?')).length;
    const keyPages = curls.filter(p => p.startsWith('/v3/service_credential_bindings?')).length;
    const batches = Math.ceil(INSTANCES / BATCH);
    const keysPerBatch = KEYS / batches;
    expect(instancePages).toBe(Math.ceil(INSTANCES / PER_PAGE));
    expect(keyPages).toBe(batches * Math.ceil(keysPerBatch / PER_PAGE));
    const setupCalls = cf.log.length - curls.length + curls.filter(p => p.startsWith('/v3/organizations') || p.startsWith('/v3/spaces')).length;
    expect(cf.log.length).toBe(setupCalls + instancePages + keyPages + INSTANCES + KEYS);

    const perCall = cf.log.map(e => e.durationMs).sort((a, b) => a - b);
    const median = perCall[Math.floor(perCall.length / 2)];
    process.stderr.write(
      `audit scale: ${INSTANCES} instances, ${KEYS} keys: ${cf.log.length} cf calls ` +
        `(${setupCalls} setup, ${instancePages} instance pages, ${keyPages} key pages, ${INSTANCES} parameter reads, ${KEYS} detail reads), ` +
        `wall ${(wallMs / 1000).toFixed(1)} s with ${PARALLEL} parallel reads, median cf call ${median} ms; seeding ${(seedMs / 1000).toFixed(1)} s\n`,
    );
  }, FULL ? 900_000 : 120_000);
});
