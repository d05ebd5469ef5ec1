/**
 * audit.json and `cpi-mtls audit --json` (src/lifecycle/audit.ts auditJson). The audit's types
 * are inferred from its parts, and a demo audit's file is parsed with it.
 */
import {z} from 'zod';

const lastOperation = z.strictObject({type: z.string(), state: z.string(), description: z.string()}).nullable();

export const auditCertificateSchema = z.strictObject({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string().optional(),
  fingerprint256: z.string().optional().describe("SHA-256 of the leaf; absent when the key's certificate text could not be parsed."),
  validUntil: z.string().optional().describe('ISO-8601; from certificatedetails.validuntil, else from the certificate.'),
  validUntilSource: z.enum(['certificatedetails', 'certificate']).optional(),
});

export const auditKeySchema = z.strictObject({
  guid: z.string(),
  name: z.string(),
  instanceGuid: z.string(),
  instanceName: z.string(),
  type: z.enum(['sap-generated-certificate', 'external-certificate', 'client-secret', 'unknown', 'unreadable']),
  createdAt: z.string().optional(),
  lastOperation,
  clientId: z.string().optional(),
  url: z.string().optional(),
  certificate: auditCertificateSchema.optional(),
  error: z.string().optional().describe('Why the credentials could not be read (key still being created, no permission, ...).'),
});

export const auditInstanceSchema = z.strictObject({
  guid: z.string(),
  name: z.string(),
  planName: z.string(),
  offeringName: z.string(),
  spaceGuid: z.string(),
  spaceName: z.string().optional(),
  roles: z.array(z.string()),
  grantTypes: z.array(z.string()),
  parametersReadable: z.boolean().describe('False when the broker would not return the parameters.'),
  parametersError: z.string().optional(),
  lastOperation,
  keys: z.array(auditKeySchema),
});

export const auditFindingSchema = z.strictObject({
  id: z.enum(['expired', 'expiring', 'duplicate-certificate', 'shared-dn', 'client-x509', 'secret-key', 'expiry-unknown', 'unreadable-key', 'parameters-unreadable']),
  severity: z.enum(['fail', 'warn', 'info']),
  message: z.string(),
  refs: z.array(z.strictObject({instanceName: z.string(), instanceGuid: z.string(), keyName: z.string().optional()})),
  fix: z.array(z.string()),
});

export const auditSchema = z
  .strictObject({
    outcome: z.enum(['findings', 'clean']),
    summary: z.strictObject({fail: z.number(), warn: z.number(), info: z.number(), instances: z.number(), keys: z.number(), certificates: z.number()}),
    days: z.number().describe('Keys expiring within this many days are findings.'),
    evaluatedAt: z.string(),
    findings: z.array(auditFindingSchema),
    scope: z.enum(['space', 'org']),
    target: z.strictObject({apiEndpoint: z.string(), user: z.string(), org: z.string(), space: z.string()}),
    stats: z.strictObject({instances: z.number(), keys: z.number(), cfCalls: z.number(), durationMs: z.number(), parallelReads: z.number()}),
    instances: z.array(auditInstanceSchema),
    files: z.record(z.string(), z.string()),
  })
  .meta({title: 'cpi-mtls audit.json', description: 'Every it-rt instance and key of the space (or org) and the findings; no secrets.'});
