/**
 * The setup plan (`cpi-mtls apply --plan`, and the plan.yaml the wizard saves). The same schema
 * validates plans at run time and is published as schema/plan.schema.json for editors
 * (npm run schema). Rules that depend on other fields (a file for source external, no role for
 * Option 2, …) are checked here too, with the field they concern as path; JSON Schema cannot
 * carry their wording, so the published file has them in the descriptions.
 */
import {z} from 'zod';
import {validateEndpointPath, validateInstanceName, validateKeyName, validateRoleName} from '../../flows/validate.js';
import {checkedBy, flag, keyLength, mapping, text, validityDays} from './problems.js';

const isObj = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T, expected: string) => z.enum(values, {error: () => expected});

const target = mapping(
  {
    confirm: flag().optional(),
    org: text().optional().describe('Refuse to run unless cf targets this org.'),
    space: text().optional().describe('Refuse to run unless cf targets this space.'),
  },
  'expected a mapping with confirm, org, space',
).describe('The cf target the plan is meant for; a run elsewhere stops before any change.');

const instance = mapping(
  {
    name: text('required: the service instance name (at most 32 of A-Z a-z 0-9 . _ -)').superRefine(checkedBy(validateInstanceName)).describe('The it-rt integration-flow instance: at most 32 of A-Z a-z 0-9 . _ -'),
    update: flag().optional().describe('Allow updating an existing instance (missing role, client_x509).'),
  },
  'expected a mapping with name (the service instance name)',
);

const certificate = mapping(
  {
    source: oneOf(['external', 'sap-generated', 'new-csr'], 'expected "external", "sap-generated" or "new-csr"').describe(
      'external: your certificate file (needs file); sap-generated: SAP creates key and certificate; new-csr: a private key and a CSR only (needs commonName). Option 2 needs external.',
    ),
    file: text().optional().describe('Required for source external: the client certificate (PEM, DER or PKCS#12), relative to the plan file.'),
    passwordFile: text().optional().describe('A file holding the PKCS#12 password (passwords are never part of a plan).'),
    acceptWarnings: flag().optional().describe('Go on despite certificate warnings (never failures).'),
    acceptIncompleteChain: flag().optional().describe('Go on with a leaf whose chain is incomplete; the live test then shows the load balancer\'s answer.'),
    validityDays: validityDays().optional().describe('sap-generated: validity of the certificate in days (default 365).'),
    keyLength: keyLength().optional().describe('sap-generated: RSA key length (default 2048).'),
    commonName: text().optional().describe('Required for source new-csr: the CN of the sender system.'),
    keyType: oneOf(['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256'], 'expected rsa-2048, rsa-3072, rsa-4096 or ec-p256').optional().describe('new-csr: the key to generate (default rsa-2048).'),
  },
  'expected a mapping with source and file (external) or validityDays (sap-generated)',
);

const key = mapping(
  {name: text('required: the service key name').superRefine(checkedBy(validateKeyName)).describe('The service key: at most 64 of A-Z a-z 0-9 . _ -')},
  'expected a mapping with name (the service key name)',
).describe('Required unless certificate.source is new-csr (which creates no key yet).');

const liveTest = mapping(
  {
    run: flag().optional().describe('Call the endpoint with the client certificate at the end (default false).'),
    path: text().superRefine(checkedBy(validateEndpointPath)).optional().describe('Required when run is true: the endpoint path, e.g. /http/orders (or a full URL).'),
    method: oneOf(['GET', 'POST'], 'expected GET or POST').optional(),
    privateKeyFile: text().optional().describe('The private key of an external certificate (PEM), relative to the plan file.'),
    compareBasic: flag().optional().describe('Also call with a temporary ClientId/Secret key, to tell certificate problems from endpoint problems.'),
  },
  'expected a mapping with run, path, method, privateKeyFile',
);

const tenantChecks = mapping(
  {
    mode: oneOf(['skip', 'file', 'create'], 'expected "skip", "file" (an api service key JSON) or "create" (a temporary api instance)').optional(),
    apiKeyFile: text().optional().describe('Required for mode file: an api-plan service key JSON, relative to the plan file.'),
    keepApiInstance: flag().optional(),
  },
  'expected a mapping with mode (skip, file or create)',
);

const fields = {
  version: z.literal(1, {error: () => 'expected 1'}).optional(),
  option: oneOf(['role-based', 'certificate-in-iflow'], 'expected "role-based" (Option 1) or "certificate-in-iflow" (Option 2)')
    .optional()
    .describe('role-based: Option 1 (role in the instance, default); certificate-in-iflow: Option 2 (certificate in the sender channel).'),
  target: target.optional(),
  role: text().superRefine(checkedBy(validateRoleName)).optional().describe('Option 1 only: the role the sender needs (default ESBMessaging.send).'),
  instance,
  certificate,
  key: key.optional(),
  liveTest: liveTest.optional(),
  output: text().optional().describe('The output folder, relative to the plan file.'),
  onFailure: oneOf(['keep', 'remove'], 'expected "keep" or "remove"').optional().describe('After a failure: keep what this run created (default) or remove it.'),
  tenantChecks: tenantChecks.optional(),
  exportPkcs12: oneOf(['modern', 'legacy', 'skip'], 'expected "modern", "legacy" or "skip"').optional().describe('PKCS#12 for the sender system at the end.'),
  trustedRoots: z
    .array(text(), {error: () => 'expected a list of PEM files of client root CAs'})
    .optional()
    .describe('Client root CA files to trust although they are not (yet) on SAP\'s load balancer list.'),
};

/** Rules between fields, checked even when other fields are wrong so one run lists every problem. */
function crossFieldRules(raw: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (!isObj(raw)) return;
  const add = (path: PropertyKey[], message: string) => ctx.addIssue({code: 'custom', path, message, input: undefined});
  const option2 = raw.option === 'certificate-in-iflow';
  if (option2 && raw.role !== undefined) add(['role'], 'Option 2 uses no role: remove this field');
  const c = isObj(raw.certificate) ? raw.certificate : undefined;
  if (c?.source === 'new-csr' && c.commonName === undefined) add(['certificate', 'commonName'], 'required for source new-csr: the CN of the sender system');
  if (option2 && c?.source === 'sap-generated') add(['certificate', 'source'], 'Option 2 needs the certificate file to upload in the sender channel: use "external"');
  if (c?.source === 'external' && c.file === undefined) add(['certificate', 'file'], 'required for source external: path of the client certificate (PEM, DER or PKCS#12)');
  if (raw.key === undefined && c?.source !== 'new-csr') add(['key'], 'expected a mapping with name (the service key name)');
  const l = isObj(raw.liveTest) ? raw.liveTest : undefined;
  if (l?.run === true && l.path === undefined) add(['liveTest', 'path'], 'required when run is true: the endpoint path, e.g. /http/orders');
  const t = isObj(raw.tenantChecks) ? raw.tenantChecks : undefined;
  if (t?.mode === 'file' && t.apiKeyFile === undefined) add(['tenantChecks', 'apiKeyFile'], 'required for mode file: path of an api-plan service key JSON');
}

export const planSchema = mapping(fields, 'expected a mapping (YAML) or object (JSON) with fields such as option, role, instance, certificate')
  .superRefine(crossFieldRules, {when: payload => isObj(payload.value)})
  .meta({
    title: 'cpi-mtls setup plan',
    description: 'Every answer of the cpi-mtls setup wizard, for `cpi-mtls apply --plan <file>`. Paths are relative to the plan file. Passwords are never part of a plan.',
  });

export type Plan = z.infer<typeof planSchema>;

