/**
 * The renewal plan (`cpi-mtls renew --plan <file>`): the answers of the renewal wizard, named
 * like its options in camelCase. Names are checked later with the flags (renewNameProblems), so
 * a name from the plan and from the command line are reported alike.
 */
import {z} from 'zod';
import {flag, keyLength, mapping, text, validityDays} from './problems.js';

export const renewPlanSchema = mapping(
  {
    instanceName: text().optional().describe('The integration-flow instance (--instance).'),
    oldKeyName: text().optional().describe('The key whose certificate expires (--key).'),
    certificateSource: z.enum(['external', 'sap-generated'], {error: () => 'expected "external" or "sap-generated"'}).optional(),
    certificatePath: text().optional().describe('The new certificate (PEM, DER, PKCS#12), relative to the plan file (--cert).'),
    certificatePassword: text().optional().describe('Password of a PKCS#12 file; prefer --password-file, which keeps it out of the plan.'),
    sapKey: mapping(
      {
        validityDays: validityDays().default(365),
        keyLength: keyLength().default(2048),
      },
      'expected a mapping with validityDays and keyLength',
    )
      .optional()
      .describe('sap-generated: validity in days (default 365) and RSA key length (default 2048).'),
    newKeyName: text().optional().describe('Name of the new key (--new-key).'),
    acceptCertificateWarnings: flag().optional().describe('Accept certificate warnings, never failures (--accept-warnings).'),
    liveTest: mapping(
      {
        run: flag().default(false).describe('Call the endpoint with the new certificate (default false: the old key is then kept).'),
        path: text().optional().describe('The endpoint, e.g. /http/orders (or a full URL).'),
        method: z.enum(['GET', 'POST'], {error: () => 'expected GET or POST'}).optional(),
        privateKeyPath: text().optional().describe('Private key of the new certificate (PEM), relative to the plan file.'),
      },
      'expected a mapping with run, path, method, privateKeyPath',
    ).optional(),
    deleteOld: flag().optional().describe('Delete the old key after a passing live test (--delete-old).'),
    option2: flag().optional().describe('The sender channel lists the certificate (--option2).'),
  },
  'expected a mapping with fields such as instanceName, oldKeyName, certificatePath',
).meta({title: 'cpi-mtls renewal plan', description: 'The answers of `cpi-mtls renew --plan <file>`; paths are relative to the plan file.'});

